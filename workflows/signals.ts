/** Signals and queries of the parent run (definitions shared by workflows and clients). */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ExposureState, Progress } from '../common/contract.js';
import { EXPOSURE_STATE_SIGNAL, PROGRESS_QUERY } from '../common/contract.js';

export const progressQuery = defineQuery<Progress>(PROGRESS_QUERY);
/** Sent by a child when its exposure moves on (e.g. from DAGMaker to submission). */
export const exposureStateSignal = defineSignal<[{ expnum: number; state: ExposureState }]>(EXPOSURE_STATE_SIGNAL);
