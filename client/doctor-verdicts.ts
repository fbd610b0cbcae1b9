/**
 * What `desgw doctor` says of the grid's queue and of the seasons used, as pure functions of what it
 * gathered (client/doctor.ts runs jobsub_q and reads the sources): so the wording of a row, and
 * which outcome is a failure, are tested without a site. A row is one line: the tools' output is
 * judged (classified, the schedd named), never copied out.
 */
import type { QueueListing } from '../activities/support/jobsub-queue.js';
import { classifySubmitFailure, lastMeaningfulLine } from '../common/classify.js';
import { queueCounts, scheddsNotAnswering } from '../common/jobsub-q.js';
import type { RegistryState } from '../common/messages.js';

export interface Verdict {
  result: 'ok' | 'FAIL';
  detail: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const took = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/**
 * A jobsub_q listing for the group: ok when it answered (how many DAGs and jobs, how long it took);
 * a failure when it timed out, when a schedd did not answer (named; jobsub_q exits 0 all the same),
 * or when it failed otherwise (classified as a submission's failure is).
 */
export function jobsubQVerdict(listing: QueueListing, durationMs: number, timeoutMs: number): Verdict {
  const limit = `${Math.round(timeoutMs / 1000)} s`;
  if (!('problem' in listing)) {
    const { dags, jobs } = queueCounts(listing.jobs);
    return {
      result: 'ok',
      detail: `answered for -G des in ${took(durationMs)} (limit ${limit}): ${plural(dags, 'DAG')} (${plural(jobs, 'job')}) listed`,
    };
  }
  if (listing.timedOut)
    return { result: 'FAIL', detail: `no answer within its timeout of ${limit}: jobsub_q was stopped` };
  const exited = `jobsub_q exited ${listing.exitCode ?? 'on a signal'}`;
  const schedds = scheddsNotAnswering(listing.output);
  if (schedds.length > 0) {
    return {
      result: 'FAIL',
      detail: `${schedds.length === 1 ? 'schedd' : 'schedds'} ${schedds.join(', ')} did not answer: the listing is incomplete (${exited})`,
    };
  }
  const c = classifySubmitFailure(listing.exitCode, listing.output, 'jobsub_q');
  switch (c.kind) {
    case 'outage':
      return { result: 'FAIL', detail: `${c.reason} (${exited})` };
    case 'credential':
      return {
        result: 'FAIL',
        detail: `its ${c.credential === 'token' ? 'bearer token' : 'grid proxy'} looks expired (see grid proxy): ${c.reason}`,
      };
    case 'permanent':
      return { result: 'FAIL', detail: `jobsub_q refused the command: ${lastMeaningfulLine(listing.output)}` };
    default:
      // exited non-zero for no known reason, or exited 0 with an error line that names no schedd
      return { result: 'FAIL', detail: listing.exitCode === 0 ? `the listing is incomplete: ${c.reason}` : c.reason };
  }
}

/** The seasons the registry holds: its exclusive reservations and the shared (test) seasons runs hold. */
export function registrySeasons(state: RegistryState): number[] {
  return [...state.reservations.map(([season]) => season), ...state.testSeasonOwners.map(([, season]) => season)];
}

export interface SeasonsBySource {
  database: readonly number[];
  /** null when the registry could not be read. */
  registry: readonly number[] | null;
  runDirectories: readonly number[];
}

/** Each source's count of distinct seasons, and of all of them together: `database 42, registry 3, run directories 5 (47 distinct)`. */
export function describeSeasonsUsed(s: SeasonsBySource): string {
  const distinct = (xs: readonly number[]) => new Set(xs).size;
  const all = distinct([...s.database, ...(s.registry ?? []), ...s.runDirectories]);
  return (
    `database ${distinct(s.database)}, ` +
    `registry ${s.registry === null ? 'unread' : distinct(s.registry)}, ` +
    `run directories ${distinct(s.runDirectories)} (${all} distinct${s.registry === null ? ' without the registry' : ''})`
  );
}
