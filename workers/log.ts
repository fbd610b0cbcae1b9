/**
 * The worker's log and metrics. The log is one line an entry, `time LEVEL message key=value…`, so
 * an operator can grep a night's log for a run, a season or an exposure; the SDK's Core logs
 * (connections, polls, its own errors) are forwarded into it, marked `sdkComponent="core"`, so the
 * same grep sees them. Workflow code logs one line per change of an exposure's state through the
 * SDK's logger (replays stay silent); DAGMaker's own output stays in its .out files. With
 * DESGW_METRICS_ADDRESS the SDK's Prometheus metrics are served at http://<address>/metrics.
 */
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

const KEYS = ['workflowId', 'season', 'expnum', 'state', 'jobId', 'error', 'activityType', 'taskQueue', 'sdkComponent'];

export function formatLogEntry({ level, message, meta, timestampNanos }: LogEntry): string {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const fields = KEYS.filter((k) => meta?.[k] !== undefined).map((k) => `${k}=${JSON.stringify(meta![k])}`);
  return [time, level.padEnd(5), message.replace(/\n/g, ' | '), ...fields].join(' ');
}

/** Installs the SDK runtime: the one-line log at DESGW_LOG_LEVEL (Core's logs forwarded into it), and metrics when asked. */
export function installOneLineLogger(
  level: LogLevel = (process.env.DESGW_LOG_LEVEL as LogLevel | undefined) ?? 'INFO',
  metricsAddress: string | undefined = process.env.DESGW_METRICS_ADDRESS || undefined,
): void {
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => console.log(formatLogEntry(entry))),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: level }), forward: {} },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
}
