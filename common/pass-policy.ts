/**
 * When an event campaign runs a post-processing pass. Post-processing is season-wide and takes an
 * hour or more, so a pass per exposure would never catch up, and a pass a night would leave the
 * candidates hours old: a pass runs when none is running and enough exposures have finished on the
 * grid since the last (a count, or a share of the last pass), or when one has waited long enough;
 * after the campaign is closed, a last pass takes whatever is new. Pure: imported by workflow code.
 */
import { DEFAULT_PASS_POLICY, type PassPolicy } from './campaign-contract.js';

export interface PassFacts {
  /** Exposures whose DAGs have finished on the grid, of the whole campaign. */
  finished: number;
  /** How many the last successful-or-not pass took (0 before any). */
  lastPassTook: number;
  /** When the oldest exposure not in any pass finished (workflow time, ms), or null when none is new. */
  oldestNewSinceMs: number | null;
  nowMs: number;
  /** The campaign is closed and nothing of it is still on its way to the grid. */
  final: boolean;
  /** The campaign is closed: only its last pass runs (once `final`), none before it. */
  closed?: boolean;
  /** A pass already took every finished exposure and succeeded. */
  upToDate: boolean;
}

export type PassDecision = { run: true; why: string } | { run: false; recheckInMs?: number };

export function passDecision(policy: PassPolicy | undefined, f: PassFacts): PassDecision {
  const p = { ...DEFAULT_PASS_POLICY, ...policy };
  const fresh = f.finished - f.lastPassTook;
  if (f.final) {
    return fresh > 0 || (!f.upToDate && f.finished > 0)
      ? { run: true, why: `the campaign is closed: the last pass, over all ${f.finished} finished exposures` }
      : { run: false };
  }
  // Closed, with exposures still on their way: the last pass will take them all; no pass before it.
  if (fresh <= 0 || f.closed) return { run: false };
  if (fresh >= p.minNew) return { run: true, why: `${fresh} exposures finished since the last pass (≥ ${p.minNew})` };
  if (f.lastPassTook > 0 && fresh >= Math.ceil(p.growth * f.lastPassTook))
    return {
      run: true,
      why: `${fresh} new exposures, ${Math.round(p.growth * 100)}% or more of the ${f.lastPassTook} of the last pass`,
    };
  const staleMs = p.staleAfterMinutes * 60_000;
  const waited = f.oldestNewSinceMs === null ? 0 : f.nowMs - f.oldestNewSinceMs;
  if (waited >= staleMs) return { run: true, why: `an exposure has waited ${p.staleAfterMinutes} min for a pass` };
  return { run: false, recheckInMs: staleMs - waited };
}

/** A policy's problems, each naming its field (empty when it is sound). */
export function passPolicyProblems(policy: unknown): string[] {
  if (policy === undefined) return [];
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    return [
      'postProcessing.passPolicy must be an object such as {"minNew": 10, "growth": 0.25, "staleAfterMinutes": 60}',
    ];
  const problems: string[] = [];
  const o = policy as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!(key in DEFAULT_PASS_POLICY))
      problems.push(`postProcessing.passPolicy.${key} is not a setting of the pass policy`);
  const positive = (key: string, integer: boolean) => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
      problems.push(
        `postProcessing.passPolicy.${key} must be a positive ${integer ? 'integer' : 'number'}, not ${JSON.stringify(v)}`,
      );
  };
  positive('minNew', true);
  positive('growth', false);
  positive('staleAfterMinutes', false);
  return problems;
}
