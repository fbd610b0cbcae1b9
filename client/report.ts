/** A run's result as a person reads it. */
import type { ImageProcessingResult } from '../common/contract.js';

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
        e.status,
        e.jobId ?? '-',
        `${e.attempts.dagmaker}+${e.attempts.submit}`,
        (e.durationsMs.total / 1000).toFixed(1),
      ]),
    );
    if (e.error) lines.push(`    ${e.error}`);
    for (const w of e.warnings) lines.push(`    warning: ${w}`);
  }
  if (r.duplicatesDropped.length) lines.push('', `listed more than once (processed once): ${r.duplicatesDropped.join(', ')}`);
  lines.push('', `output:      ${r.outputFiles.outputTxt}`, `manifest:    ${r.outputFiles.manifest}`, `run dir:     ${r.runDir}  (exp_EXPNUM/ holds each exposure's .dag, .out and mytemp_EXPNUM)`);
  return lines.join('\n');
}

const WIDTHS = [9, 5, 9, 10, 30, 6, 8];
function pad(cols: string[]): string {
  return cols.map((c, i) => c.padEnd(WIDTHS[i] ?? 0)).join(' ').trimEnd();
}
