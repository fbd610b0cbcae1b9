/**
 * What `desgw post-process` and `desgw run --post-process` do: build a post-processing's input from
 * the command line, start it, follow it, and print its progress and result as a person reads them.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUE } from '../common/contract.js';
import { postProcessingProgressQuery } from '../common/messages.js';
import type {
  GridExposure,
  PostProcessingInput,
  PostProcessingOptions,
  PostProcessingProgress,
  PostProcessingResult,
} from '../common/post-processing-contract.js';
import { describeVerdicts } from '../common/verdict-summary.js';
import { postProcessing } from '../workflows/post-processing.js';
import { resolve } from 'node:path';
import { untilClosed } from './follow.js';
import { UserError } from './runs.js';

/** The options both commands share (commander's names). */
export interface PostProcessFlags {
  triggerId?: string;
  triggerMjd?: number;
  propid?: string;
  postprocDir?: string;
  minCompleteCcds?: number;
  postprocOutputDir?: string;
  gridDeadlineHours?: number;
  skipTo?: number;
}

/** The options of a post-processing from the flags; refuses a missing trigger fact, naming the flag. */
export function postProcessingOptions(f: PostProcessFlags): PostProcessingOptions {
  const missing = (
    [
      ['--trigger-id', f.triggerId],
      ['--trigger-mjd', f.triggerMjd],
      ['--propid', f.propid],
    ] as const
  )
    .filter(([, v]) => v === undefined)
    .map(([flag]) => flag);
  if (missing.length > 0)
    throw new UserError(`post-processing needs ${missing.join(', ')}: the ini is never left at the template's values`);
  return {
    triggerId: f.triggerId!,
    triggerMjd: f.triggerMjd!,
    propid: f.propid!,
    ...(f.postprocDir ? { postProcessingDir: resolve(f.postprocDir) } : {}),
    ...(f.minCompleteCcds !== undefined ? { minCompleteCcds: f.minCompleteCcds } : {}),
    ...(f.postprocOutputDir ? { outputDir: resolve(f.postprocOutputDir) } : {}),
    ...(f.gridDeadlineHours !== undefined ? { gridDeadlineHours: f.gridDeadlineHours } : {}),
    ...(f.skipTo !== undefined ? { skipTo: f.skipTo } : {}),
  };
}

/** `EXPNUM:BAND[:NITE],…` as exposures. */
export function parseExposures(v: string): GridExposure[] {
  return v.split(',').map((item, i) => {
    const [expnum, band, nite] = item.trim().split(':');
    if (!/^\d+$/.test(expnum ?? '') || !band || (nite !== undefined && !/^\d{8}$/.test(nite)))
      throw new UserError(`--exposures item ${i + 1} is not EXPNUM:BAND or EXPNUM:BAND:NITE`);
    return { expnum: Number(expnum), band, ...(nite ? { nite } : {}) };
  });
}

export function startPostProcessing(client: Client, input: PostProcessingInput, workflowId?: string) {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return client.workflow.start(postProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: workflowId ?? `desgw-postproc-${input.triggerId}-${stamp}`,
    args: [input],
    staticSummary: `DESGW post-processing: ${input.triggerId}`,
  });
}

/** A line per change of a post-processing's progress, until it ends. */
export async function followPostProcessing(
  handle: WorkflowHandle,
  out: NodeJS.WriteStream = process.stderr,
  everyMs = 1000,
): Promise<void> {
  let last = '';
  await untilClosed(handle, everyMs, async () => {
    const p = await handle.query(postProcessingProgressQuery).catch(() => null);
    if (!p) return;
    const line = `[${handle.workflowId}] ${oneLine(p)}`;
    if (line !== last) out.write(line + '\n');
    last = line;
  });
}

function oneLine(p: PostProcessingProgress): string {
  const grid = p.total > 0 ? `: ${p.finished} of ${p.total} DAGs finished` : '';
  return `${p.phase}${p.season !== undefined ? ` season ${p.season}` : ''}${grid}${p.waitingFor?.what === 'checkout' ? ` (${p.waitingFor.message})` : ''}`;
}

/** What `desgw status` prints for a post-processing. */
export function formatPostProcessingProgress(p: PostProcessingProgress): string {
  const lines = [`post-processing ${p.workflowId}: ${oneLine(p)}`];
  if (p.pending.length > 0) lines.push(`  still on the grid: ${p.pending.join(', ')}`);
  lines.push(`  grid wait: ${gridCost(p.grid)}`);
  if (p.verdicts) lines.push(`  ${describeVerdicts(p.verdicts)}`);
  if (p.waitingFor)
    lines.push(
      '',
      `WAITING FOR ${p.waitingFor.what.toUpperCase()} since ${p.waitingFor.since}:`,
      `  ${p.waitingFor.message}`,
    );
  if (p.masterHtml) lines.push('', `candidates: ${p.masterHtml}`);
  for (const w of p.warnings ?? []) lines.push(`  note: ${w}`);
  return lines.join('\n');
}

/** A post-processing's result as a person reads it. */
export function formatPostProcessingResult(r: PostProcessingResult): string {
  const total = r.verdicts?.total ?? r.exposures?.length ?? 0;
  const passed = r.verdicts?.passed.length ?? r.exposures?.filter((e) => e.passed).length ?? 0;
  const lines = [
    `post-processing ${r.workflowId}: ${r.triggerId}, season ${r.season}: ${r.outcome === 'success' ? 'done' : 'no candidates'}; ${passed} of ${total} exposures passed` +
      (r.proceededBecause ? ` (went on before every DAG finished: ${r.proceededBecause})` : ''),
    '',
  ];
  // Today's results say why by reason code (each verdict whole in verdicts.json); older ones carry every verdict.
  if (r.verdicts) lines.push(`  ${describeVerdicts(r.verdicts, 10)}`);
  for (const e of r.verdicts ? [] : (r.exposures ?? []))
    lines.push(`  ${e.expnum} ${e.band} ${e.passed ? 'passed' : 'LEFT OUT'}: ${e.reason ?? ''}`);
  lines.push(
    '',
    ...(r.masterHtml ? [`candidates:  ${r.masterHtml}`] : []),
    ...(r.noCandidates ? [`why none:    ${r.noCandidates.said}`] : []),
    `output dir:  ${r.outputDir}`,
    ...(r.outputs
      ? [
          `outputs:     ${r.outputs.candidatePages} candidate pages in htmls/, ${r.outputs.datFiles} .dat light-curve files${r.outputs.lightCurvesDir ? ` in ${r.outputs.lightCurvesDir}` : ''}`,
          ...[r.outputs.combinedFits, r.outputs.truthPlus, r.outputs.checkoutputsCsv]
            .filter((p): p is string => p !== undefined)
            .map((p) => `             ${p}`),
        ]
      : []),
    `log:         ${r.logFile}`,
    `inputs:      ${r.listFile}, ${r.iniFile}${r.skipTo !== null ? ` (--SKIPTO ${r.skipTo})` : ''}`,
    ...(r.skipReason ? [`pass:        ${r.skipReason}`] : []),
    ...(r.movedAside ?? []).map((m) => `moved aside: ${m}`),
    `grid wait:   ${gridCost(r.grid)}`,
    ...(r.warnings ?? []).map((w) => `note:        ${w}`),
  );
  return lines.join('\n');
}

/** What the wait cost: `12 polls, 1 jobsub_q calls, 3600 /pnfs reads (2 timed out), 600 s`. */
function gridCost(g: PostProcessingResult['grid']): string {
  const timeouts = g.pnfsTimeouts ? ` (${g.pnfsTimeouts} timed out)` : '';
  return `${g.polls} polls, ${g.jobsubQCalls} jobsub_q calls, ${g.pnfsReads} /pnfs reads${timeouts}, ${g.waitedS} s`;
}
