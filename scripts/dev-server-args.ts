/**
 * Settings every dev server of ours starts with (demo, tests, benchmarks): one partition per task
 * queue. A site has one worker per queue; with the default four partitions a task can wait in a
 * partition no poller is on until it is forwarded (measured: a few percent of a run's time with
 * instant stand-ins). deploy/temporal-dynamicconfig.yaml does the same in production.
 */
export const DEV_SERVER_ARGS = [
  '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
];
