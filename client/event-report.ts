/**
 * An event campaign as a person reads it (`desgw event status`, `watch`, `add`, `close`): where it
 * stands, its exposures night by night, its watcher of the exposure table, its post-processing
 * passes and the latest page; what an `add` or a `close` was answered; how it ended, the next
 * command, and the exit code. Pure: no client calls (client/event.ts makes them), unit-tested.
 */
import type {
  AddExposuresAnswer,
  CampaignExposure,
  CampaignExposureState,
  CampaignPass,
  CampaignProgress,
  CampaignWatcher,
  CloseCampaignAnswer,
  EventCampaignResult,
} from '../common/campaign-contract.js';
import { EXPOSURE_STATES } from '../common/contract.js';
import { isBadInput, oneLine, type Ending } from '../common/next-step.js';

/** The order the counts are shown in: the way an exposure goes through the campaign. */
export const CAMPAIGN_STATES: readonly CampaignExposureState[] = [
  'waiting-for-raw-image',
  'queued',
  ...EXPOSURE_STATES.filter((s) => s !== 'failed' && s !== 'cancelled'),
  'grid-finished',
  'failed',
  'cancelled',
];

/** States in which an exposure has nothing more to do in the campaign (its DAG may still run on the grid). */
const SETTLED: readonly CampaignExposureState[] = ['submitted', 'grid-finished', 'failed', 'cancelled'];

/** How many characters of an exposure's or a pass's error the tables show (the whole one is in the query). */
export const ERROR_CLIP = 160;

// ---- Exit codes ----

/** Where a campaign's execution stands, as client/execution.ts reads it. */
export type CampaignState = Ending | 'running';

/**
 * The exit code of `desgw event status`, `watch` and `close --wait`, as `desgw status`'s: 0
 * completed with every exposure submitted and the last pass not failed; 1 completed with failed
 * exposures or a failed last pass; 2 failed, terminated, cancelled or timed out; 3 still running.
 */
export function campaignExitCode(state: CampaignState, result?: EventCampaignResult): number {
  if (state === 'running' || state === 'continued-as-new') return 3;
  if (state !== 'completed') return 2;
  if (!result) return 0;
  return result.counts.failed > 0 || result.passes.at(-1)?.outcome === 'failed' ? 1 : 0;
}

/** The exit code of `desgw event add`: 0 when every exposure was accepted or already held, 1 when one was refused. */
export function addExitCode(answer: AddExposuresAnswer): number {
  return answer.refused.length > 0 ? 1 : 0;
}

// ---- How it ended, and what next ----

/**
 * The next step for a campaign that ended as `ending`. A campaign's id (`desgw-event-<TRIGGER>`)
 * is started with RejectDuplicate: it is never started again, so what goes on with it is a reset.
 */
export function campaignNextStep(triggerId: string, workflowId: string, ending: Ending, failureType?: string): string {
  const reset = (to: string) => `temporal workflow reset --workflow-id ${workflowId} --type ${to} --reason '…'`;
  switch (ending) {
    case 'completed':
      return `see it: desgw event status ${triggerId}`;
    case 'continued-as-new':
      return `it goes on in a new execution: desgw event watch ${triggerId}`;
    case 'cancelled':
      return `its submitted DAGs stay on the grid; to take it up again: ${reset('FirstWorkflowTask')}`;
    case 'failed':
      return isBadInput(failureType)
        ? `fix what it names (a site setting), then run it again from its start: ${reset('FirstWorkflowTask')}; a wrong start option cannot be given to desgw-event-${triggerId} again`
        : `once the cause is fixed, run it again from its start (nothing is submitted twice): ${reset('FirstWorkflowTask')}`;
    default:
      return `to go on where it stopped: ${reset('LastWorkflowTask')}`;
  }
}

/** The one line for a campaign that did not complete: `campaign <id> failed: <why> — next: <command>`. */
export function campaignEndedLine(
  triggerId: string,
  e: { workflowId: string; state: Ending; reason?: string; failureType?: string },
): string {
  const next = campaignNextStep(triggerId, e.workflowId, e.state, e.failureType);
  // A termination's reason comes as `terminated: <the reason given>`: said once.
  const why = e.reason?.startsWith(`${e.state}: `) ? e.reason.slice(e.state.length + 2) : e.reason;
  return `campaign ${e.workflowId} ${e.state}${why ? `: ${oneLine(why)}` : ''} — next: ${next}`;
}

// ---- What start, add and close print ----

/** What `desgw event start` prints: the campaign's id, how to add to it and follow it, and its Web UI page. */
export function formatStarted(triggerId: string, workflowId: string, link: string | null): string {
  return [
    `started ${workflowId} (add exposures: desgw event add ${triggerId} EXPNUM…; follow it: desgw event watch ${triggerId})`,
    ...(link ? [`in the Web UI: ${link}`] : []),
  ].join('\n');
}

/** What `desgw event add` prints: a count line, then one line per exposure: accepted, held already, or refused and why. */
export function formatAddAnswer(workflowId: string, answer: AddExposuresAnswer, started = false): string {
  const { accepted, duplicates, refused } = answer;
  const lines = [
    `${started ? `started ${workflowId}; ` : `campaign ${workflowId}: `}${accepted.length} accepted, ${duplicates.length} already held, ${refused.length} refused`,
  ];
  for (const a of accepted)
    lines.push(
      `accepted  ${a.expnum} ${a.band} ${a.nite}${a.warning ? ` (warning: ${oneLine(a.warning, ERROR_CLIP)})` : ''}`,
    );
  for (const d of duplicates) lines.push(`held      ${d.expnum} ${d.state}`);
  for (const r of refused) lines.push(`refused   ${r.expnum} ${oneLine(r.reason, ERROR_CLIP)}`);
  return lines.join('\n');
}

/** What `desgw event close` prints: when it was closed, and what it still finishes before it completes. */
export function formatCloseAnswer(triggerId: string, workflowId: string, a: CloseCampaignAnswer): string {
  const when = `${a.alreadyClosed ? 'was already closed' : 'closed'} at ${stamp(a.closedAt)}${a.reason ? ` (${oneLine(a.reason, ERROR_CLIP)})` : ''}`;
  const rest =
    a.stillToFinish > 0
      ? `it still finishes ${a.stillToFinish} exposure(s) (waiting for their raw image, queued, in DAGMaker or submission)`
      : 'every exposure it took is through DAGMaker and submission';
  return [
    `campaign ${workflowId} ${when}: it takes no more exposures`,
    `${rest}; then it waits for the grid, runs its last pass and writes output.txt and manifest.json — follow it: desgw event watch ${triggerId}`,
  ].join('\n');
}

// ---- Where a campaign stands ----

/**
 * The campaign's progress (the `campaignProgress` query): the phase and counts, how it failed or
 * what it waits for, a table per night, the watcher, the passes and the latest page. With `now`,
 * an exposure queued since it became processable shows how long it has waited so far (`>2m10s`).
 */
export function formatCampaignProgress(p: CampaignProgress, now?: Date): string {
  const total = p.nights.reduce((n, night) => n + night.exposures.length, 0);
  const lines = [
    `campaign ${p.workflowId} (trigger ${p.triggerId}, propid ${p.propid}): ${p.phase}${p.season !== undefined ? `, season ${p.season}` : ''}`,
    `  ${total} exposure(s)${total > 0 ? `: ${countsLine(p.counts)}` : ''}`,
  ];
  if (p.closed)
    lines.push(
      `  closed at ${stamp(p.closed.at)}${p.closed.reason ? ` (${oneLine(p.closed.reason, ERROR_CLIP)})` : ''}: it takes no more exposures`,
    );
  if (p.continuedAsNew > 0) lines.push(`  continued as new ${p.continuedAsNew} time(s)`);
  if (p.failure) lines.push('', `FAILED: ${p.failure.reason}`, `  next: ${p.failure.next}`);
  if (p.waitingFor)
    lines.push(
      '',
      `WAITING FOR ${p.waitingFor.what.toUpperCase()} since ${stamp(p.waitingFor.since)}:`,
      ...p.waitingFor.message.split('\n').map((l) => `  ${l}`),
    );
  for (const night of p.nights) {
    lines.push(
      '',
      `night ${night.nite}: ${night.exposures.length} exposure(s)`,
      ...exposureTable(night.exposures, now),
    );
  }
  lines.push('', formatWatcher(p.watcher));
  lines.push('', ...formatPasses(p.passes, p.latestPage));
  return lines.join('\n');
}

/** `queued 2, making-dag 1, grid-finished 4`: the non-zero counts, in the order an exposure goes. */
export function countsLine(counts: CampaignProgress['counts']): string {
  const known = CAMPAIGN_STATES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s} ${counts[s]}`);
  const other = Object.entries(counts)
    .filter(([s, n]) => !CAMPAIGN_STATES.includes(s as CampaignExposureState) && (n ?? 0) > 0)
    .map(([s, n]) => `${s} ${n}`);
  return [...known, ...other].join(', ') || 'none';
}

function exposureTable(exposures: readonly CampaignExposure[], now?: Date): string[] {
  const rows = exposures.map((e) => ({
    cols: [String(e.expnum), e.band, e.state, clock(e.seenAt), latencyOf(e, now), e.jobId ?? '-'],
    under: [
      ...(e.error ? [`    error: ${oneLine(e.error, ERROR_CLIP)}`] : []),
      ...(e.warning ? [`    warning: ${oneLine(e.warning, ERROR_CLIP)}`] : []),
    ],
  }));
  return table(['EXPNUM', 'BAND', 'STATE', 'SEEN (UTC)', 'LATENCY', 'JOB ID'], [9, 5, 22, 15, 8, 0], rows);
}

/**
 * From processable (its raw image at Fermilab) to its DAGMaker's start: the campaign's latency.
 * `-` before it was processable; `>2m10s` while it is queued (with `now`).
 */
export function latencyOf(e: CampaignExposure, now?: Date): string {
  if (e.latencyMs !== undefined) return duration(e.latencyMs);
  if (e.state === 'queued' && e.processableAt && now) {
    const waited = now.getTime() - Date.parse(e.processableAt);
    if (Number.isFinite(waited) && waited >= 0) return `>${duration(waited)}`;
  }
  return '-';
}

/** The watcher of SISPI's exposure table: its state, its last poll, the rows it saw and the copy's lag. */
export function formatWatcher(w: CampaignWatcher): string {
  if (w.database === 'not-watched')
    return 'watcher: not watching the exposure table (exposures come by desgw event add)';
  const facts = [
    `${w.rowsSeen} row(s) seen in ${w.polls} poll(s)`,
    w.lastPollAt ? `last poll ${stamp(w.lastPollAt)}` : 'no poll answered yet',
    ...(w.visibilityLagS !== undefined ? [`lag ${duration(w.visibilityLagS * 1000)}`] : []),
    `cursor ${w.cursor}`,
  ].join(', ');
  if (w.database === 'waiting-for-database')
    return `watcher: waiting for the exposure table: ${oneLine(w.message ?? 'it does not answer', ERROR_CLIP)} (${facts})`;
  return `watcher: watching the exposure table: ${facts}`;
}

/** The passes as a table (id, exposures, outcome, page), and the latest page. */
export function formatPasses(passes: readonly CampaignPass[], latestPage?: string): string[] {
  if (passes.length === 0) return ['passes: none yet', ...(latestPage ? [`latest page: ${latestPage}`] : [])];
  const rows = passes.map((p) => ({
    cols: [p.id, String(p.exposures), p.outcome, p.page ?? '-'],
    under: p.error ? [`    error: ${oneLine(p.error, ERROR_CLIP)}`] : [],
  }));
  return [
    `passes: ${passes.length}`,
    ...table(['PASS', 'EXPOSURES', 'OUTCOME', 'PAGE'], [12, 10, 14, 0], rows),
    `latest page: ${latestPage ?? 'none yet (no pass has succeeded)'}`,
  ];
}

/** One line of a campaign's progress, for following it (`close --wait`): printed when it changes. */
export function progressLine(p: CampaignProgress): string {
  const all = p.nights.flatMap((n) => n.exposures);
  const toFinish = all.filter((e) => !SETTLED.includes(e.state)).length;
  const onGrid = all.filter((e) => e.state === 'submitted').length;
  const last = p.passes.at(-1);
  return (
    `[${p.workflowId}] ${p.phase}: ${all.length} exposure(s), ${toFinish} to finish, ${onGrid} on the grid, ` +
    `${all.filter((e) => e.state === 'grid-finished').length} finished on the grid, ${all.filter((e) => e.state === 'failed').length} failed` +
    (last ? `; pass ${p.passes.length} ${last.outcome}` : '') +
    (p.waitingFor ? `; waiting for ${p.waitingFor.what}` : '')
  );
}

// ---- How it ended ----

/** A completed campaign's result: counts, nights, passes, the latest page and the output files. */
export function formatCampaignResult(r: EventCampaignResult): string {
  const c = r.counts;
  const lines = [
    `campaign ${r.workflowId} completed: season ${r.season}, nite ${r.nites.join(' ') || '-'}: ` +
      `${c.submitted} of ${c.total} exposure(s) submitted (${c.gridFinished} finished on the grid)` +
      (c.failed ? `, ${c.failed} failed` : ''),
  ];
  if (r.closedBecause) lines.push(`closed: ${oneLine(r.closedBecause, ERROR_CLIP)}`);
  lines.push('', ...formatPasses(r.passes, r.latestPage), '');
  lines.push(
    `output:      ${r.outputFiles.outputTxt}`,
    `manifest:    ${r.outputFiles.manifest}`,
    ...(r.outputFiles.latestOutputTxt ? [`legacy:      ${r.outputFiles.latestOutputTxt}`] : []),
    `run dir:     ${r.runDir}  (exp_EXPNUM/ holds each exposure's .dag, .out and mytemp_EXPNUM)`,
  );
  if (c.failed > 0) lines.push(`${c.failed} exposure(s) failed: see why in ${r.outputFiles.manifest}`);
  if (r.passes.at(-1)?.outcome === 'failed') lines.push('the last pass failed: see its error above');
  return lines.join('\n');
}

// ---- Small formats ----

/** `45s`, `3m05s`, `2h10m`: a duration as the tables show it. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `2025-01-02 03:12:00 UTC` of an ISO time (the text as given when it is not one). */
export function stamp(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
}

/** `01-02 03:12:00` (UTC) of an ISO time: short, for the tables. */
export function clock(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(5, 10)} ${iso.slice(11, 19)}` : iso;
}

interface Row {
  cols: string[];
  /** Lines printed under the row (its error, its warning). */
  under: string[];
}

function table(header: string[], least: number[], rows: Row[]): string[] {
  const widths = header.map((h, i) =>
    Math.max(least[i] ?? 0, h.length + 1, ...rows.map((r) => (r.cols[i]?.length ?? 0) + 1)),
  );
  const pad = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' ')
      .trimEnd();
  return [pad(header), ...rows.flatMap((r) => [pad(r.cols), ...r.under])];
}
