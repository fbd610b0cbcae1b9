/**
 * The run's "current details" in the Web UI (rendered as Markdown): where it stands, then what to do
 * (why it failed and the next command, or what it waits for and the command that carries it on),
 * then the counts; a long message (a tool's output) comes last and clipped.
 */
import type { Progress } from '../common/contract.js';

/** The most of a wait's message Current Details shows (the rest is in `desgw status` and the logs). */
const MESSAGE_LIMIT = 600;

export function describeProgress(p: Progress): string {
  const c = p.counts;
  const lines = [
    `**${p.phase}**${p.season !== undefined ? ` · season ${p.season}` : ''} · ${c.submitted + c.failed} of ${p.total} done`,
  ];
  if (p.failure) lines.push(`**Failed:** ${p.failure.reason}`, `**Next:** ${p.failure.next}`);
  const next = p.waitingFor ? commandOf(p.waitingFor.message) : undefined;
  if (p.waitingFor) lines.push(`**Waiting for ${p.waitingFor.what}** since ${p.waitingFor.since}`);
  if (next) lines.push(`**Next:** ${next}`);
  lines.push(
    `submitted ${c.submitted} · failed ${c.failed} · making DAG ${c['making-dag']} · submitting ${c.submitting} · waiting ${c.waiting}` +
      (['proxy', 'jobsub', 'database', 'worker'] as const)
        .map((w) => (c[`waiting-for-${w}`] ? ` · waiting for ${w} ${c[`waiting-for-${w}`]}` : ''))
        .join(''),
  );
  // Exposures in their quick retries, e.g. `exposure 1210457: submitting (attempt 3 of 6: …)`.
  const retrying = p.exposures.filter((e) => e.note);
  for (const e of retrying.slice(0, 5)) lines.push(`exposure ${e.expnum}: ${e.state} (${e.note})`);
  if (retrying.length > 5) lines.push(`and ${retrying.length - 5} more in their retries (desgw status)`);
  if (p.waitingFor) lines.push(...clip(p.waitingFor.message, MESSAGE_LIMIT).split('\n'));
  if (p.continuedAsNew) lines.push(`continued as new ${p.continuedAsNew} time(s)`);
  // One paragraph a line: Markdown joins single line breaks.
  return lines.join('\n\n');
}

/** The `desgw …` command a wait's message ends with, if it names one. */
function commandOf(message: string): string | undefined {
  const all = [...message.matchAll(/desgw [a-z-]+ [^\s,;)]+(?: --[a-z-]+)*/g)];
  return all.at(-1)?.[0];
}

/** The first `max` characters of `text`, saying when it was cut. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (cut; desgw status shows it whole)`;
}
