/**
 * `desgw status`: the execution first (running, or how it ended and why, with the next command),
 * then the run's progress, with what the published progress cannot know: an ended run's unfinished
 * exposures in their final state, an exposure's quick retries (its activity's attempt and last
 * failure), a wait's last re-check, and the post-processing a run went on to.
 *
 * Exit codes: 0 completed with every exposure submitted (a post-processing: candidates written);
 * 1 completed with failed exposures (no candidates); 2 failed, terminated, cancelled or timed out;
 * 3 still running.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ImageProcessingResult, Progress } from '../common/contract.js';
import { exposureWaitQuery, postProcessingProgressQuery, progressQuery } from '../common/messages.js';
import type { PostProcessingProgress, PostProcessingResult } from '../common/post-processing-contract.js';
import { exposureWorkflowId } from '../workflows/process-exposure.js';
import { endedLine, executionOf, type Execution } from './execution.js';
import { formatPostProcessingProgress } from './post-process.js';
import { formatProgress } from './report.js';

export interface StatusReport {
  text: string;
  json: unknown;
  exitCode: number;
}

/** A query that a closed workflow answers only while a worker can replay it: a short wait, then nothing. */
export async function tryQuery<T>(ask: () => Promise<T>, ms = 8000): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([ask().catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function statusOf(client: Client, workflowId: string): Promise<StatusReport> {
  const handle = client.workflow.getHandle(workflowId);
  const exec = await executionOf(handle);
  return exec.kind === 'post-processing' ? postProcessingStatus(handle, exec) : runStatus(client, handle, exec);
}

async function postProcessingStatus(handle: WorkflowHandle, exec: Execution): Promise<StatusReport> {
  const p = await tryQuery(() => handle.query(postProcessingProgressQuery));
  const lines: string[] = [];
  if (exec.state !== 'running' && exec.state !== 'completed') lines.push(endedLine(exec));
  lines.push(p ? formatPostProcessingProgress(p) : `post-processing ${exec.workflowId}: ${exec.state}`);
  const outcome = (exec.result as PostProcessingResult | undefined)?.outcome;
  const exitCode = exec.state === 'running' ? 3 : exec.state !== 'completed' ? 2 : outcome === 'success' ? 0 : 1;
  return { text: lines.join('\n'), json: { ...p, execution: exec }, exitCode };
}

async function runStatus(client: Client, handle: WorkflowHandle, exec: Execution): Promise<StatusReport> {
  const p = await tryQuery(() => handle.query(progressQuery));
  const lines: string[] = [];
  const result = exec.result as ImageProcessingResult | undefined;
  if (exec.state === 'completed' && result) {
    const c = result.counts;
    lines.push(
      `run ${exec.workflowId} completed: ${c.submitted} of ${c.total} exposures submitted` +
        (c.failed ? `, ${c.failed} failed — next: desgw resume ${exec.workflowId} --retry-failed` : ''),
    );
  } else if (exec.state !== 'running') lines.push(endedLine(exec));

  let postProcessing: PostProcessingProgress | null = null;
  if (p) {
    const ended = exec.state === 'running' ? undefined : exec.state;
    const notes = ended ? new Map<number, string>() : await liveNotes(client, p);
    lines.push(formatProgress(ended ? finalView(p, ended) : p, notes));
    if (p.phase === 'post-processing' || result?.postProcessing) {
      const ppId = result?.postProcessing?.workflowId ?? `${exec.workflowId}-postproc`;
      postProcessing = await tryQuery(() => client.workflow.getHandle(ppId).query(postProcessingProgressQuery));
      if (postProcessing) lines.push('', followedInto(postProcessing));
    }
  } else lines.push(`(no worker answered the progress query: per-exposure states are not shown)`);

  const exitCode =
    exec.state === 'running'
      ? 3
      : exec.state !== 'completed'
        ? 2
        : (result?.counts.failed ?? 0) > 0 || result?.postProcessing?.outcome === 'failed'
          ? 1
          : 0;
  // The progress as before, with the execution beside it (scripts read `counts`).
  return { text: lines.join('\n'), json: { ...p, execution: exec, postProcessing }, exitCode };
}

/** The post-processing a run went on to: its id, where it stands, its wait line and command. */
function followedInto(pp: PostProcessingProgress): string {
  return formatPostProcessingProgress(pp)
    .split('\n')
    .map((l, i) => (i === 0 ? `then ${l}` : l))
    .join('\n');
}

/** What an exposure was doing, said of an ended run (never its in-flight state name). */
const WHILE: Partial<Record<string, string>> = {
  waiting: 'before it started',
  'making-dag': 'during its DAGMaker',
  submitting: 'during its submission',
  'waiting-for-proxy': 'while it waited for a proxy',
  'waiting-for-jobsub': 'while it waited for jobsub',
  'waiting-for-database': 'while it waited for the DES database',
  'waiting-for-worker': 'while it waited for a worker',
};

/**
 * An ended run's progress as it really ended: the phase is the execution's ending, and exposures
 * that were still waiting or in flight say so (the workflow published nothing after a termination).
 */
function finalView(p: Progress, ended: Execution['state']): Progress {
  const word = ended === 'completed' ? 'completed' : ended.replace('-', ' ');
  const exposures = p.exposures.map((e) =>
    e.state === 'submitted' || e.state === 'failed' || e.state === 'cancelled'
      ? e
      : { ...e, state: 'cancelled' as const, error: `not finished: the run ${word} ${WHILE[e.state] ?? ''}`.trim() },
  );
  const counts = { ...p.counts };
  for (const e of p.exposures) {
    if (e.state === 'submitted' || e.state === 'failed' || e.state === 'cancelled') continue;
    counts[e.state]--;
    counts.cancelled++;
  }
  const phase = ended === 'completed' ? p.phase : ended === 'cancelled' ? 'cancelled' : 'failed';
  const view: Progress = { ...p, phase, counts, exposures };
  delete view.waitingFor;
  return view;
}

/**
 * What the progress cannot say of a running run's exposures: the attempt and last failure of one in
 * its quick retries (`attempt 3 of 6: jobsub did not answer …`), and a waiting one's last re-check.
 */
async function liveNotes(client: Client, p: Progress): Promise<Map<number, string>> {
  const notes = new Map<number, string>();
  if (p.season === undefined) return notes;
  const season = p.season;
  const live = p.exposures.filter((e) => e.state !== 'waiting' && e.state !== 'submitted' && e.state !== 'failed');
  await Promise.all(
    live.slice(0, 50).map(async (e) => {
      const child = await childOf(client, p.workflowId, season, e.expnum);
      if (!child) return;
      if (e.state.startsWith('waiting-for-')) {
        const w = await tryQuery(() => child.query(exposureWaitQuery), 3000);
        if (w?.lastCheck) notes.set(e.expnum, `last re-check ${w.lastCheck.at}: ${w.lastCheck.found}`);
        else if (w?.nextCheckAt) notes.set(e.expnum, `next re-check ${w.nextCheckAt}`);
        return;
      }
      const d = await child.describe().catch(() => null);
      const a = d?.raw.pendingActivities?.[0];
      if (a && (a.attempt ?? 1) > 1) {
        const of = a.maximumAttempts ? ` of ${a.maximumAttempts}` : '';
        const why = a.lastFailure?.message ? `: ${a.lastFailure.message.split('\n')[0]!.slice(0, 160)}` : '';
        notes.set(e.expnum, `attempt ${a.attempt}${of}${why}`);
      }
    }),
  );
  return notes;
}

/**
 * The child of a run's exposure, as the run named it (exposureWorkflowId): on a shared season, the
 * id naming the run, else (a run started before such ids) the plain one if that child is this run's.
 */
async function childOf(client: Client, run: string, season: number, expnum: number): Promise<WorkflowHandle | null> {
  const ids = [...new Set([exposureWorkflowId(season, expnum, run), exposureWorkflowId(season, expnum)])];
  if (ids.length === 1) return client.workflow.getHandle(ids[0]!);
  for (const id of ids) {
    const handle = client.workflow.getHandle(id);
    const d = await handle.describe().catch(() => null);
    if (d?.parentExecution?.workflowId === run) return handle;
  }
  return null;
}
