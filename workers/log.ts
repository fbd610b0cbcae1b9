/**
 * The worker's log: one line an entry, `time LEVEL message key=value…`, so an operator can grep a
 * night's log for a run, a season or an exposure. Workflow code logs one line per change of an
 * exposure's state through the SDK's logger (replays stay silent); DAGMaker's own output stays in
 * its .out files.
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

const KEYS = ['workflowId', 'season', 'expnum', 'state', 'jobId', 'error', 'activityType', 'taskQueue'];

export function formatLogEntry({ level, message, meta, timestampNanos }: LogEntry): string {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const fields = KEYS.filter((k) => meta?.[k] !== undefined).map((k) => `${k}=${JSON.stringify(meta![k])}`);
  return [time, level.padEnd(5), message.replace(/\n/g, ' | '), ...fields].join(' ');
}

export function installOneLineLogger(
  level: LogLevel = (process.env.DESGW_LOG_LEVEL as LogLevel | undefined) ?? 'INFO',
): void {
  Runtime.install({ logger: new DefaultLogger(level, (entry) => console.log(formatLogEntry(entry))) });
}
