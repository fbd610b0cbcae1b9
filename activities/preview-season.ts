/**
 * `previewSeason` (dry run): the season a run would get, without reserving it: the same sources and
 * the same decision as reserveSeason (activities/support/season-choice.ts), nothing claimed or written.
 */
import { Context } from '@temporalio/activity';
import type { SeasonRules } from '../common/season-rules.js';
import { runsDirsOf } from './support/run-seasons.js';
import { chooseSeason, seasonUsage } from './support/season-choice.js';
import type { SeasonSource } from './support/season-source.js';
import type { WorkerConfig } from '../common/settings.js';

export async function previewSeasonWith(
  config: WorkerConfig,
  source: SeasonSource,
  { requested }: { requested: 'auto' | number },
  rules?: SeasonRules,
): Promise<{ season?: number; problem?: string; source: string }> {
  const usage = await seasonUsage(Context.current().client, source, runsDirsOf(config));
  const choice = chooseSeason(requested, usage, rules);
  return 'problem' in choice
    ? { problem: choice.problem, source: source.describe }
    : { season: choice.season, source: source.describe };
}
