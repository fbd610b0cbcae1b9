/**
 * What a dry run needs beyond validation: which season a run would get (without reserving it), and
 * the dagmaker.rc change it would make (without writing it).
 */
import { Context } from '@temporalio/activity';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RcChange } from '../common/contract.js';
import { SEASON_REGISTRY_WORKFLOW_ID } from '../common/contract.js';
import { renderRcDiff, rewriteRc } from '../common/dagmaker-rc.js';
import { decideSeason } from '../common/season-rules.js';
import type { RegistryState } from '../workflows/season-registry.js';
import type { SeasonSource } from './season-source.js';

export async function previewSeasonWith(source: SeasonSource, { requested }: { requested: 'auto' | number }): Promise<{ season?: number; problem?: string; source: string }> {
  const used = await source.usedSeasons();
  const state = await Context.current()
    .client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID)
    .query<RegistryState>('reservations')
    .catch(() => ({ reservations: [], testSeasonOwners: [] }) as RegistryState);
  return { ...decideSeason(requested, used, new Map(state.reservations)), source: source.describe };
}

export async function previewRc({ gwWorkflowDir, season, rc }: { gwWorkflowDir: string; season: number; rc: Record<string, string> }): Promise<{ changes: RcChange[]; diff: string }> {
  const siteRc = join(gwWorkflowDir, 'dagmaker.rc');
  const { changes } = rewriteRc(await readFile(siteRc, 'utf8'), { SEASON: String(season), ...rc });
  return { changes, diff: renderRcDiff(changes, siteRc, "the run's dagmaker.rc") };
}
