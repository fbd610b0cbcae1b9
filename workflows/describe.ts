/** The run's "current details" in the Web UI (rendered as Markdown): where it stands, and what it waits for. */
import type { Progress } from '../common/contract.js';

export function describeProgress(p: Progress): string {
  const c = p.counts;
  const lines = [
    `**${p.phase}**${p.season !== undefined ? ` · season ${p.season}` : ''} · ${c.submitted + c.failed} of ${p.total} done`,
    `submitted ${c.submitted} · failed ${c.failed} · making DAG ${c['making-dag']} · submitting ${c.submitting} · waiting ${c.waiting}` +
      (['proxy', 'jobsub', 'database', 'worker'] as const)
        .map((w) => (c[`waiting-for-${w}`] ? ` · waiting for ${w} ${c[`waiting-for-${w}`]}` : ''))
        .join(''),
  ];
  if (p.waitingFor)
    lines.push(
      `**Waiting for ${p.waitingFor.what}** since ${p.waitingFor.since}:`,
      ...p.waitingFor.message.split('\n'),
    );
  if (p.continuedAsNew) lines.push(`continued as new ${p.continuedAsNew} time(s)`);
  // One paragraph a line: Markdown joins single line breaks.
  return lines.join('\n\n');
}
