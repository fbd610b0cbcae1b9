/**
 * A run's result and progress as a person reads them (`desgw status`, the summary after `--follow`,
 * `watch` and the demo): one line per exposure, its status saying what DAGMaker warned of it
 * (`submitted (warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL)`), since such an exposure is
 * submitted and will fail on the grid; the TRIES column explained under the table.
 */
import type { ImageProcessingResult, Progress } from '../common/contract.js';
import { warningNote, warningsBesideNote } from '../common/dagmaker-warnings.js';
import type { DryRunReport } from '../workflows/dry-run.js';

/** The legend of the summary's TRIES column. */
export const TRIES_LEGEND =
  'TRIES: DAGMaker attempts + submission attempts, every attempt counted (retries, re-checks while waiting, runs cut short by a worker shutdown)';

export function formatResult(r: ImageProcessingResult): string {
  const rows: Row[] = [];
  for (const e of r.exposures) {
    const under: string[] = [];
    if (e.error) under.push(`    ${e.error}`);
    for (const w of warningsBesideNote(e.warnings)) under.push(`    warning: ${w}`);
    rows.push({
      cols: [
        String(e.expnum),
        e.band,
        e.nite,
        statusOf(e),
        e.jobId ?? '-',
        `${e.attempts.dagmaker}+${e.attempts.submit}`,
        (e.durationsMs.total / 1000).toFixed(1),
      ],
      under,
    });
  }
  const lines = [
    `run ${r.workflowId}: season ${r.season}, nite ${r.nites.join(' ')}: ${r.counts.submitted} of ${r.counts.total} exposures submitted` +
      (r.counts.failed ? `, ${r.counts.failed} failed` : ''),
    '',
    ...table(['EXPNUM', 'BAND', 'NITE', 'STATUS', 'JOB ID', 'TRIES', 'SECONDS'], RESULT_WIDTHS, rows),
  ];
  if (r.exposures.length === 0 && r.counts.total > 0)
    lines.push(`(${r.counts.total} exposures: each one's result is in the manifest)`);
  else if (r.exposures.length > 0) lines.push(TRIES_LEGEND);
  if (r.duplicatesDropped.length)
    lines.push('', `listed more than once (processed once): ${r.duplicatesDropped.join(', ')}`);
  lines.push(
    '',
    `output:      ${r.outputFiles.outputTxt}`,
    `manifest:    ${r.outputFiles.manifest}`,
    `run dir:     ${r.runDir}  (exp_EXPNUM/ holds each exposure's .dag, .out and mytemp_EXPNUM)`,
  );
  const pp = r.postProcessing;
  if (pp)
    lines.push(
      `post-processing: ${pp.workflowId}: ${pp.outcome}${pp.masterHtml ? `\ncandidates:  ${pp.masterHtml}` : ''}${pp.error ? ` (${pp.error})` : ''}`,
    );
  return lines.join('\n');
}

/**
 * An exposure's status, saying when this run did not submit it itself: `resumed` (an earlier run of
 * the id did) or `recovered` (an earlier attempt did, found after the worker died); and what
 * DAGMaker warned, clipped: `submitted (warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL)`.
 */
export function statusOf(e: {
  status?: string;
  state?: string;
  resumed?: boolean;
  recovered?: boolean;
  warnings?: readonly string[];
}): string {
  const s = e.status ?? e.state ?? '';
  const notes = [e.resumed ? 'resumed' : e.recovered ? 'recovered' : undefined, warningNote(e.warnings)].filter(
    (n): n is string => n !== undefined,
  );
  return notes.length > 0 ? `${s} (${notes.join('; ')})` : s;
}

interface Row {
  cols: string[];
  /** Lines printed under the row (its error, its other warnings). */
  under: string[];
}

/** Least widths of the columns; a column grows to its longest cell (a status with a warning). */
const RESULT_WIDTHS = [9, 5, 9, 22, 30, 6, 8];
const PROGRESS_WIDTHS = [9, 5, 9, 30];

function table(header: string[], least: number[], rows: Row[]): string[] {
  const widths = least.map((w, i) => Math.max(w, ...rows.map((r) => (r.cols[i]?.length ?? 0) + 1)));
  const pad = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' ')
      .trimEnd();
  return [pad(header), ...rows.flatMap((r) => [pad(r.cols), ...r.under])];
}

/**
 * A run's progress as a table (what `desgw status` prints); `notes` adds what the progress cannot
 * know to an exposure's state, e.g. `submitting (attempt 3 of 6: jobsub did not answer …)`.
 */
export function formatProgress(p: Progress, notes: ReadonlyMap<number, string> = new Map()): string {
  const c = p.counts;
  const lines = [
    `run ${p.workflowId}: ${p.phase}${p.season !== undefined ? `, season ${p.season}` : ''}, ${c.submitted + c.failed}/${p.total} done`,
    `  waiting ${c.waiting}  making DAG ${c['making-dag']}  submitting ${c.submitting}  submitted ${c.submitted}  failed ${c.failed}` +
      (c.cancelled ? `  cancelled ${c.cancelled}` : '') +
      (['proxy', 'jobsub', 'database', 'worker'] as const)
        .map((w) => (c[`waiting-for-${w}`] ? `  waiting for ${w} ${c[`waiting-for-${w}`]}` : ''))
        .join(''),
  ];
  if (p.failure) lines.push('', `FAILED: ${p.failure.reason}`, `  next: ${p.failure.next}`);
  if (p.waitingFor)
    lines.push(
      '',
      `WAITING FOR ${p.waitingFor.what.toUpperCase()} since ${p.waitingFor.since}:`,
      ...p.waitingFor.message.split('\n').map((l) => `  ${l}`),
    );
  const rows = p.exposures.map((e): Row => ({
    cols: [
      String(e.expnum),
      e.band ?? '',
      statusOf(e) + ((notes.get(e.expnum) ?? e.note) ? ` (${notes.get(e.expnum) ?? e.note})` : ''),
      e.jobId ?? '-',
    ],
    under: e.error ? [`    ${e.error}`] : [],
  }));
  lines.push('', ...table(['EXPNUM', 'BAND', 'STATE', 'JOB ID'], PROGRESS_WIDTHS, rows));
  return lines.join('\n');
}

/** What `desgw run --dry-run` prints. */
export function formatDryRun(r: DryRunReport): string {
  const lines = [
    r.ok
      ? 'dry run: everything checks out; no DAGMaker was run, nothing was reserved'
      : `dry run: ${r.problems.length} problem(s)`,
  ];
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  if (r.exposures.length) {
    const bands = [...new Set(r.exposures.map((e) => e.band))].join(' ');
    const nites = [...new Set(r.exposures.map((e) => e.nite))].join(' ');
    lines.push(
      `exposures:   ${r.exposures.length} (bands ${bands}; nite ${nites})${r.duplicatesDropped.length ? `; listed twice: ${r.duplicatesDropped.join(', ')}` : ''}`,
    );
  }
  if (r.season !== undefined) lines.push(`season:      ${r.season} (would be reserved when the run starts)`);
  if (r.environment)
    lines.push(
      `environment: ${r.environment.variableCount} variables; jobsub_submit_dag at ${r.environment.jobsubSubmitDag}`,
    );
  if (r.rcDiff)
    lines.push(
      'dagmaker.rc change:',
      ...r.rcDiff
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  return lines.join('\n');
}
