/**
 * Bundles the workflow code once, at build time (`make build`), into dist/workflow-bundle.js: the
 * worker then starts in a second instead of bundling with webpack at every start, and without the
 * bundler's memory peak.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../workers/config.js';

const quiet = () => undefined;
const logger = {
  log: quiet,
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};
const { code } = await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'dist', 'workflows', 'index.js'), logger });
await writeFile(join(REPO_ROOT, 'dist', 'workflow-bundle.js'), code);
console.log(`wrote dist/workflow-bundle.js (${Math.round(code.length / 1024)} KiB)`);
