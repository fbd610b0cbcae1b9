/**
 * A night of the event demo, as the telescope makes it: rows planned with the sandbox feeder
 * (planNight), pointed and filtered like the sandbox site's S231014r exposures from 1210400 on (so
 * that DAGMaker finds templates and the grid's results pass), then played in real time: each row
 * inserted into SISPI's table at the cadence, its raw image dropped into the DTS directory a lag
 * later. A night's rows may be dated in the past (the demo's first night is yesterday's, replayed).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { nightOf } from '../common/exposure-admission.js';
import { rawImageName } from '../activities/wait-for-raw-images.js';
import { insertExposure, planNight, type TelescopeExposure, writeRawImage } from './telescope-feeder.js';

/** The first exposure of the sandbox site's S231014r night: its pointings have templates. */
export const POINTINGS_FROM = 1210400;

export interface NightPlan {
  propid: string;
  /** The first row's shutter time (the rest follow at the cadence). */
  datedFrom: Date;
  count: number;
  firstExpnum: number;
  cadenceS: number;
  rawLagS: number;
}

/**
 * The night's rows: planNight's, each pointed and filtered as the site's exposure POINTINGS_FROM+k
 * (`EXPNUM NITE MJD_OBS RADEG DECDEG BAND …` lines of its exposures.list).
 */
export function planDemoNight(p: NightPlan, siteExposuresList: string): TelescopeExposure[] {
  const lines = new Map(
    siteExposuresList
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .map((cols) => [cols[0], cols] as const),
  );
  return planNight({
    dtsRoot: '',
    propid: p.propid,
    start: p.datedFrom,
    cadenceS: p.cadenceS,
    rawLagS: p.rawLagS,
    count: p.count,
    firstExpnum: p.firstExpnum,
  }).map((row, k) => {
    const like = lines.get(String(POINTINGS_FROM + k));
    if (!like) throw new Error(`the site's exposures.list has no exposure ${POINTINGS_FROM + k} to point at`);
    return { ...row, ra: Number(like[3]), declination: Number(like[4]), filter: like[5]! };
  });
}

/**
 * Plays the night: row k inserted k·cadence after now, its raw image rawLag after that. A raw
 * image an earlier demo run left at the same path is removed first (it would make the exposure
 * processable before its time). `say` hears one line per row.
 */
export async function playNight(
  owner: pg.Client,
  dtsRoot: string,
  rows: readonly TelescopeExposure[],
  p: Pick<NightPlan, 'cadenceS' | 'rawLagS'>,
  say: (line: string) => void,
): Promise<void> {
  const niteOf = (r: TelescopeExposure) => nightOf(r.date.toISOString());
  for (const r of rows) await rm(join(dtsRoot, niteOf(r), rawImageName(r.id)), { force: true });
  const t0 = Date.now();
  const events = rows.flatMap((r, k) => [
    { at: t0 + k * p.cadenceS * 1000, raw: false, r },
    { at: t0 + (k * p.cadenceS + p.rawLagS) * 1000, raw: true, r },
  ]);
  events.sort((a, b) => a.at - b.at || Number(a.raw) - Number(b.raw));
  for (const ev of events) {
    const wait = ev.at - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (ev.raw) {
      await writeRawImage(dtsRoot, ev.r.id, niteOf(ev.r));
    } else {
      await insertExposure(owner, ev.r);
      say(
        `telescope: ${ev.r.id} ${ev.r.filter} RA ${ev.r.ra} Dec ${ev.r.declination}, shutter ${ev.r.date.toISOString().slice(0, 19)}Z ` +
          `(nite ${niteOf(ev.r)}): row in the exposure table; raw image at Fermilab in ${p.rawLagS} s`,
      );
    }
  }
}
