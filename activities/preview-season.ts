/** `previewSeason` (dry run): the season a run would get, without reserving it. */
import { Context } from '@temporalio/activity';
import { SEASON_REGISTRY_WORKFLOW_ID } from '../common/contract.js';
import { reservationsQuery, type RegistryState } from '../common/messages.js';
import { decideSeason } from '../common/season-rules.js';
import type { SeasonSource } from './support/season-source.js';

export async function previewSeasonWith(
  source: SeasonSource,
  { requested }: { requested: 'auto' | number },
): Promise<{ season?: number; problem?: string; source: string }> {
  const used = await source.usedSeasons();
  const state = await Context.current()
    .client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID)
    .query(reservationsQuery)
    .catch((): RegistryState => ({ reservations: [], testSeasonOwners: [] }));
  return { ...decideSeason(requested, used, new Map(state.reservations)), source: source.describe };
}
