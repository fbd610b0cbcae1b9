/**
 * Settings every dev server of ours starts with (demo, tests, benchmarks); the production server
 * gets the same from deploy/temporal-dynamicconfig.yaml. Each was measured with `bench/trace.ts`.
 *
 * - One partition per task queue. A site has one worker per queue; with the default four
 *   partitions a task can wait in a partition no poller is on until it is forwarded.
 * - The history service's transfer queue (what turns a child start, an activity or a signal into a
 *   task for a worker) reads new tasks at most 20 times a second per shard by default, and the dev
 *   server has one shard: every such hop waited ~40 ms (median), more than half of an exposure's
 *   overhead with instant stand-ins. 1000 reads a second takes that to ~4 ms.
 */
export const DYNAMIC_CONFIG: Record<string, number> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  'history.transferProcessorMaxPollRPS': 1000,
};

export const DEV_SERVER_ARGS = Object.entries(DYNAMIC_CONFIG).flatMap(([k, v]) => [
  '--dynamic-config-value',
  `${k}=${v}`,
]);

/** `temporal server start-dev` on these ports, quiet, with the settings above (and a database file to keep its history). */
export function startDevArgs(port: number, uiPort: number, dbFile?: string): string[] {
  return [
    'server',
    'start-dev',
    ...(dbFile ? ['--db-filename', dbFile] : []),
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'error',
    ...DEV_SERVER_ARGS,
  ];
}
