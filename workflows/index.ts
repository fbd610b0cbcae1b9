/** Every workflow type the worker serves. */
export { imageProcessing } from './image-processing.js';
export { processExposure } from './process-exposure.js';
export { seasonRegistry } from './season-registry.js';
export { dryRun } from './dry-run.js';
export { postProcessing } from './post-processing.js';
export { eventCampaign } from './event-campaign.js';
