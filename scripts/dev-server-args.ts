/**
 * Settings every dev server of ours starts with (demo, tests, benchmarks). Eager activity
 * execution lets the server hand a just-scheduled DAGMaker or submission straight back to the
 * worker that completed the workflow task, saving a poll round trip per activity.
 */
export const DEV_SERVER_ARGS = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'];
