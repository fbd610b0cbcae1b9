/** Live progress of a run: a bar with ETA on a terminal, a line per change otherwise. */
import type { WorkflowHandle } from '@temporalio/client';
import cliProgress from 'cli-progress';
import { progressQuery } from '../common/messages.js';

export async function follow(
  handle: WorkflowHandle,
  out: NodeJS.WriteStream = process.stderr,
  everyMs = 1000,
): Promise<void> {
  const tty = out.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format:
            ' {bar} {value}/{total} done | {phase} | making DAG {making} | submitting {submitting} | failed {failed} | ETA {eta_formatted}',
          stream: out,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let last = '';
  await untilClosed(handle, everyMs, async () => {
    const p = await handle.query(progressQuery).catch(() => null);
    if (p) {
      const done = p.counts.submitted + p.counts.failed;
      const fields = {
        phase: p.phase,
        making: p.counts['making-dag'],
        submitting: p.counts.submitting,
        failed: p.counts.failed,
      };
      if (bar) {
        if (!started && p.total > 0) {
          bar.start(p.total, done, fields);
          started = true;
        } else if (started) bar.update(done, fields);
      } else {
        const line = `[${handle.workflowId}] ${p.phase}${p.season ? ` season ${p.season}` : ''}: ${done}/${p.total} done (making DAG ${fields.making}, submitting ${fields.submitting}, failed ${fields.failed})`;
        if (line !== last) out.write(line + '\n');
        last = line;
      }
    }
  });
  bar?.stop();
}

/** Calls `each` every `everyMs` until the workflow closes, however it ends. */
export async function untilClosed(handle: WorkflowHandle, everyMs: number, each: () => Promise<void>): Promise<void> {
  let closed = false;
  const finished = handle
    .result()
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => {
      closed = true;
    });
  while (!closed) {
    await each();
    await Promise.race([finished, new Promise((r) => setTimeout(r, everyMs))]);
  }
}
