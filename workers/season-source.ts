/** The season source the worker's settings ask for: the DES database (oracle), or a local file standing in for it. */
import { dirname, join } from 'node:path';
import { LocalSeasonSource, type SeasonSource } from '../activities/support/season-source.js';
import type { WorkerConfig } from '../common/settings.js';

export async function seasonSourceFor(
  config: Pick<WorkerConfig, 'seasonSource' | 'localSeasonsFile' | 'gwWorkflowDir'>,
): Promise<SeasonSource> {
  if (config.seasonSource === 'oracle') {
    // Loaded only when used: oracledb is not needed by a worker on the local source.
    const { OracleSeasonSource } = await import('../activities/support/oracle-season-source.js');
    return new OracleSeasonSource();
  }
  return new LocalSeasonSource(config.localSeasonsFile ?? join(dirname(config.gwWorkflowDir), 'des_seasons_used.txt'));
}
