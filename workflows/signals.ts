/** Signals and queries of the runs (definitions shared by workflows and clients). */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ExposureState, Progress } from '../common/contract.js';
import { EXPOSURE_STATE_SIGNAL, PROGRESS_QUERY, PROXY_RENEWED_SIGNAL, RETRY_ENVIRONMENT_SIGNAL, RETRY_NOW_SIGNAL } from '../common/contract.js';

export const progressQuery = defineQuery<Progress>(PROGRESS_QUERY);
/** Sent by a child to its parent when its exposure changes state (e.g. DAGMaker → submission, or starts waiting). */
export const exposureStateSignal = defineSignal<[{ expnum: number; state: ExposureState; message?: string }]>(EXPOSURE_STATE_SIGNAL);
/** A person renewed the grid proxy: on the parent (which passes it on) or on a child. */
export const proxyRenewedSignal = defineSignal(PROXY_RENEWED_SIGNAL);
/** A person fixed what made setup_img_proc.sh fail: try it again. */
export const retryEnvironmentSignal = defineSignal(RETRY_ENVIRONMENT_SIGNAL);
/** Check again now whatever the run waits for (the proxy, jobsub, the DES database, the environment). */
export const retryNowSignal = defineSignal(RETRY_NOW_SIGNAL);
