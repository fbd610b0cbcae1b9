/**
 * `lookupExposures`: exposures by number, for a campaign given them by hand. From the exposure
 * database when DESGW_EXPOSURE_DB_URL is set; otherwise from the site's exposures.list, refreshed
 * with getExposureInfo.sh at most once a call when some are not in it (the refresh is a full dump
 * of the table: slow, so the campaign asks at most once).
 */
import { Context } from '@temporalio/activity';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dateOfMjd, type ExposureRow } from '../common/exposure-admission.js';
import { parseExposuresTable, type ExposureRow as ListRow } from '../common/exposures-table.js';
import { RUN_FILES } from '../common/run-files.js';
import type { WorkerConfig } from '../common/settings.js';
import type { LookupExposuresInput, LookupExposuresResult } from './campaign-types.js';
import { invalidInput } from './support/errors.js';
import { ExposureDb, ROWS_BY_ID_SQL } from './support/exposure-db.js';
import { refreshExposuresList } from './support/refresh-exposures.js';

/** At most this many exposures a call: a run's limit. */
const MAX_EXPNUMS = 5000;

export async function lookupExposuresWith(
  config: Pick<WorkerConfig, 'exposureDbUrl' | 'gwWorkflowDir'>,
  input: LookupExposuresInput,
): Promise<LookupExposuresResult> {
  const expnums = checkExpnums(input.expnums);
  const rows = config.exposureDbUrl
    ? await fromDatabase(config.exposureDbUrl, expnums)
    : await fromExposuresList(config.gwWorkflowDir, expnums);
  const found = new Set(rows.map((r) => r.expnum));
  return { rows, missing: expnums.filter((e) => !found.has(e)) };
}

async function fromDatabase(url: string, expnums: number[]): Promise<ExposureRow[]> {
  const db = await ExposureDb.open(url);
  try {
    return await db.query(ROWS_BY_ID_SQL, [expnums]);
  } finally {
    await db.close();
  }
}

async function fromExposuresList(gwWorkflowDir: string, expnums: number[]): Promise<ExposureRow[]> {
  const file = join(gwWorkflowDir, RUN_FILES.exposuresList);
  const read = async () => parseExposuresTable(await readFile(file, 'utf8').catch(() => '')).rows;
  let table = await read();
  if (expnums.some((e) => !table.has(e))) {
    Context.current().heartbeat({ label: 'refreshing exposures.list with getExposureInfo.sh' });
    await refreshExposuresList(gwWorkflowDir);
    table = await read();
  }
  return expnums.flatMap((e) => {
    const r = table.get(e);
    return r ? [rowOfListLine(r)] : [];
  });
}

/**
 * An exposures.list line as a campaign's row. The list has no program, discard or delivered
 * columns: program reads '' (admission warns), discard false (getExposureInfo.py keeps discarded
 * rows too), delivered unknown; the shutter time is the MJD's.
 */
export function rowOfListLine(r: ListRow): ExposureRow {
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    expnum: r.expnum,
    date: dateOfMjd(r.mjdObs),
    nite: r.nite,
    mjd: r.mjdObs,
    ra: finite(r.ra),
    dec: finite(r.dec),
    band: r.band,
    exptime: r.exptime,
    propid: r.propid,
    flavor: r.obstype,
    program: '',
    object: r.object,
    teff: finite(r.teff),
    discard: false,
    delivered: null,
  };
}

function checkExpnums(expnums: unknown): number[] {
  if (!Array.isArray(expnums)) throw invalidInput(['expnums must be a list of exposure numbers']);
  if (expnums.length > MAX_EXPNUMS) throw invalidInput([`expnums holds ${expnums.length}, more than ${MAX_EXPNUMS}`]);
  const bad = expnums.findIndex((e) => !Number.isSafeInteger(e) || (e as number) <= 0 || (e as number) > 2 ** 31 - 1);
  if (bad >= 0) throw invalidInput([`expnums[${bad}] is not an exposure number (a positive integer)`]);
  return [...new Set(expnums as number[])];
}
