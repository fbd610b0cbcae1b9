/**
 * Which of the telescope's exposures an event campaign takes, and how a row of SISPI's exposure
 * table becomes a line of `exposures.list`. The rules are the legacy getExposureInfo.py's
 * (`flavor='object' AND exptime>29.999 AND ra IS NOT NULL`), plus what makes an exposure the
 * event's: its propid and a shutter opened after the trigger. Imported by workflow code: types and
 * pure functions only, no Node built-ins.
 */

/** A row of SISPI's `exposure.exposure`, as the activities hand it to a campaign. */
export interface ExposureRow {
  /** `id`: the exposure number. */
  expnum: number;
  /** `date`: shutter open, ISO 8601 UTC. */
  date: string;
  /** YYYYMMDD of `date` less 12 hours (see nightOf). */
  nite: string;
  /** MJD of `date`. */
  mjd: number;
  ra: number | null;
  /** `declination`. */
  dec: number | null;
  /** `filter`: u g r i z Y VR. */
  band: string;
  exptime: number;
  propid: string;
  flavor: string;
  program: string;
  object: string;
  /** `qc_teff`: filled later by the quality pipeline, NULL until then. */
  teff: number | null;
  discard: boolean;
  delivered: boolean | null;
}

/** What makes an exposure an event's: the semester's DESGW proposal, and a shutter opened after the trigger. */
export interface CampaignSelection {
  propid: string;
  triggerMjd: number;
}

export type Admission = { verdict: 'accept'; warning?: string } | { verdict: 'refuse'; reason: string };

/** The programs the legacy post-processing keeps; an exposure of another is processed, with a warning. */
export const POSTPROC_PROGRAMS: readonly string[] = [
  'des gw',
  'GW-MMADS',
  'survey',
  'des nu',
  'DESGW ER TEST EXPOSURE',
  'GROWTH DECam GW',
];

/** The shortest exposure DAGMaker takes: getExposureInfo.py's `exptime > 29.999`. */
export const MIN_EXPTIME_EXCLUSIVE = 29.999;

const MJD_UNIX_EPOCH = 40587;
const DAY_MS = 86_400_000;

/** Whether an exposure belongs to the campaign and can be processed; a refusal names the field and its value. */
export function admissionOf(row: ExposureRow, sel: CampaignSelection): Admission {
  const refuse = (reason: string): Admission => ({ verdict: 'refuse', reason: `exposure ${row.expnum}: ${reason}` });
  if (row.propid !== sel.propid) return refuse(`propid is ${row.propid}, not the campaign's ${sel.propid}`);
  if (row.flavor !== 'object') return refuse(`flavor is ${row.flavor}, not object`);
  if (!(row.exptime > MIN_EXPTIME_EXCLUSIVE)) return refuse(`exptime is ${row.exptime} s, shorter than 30 s`);
  if (row.discard) return refuse('discard is true (the observers discarded it)');
  if (row.ra === null) return refuse('ra is NULL (no pointing)');
  if (row.dec === null) return refuse('declination is NULL (no pointing)');
  if (!(row.mjd > sel.triggerMjd))
    return refuse(`date ${row.date} (MJD ${row.mjd.toFixed(5)}) is not after the trigger (MJD ${sel.triggerMjd})`);
  if (!POSTPROC_PROGRAMS.includes(row.program))
    return {
      verdict: 'accept',
      warning: `exposure ${row.expnum}: program is '${row.program}', which post-processing does not keep (${POSTPROC_PROGRAMS.join(', ')})`,
    };
  return { verdict: 'accept' };
}

/** The NITE of a shutter-open time: `TO_CHAR(date - interval '12 hours', 'YYYYMMDD')` in UTC. */
export function nightOf(dateIso: string): string {
  const ms = Date.parse(dateIso);
  if (!Number.isFinite(ms)) throw new Error(`not a date: '${dateIso}'`);
  return new Date(ms - DAY_MS / 2).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The MJD of a time. */
export function mjdOf(dateIso: string): number {
  const ms = Date.parse(dateIso);
  if (!Number.isFinite(ms)) throw new Error(`not a date: '${dateIso}'`);
  return ms / DAY_MS + MJD_UNIX_EPOCH;
}

/** The time of an MJD, ISO 8601 UTC. */
export function dateOfMjd(mjd: number): string {
  return new Date(Math.round((mjd - MJD_UNIX_EPOCH) * DAY_MS)).toISOString();
}

/**
 * The row as a line of `exposures.list`: `EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID
 * OBSTYPE TEFF OBJECT`, with the precision sandbox/tools/gen-exposures.sh writes (MJD 5 decimals,
 * coordinates 6, t_eff 2, NULL t_eff as NaN). Every column but OBJECT is one word (spaces in it
 * become `_`, an empty one `NULL`), so DAGMaker's `read` finds each where it expects it; OBJECT
 * is last and keeps its inner spaces, on one line.
 */
export function exposureListLine(row: ExposureRow): string {
  const num = (v: number | null, digits: number): string =>
    v === null || !Number.isFinite(v) ? 'NaN' : v.toFixed(digits);
  return [
    String(row.expnum),
    word(row.nite),
    num(row.mjd, 5),
    num(row.ra, 6),
    num(row.dec, 6),
    word(row.band),
    Number.isFinite(row.exptime) ? String(Number(row.exptime.toFixed(3))) : 'NaN',
    word(row.propid),
    word(row.flavor),
    num(row.teff, 2),
    row.object.replace(/[\s\p{Cc}]+/gu, ' ').trim(),
  ]
    .join(' ')
    .trimEnd();
}

function word(v: string): string {
  const w = v.trim().replace(/[\s\p{Cc}]+/gu, '_');
  return w === '' ? 'NULL' : w;
}
