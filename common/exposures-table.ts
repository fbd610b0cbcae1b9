/**
 * Parsing of the gw_workflow directory's `exposures.list`: a header line, then one exposure a line,
 * whitespace-separated `EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT`,
 * OBJECT holding spaces.
 */

export const BANDS = ['u', 'g', 'r', 'i', 'z', 'Y', 'VR'] as const;

export interface ExposureRow {
  expnum: number;
  nite: string;
  mjdObs: number;
  ra: number;
  dec: number;
  band: string;
  exptime: number;
  propid: string;
  obstype: string;
  teff: number;
  object: string;
  /** The row as written, for the per-band lists. */
  line: string;
}

export interface ExposuresTable {
  header: string;
  rows: Map<number, ExposureRow>;
  /** Lines that could not be read (line number, reason); DAGMaker ignores them too. */
  skipped: { line: number; reason: string }[];
}

export function parseExposuresTable(text: string): ExposuresTable {
  const lines = text.split(/\r?\n/);
  const header = lines[0] ?? '';
  const rows = new Map<number, ExposureRow>();
  const skipped: ExposuresTable['skipped'] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) {
      skipped.push({ line: i + 1, reason: `expected at least 10 columns, found ${cols.length}` });
      continue;
    }
    const [expnum, nite, mjd, ra, dec, band, exptime, propid, obstype, teff, ...object] = cols as [string, ...string[]];
    if (!/^\d+$/.test(expnum) || !/^\d{8}$/.test(nite!)) {
      skipped.push({ line: i + 1, reason: 'EXPNUM or NITE is not a number' });
      continue;
    }
    rows.set(Number(expnum), {
      expnum: Number(expnum),
      nite: nite!,
      mjdObs: Number(mjd),
      ra: Number(ra),
      dec: Number(dec),
      band: band!,
      exptime: Number(exptime),
      propid: propid!,
      obstype: obstype!,
      teff: Number(teff),
      object: object.join(' '),
      line,
    });
  }
  return { header, rows, skipped };
}

/** The per-band copies `exposures_<band>.list` (that band's rows, no header), as getExposureInfo.sh derives them. */
export function perBandLists(table: ExposuresTable): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const row of table.rows.values()) {
    const list = out.get(row.band) ?? [];
    list.push(row.line);
    out.set(row.band, list);
  }
  return new Map([...out].map(([band, rows]) => [band, [...rows, ''].join('\n')]));
}
