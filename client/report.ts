/** A run's result as a person reads it; the TRIES column explained under the table. */
import type { ImageProcessingResult, Progress } from '../common/contract.js';
import type { DryRunReport } from '../workflows/dry-run.js';

/** The legend of the summary's TRIES column. */
export const TRIES_LEGEND =
  'TRIES: DAGMaker attempts + submission attempts, every attempt counted (retries, re-checks while waiting, runs cut short by a worker shutdown)';

export function formatResult(r: ImageProcessingResult): string {
  const lines = [
    `run ${r.workflowId}: season ${r.season}, nite ${r.nites.join(' ')}: ${r.counts.submitted} of ${r.counts.total} exposures submitted` +
      (r.counts.failed ? `, ${r.counts.failed} failed` : ''),
    '',
    pad(['EXPNUM', 'BAND', 'NITE', 'STATUS', 'JOB ID', 'TRIES', 'SECONDS']),
  ];
  for (const e of r.exposures) {
    lines.push(
      pad([
        String(e.expnum),
        e.band,
        e.nite,
        statusOf(e),
        e.jobId ?? '-',
        `${e.attempts.dagmaker}+${e.attempts.submit}`,
        (e.durationsMs.total / 1000).toFixed(1),
      ]),
    );
    if (e.error) lines.push(`    ${e.error}`);
    for (const w of e.warnings) lines.push(`    warning: ${w}`);
  }
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
 * the id did) or `recovered` (an earlier attempt did, found after the worker died).
 */
function statusOf(e: { status?: string; state?: string; resumed?: boolean; recovered?: boolean }): string {
  const s = e.status ?? e.state ?? '';
  return e.resumed ? `${s} (resumed)` : e.recovered ? `${s} (recovered)` : s;
}

const WIDTHS = [9, 5, 9, 22, 30, 6, 8];
function pad(cols: string[]): string {
  return cols
    .map((c, i) => c.padEnd(WIDTHS[i] ?? 0))
    .join(' ')
    .trimEnd();
}

/** A run's progress as a table (what `desgw status` prints). */
export function formatProgress(p: Progress): string {
  const c = p.counts;
  const lines = [
    `run ${p.workflowId}: ${p.phase}${p.season !== undefined ? `, season ${p.season}` : ''}, ${c.submitted + c.failed}/${p.total} done`,
    `  waiting ${c.waiting}  making DAG ${c['making-dag']}  submitting ${c.submitting}  submitted ${c.submitted}  failed ${c.failed}` +
      (['proxy', 'jobsub', 'database', 'worker'] as const)
        .map((w) => (c[`waiting-for-${w}`] ? `  waiting for ${w} ${c[`waiting-for-${w}`]}` : ''))
        .join(''),
  ];
  if (p.waitingFor)
    lines.push(
      '',
      `WAITING FOR ${p.waitingFor.what.toUpperCase()} since ${p.waitingFor.since}:`,
      ...p.waitingFor.message.split('\n').map((l) => `  ${l}`),
    );
  lines.push('', pad(['EXPNUM', 'BAND', 'STATE', 'JOB ID']));
  for (const e of p.exposures) {
    lines.push(pad([String(e.expnum), e.band ?? '', statusOf(e), e.jobId ?? '-']));
    if (e.error) lines.push(`    ${e.error}`);
  }
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
