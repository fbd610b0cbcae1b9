/**
 * `postproc_<SEASON>.ini`, the configuration run_postproc.py reads from its checkout, made from the
 * checkout's template `postproc.ini`. The template's `[general]` holds the GW170814 values
 * (triggermjd 57979.437, the x-axis origin of every light curve); the legacy automation left them
 * there and wrote `bands = i ;`, which Python 3's configparser reads as `i ;`. Here the eight
 * `[general]` keys a run needs are set (season, exposures_listfile, bands, triggerid, ligoid = the
 * trigger id, triggermjd, propid, outdir) through common/configparser.ts, so every other key,
 * section, comment and the order stay as they were, and a value that configparser would read
 * differently (line breaks, `%`, an inline `;`) is refused. The keys run_postproc.py reads must all
 * be there afterwards, or the template is refused naming the first one missing.
 * Pure: usable in workflow code.
 */
import { ConfigParserError, iniGet, readIni, setIniValues, type IniDocument } from './configparser.js';

export class PostprocIniError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostprocIniError';
  }
}

/** What a run sets in `[general]`. */
export interface PostprocIniSettings {
  season: number;
  /** The exposures list, as run_postproc.py joins it to `indir` (`./`): usually its bare file name in the checkout. */
  exposuresListfile: string;
  /** DES bands, e.g. ['i', 'z']; written `i,z`. */
  bands: readonly string[];
  /** The GW trigger id, e.g. S240511i; written as triggerid and ligoid. */
  triggerId: string;
  triggerMjd: number;
  propid: string;
  outdir: string;
  /** `[general] rootdir`: where the run's grid jobs wrote (/pnfs/des/${DESTCACHE}/${SCHEMA}); absent, the template's is kept. */
  rootdir?: string;
}

/** The template's GW170814 values, which a run must not keep by accident. */
export const POSTPROC_TEMPLATE_VALUES = Object.freeze({
  ligoid: 'GW170814',
  triggerid: 'G298048',
  propid: '2017B-0110',
  triggermjd: 57979.437,
});

export const DES_BANDS: readonly string[] = Object.freeze(['u', 'g', 'r', 'i', 'z', 'Y', 'VR']);

/** Every (section, key) run_postproc.py reads with config.get*: without one it stops with NoOptionError. */
export const POSTPROC_REQUIRED_KEYS: ReadonlyArray<readonly [string, string]> = Object.freeze(
  [
    ['general', 'season'],
    ['general', 'ligoid'],
    ['general', 'triggerid'],
    ['general', 'propid'],
    ['general', 'triggermjd'],
    ['general', 'ups'],
    ['general', 'env_setup_file'],
    ['general', 'rootdir'],
    ['general', 'outdir'],
    ['general', 'indir'],
    ['general', 'db'],
    ['general', 'schema'],
    ['general', 'exposures_listfile'],
    ['general', 'bands'],
    ['general', 'GoodSNIDs'],
    ['plots', 'mlscore_cut'],
    ['masterlist', 'blacklist'],
    ['masterlist', 'filename_1'],
    ['masterlist', 'filename_2'],
    ['checkoutputs', 'logfile'],
    ['checkoutputs', 'ccdfile'],
    ['checkoutputs', 'goodfile'],
    ['checkoutputs', 'steplist'],
    ['GWFORCE', 'numepochs_min'],
    ['GWFORCE', 'ncore'],
    ['GWFORCE', 'writeDB'],
    ['HOSTMATCH', 'version'],
    ['truthtable', 'filename'],
    ['truthtable', 'plusname'],
    ['GWmakeDataFiles', 'format'],
    ['GWmakeDataFiles', 'numepochs_min'],
    ['GWmakeDataFiles', '2nite_trigger'],
    ['GWmakeDataFiles-real', 'outFile_stdout'],
    ['GWmakeDataFiles-real', 'outDir_data'],
    ['GWmakeDataFiles-real', 'combined_fits'],
    ['GWmakeDataFiles-fake', 'outFile_stdout'],
    ['GWmakeDataFiles-fake', 'outDir_data'],
    ['GWmakeDataFiles-fake', 'version'],
  ].map((e) => Object.freeze(e) as readonly [string, string]),
);

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `postproc_<SEASON>.ini`: the name run_postproc.py --season SEASON reads, and only that name. */
export function postprocIniFileName(season: number): string {
  checkSeason(season);
  return `postproc_${season}.ini`;
}

function checkSeason(season: number): void {
  if (!Number.isSafeInteger(season) || season < 1) throw new PostprocIniError('season must be a positive integer');
}

/**
 * What is wrong with a run's trigger facts, one sentence each naming the setting (empty when
 * nothing is): each is required, and none may be the template's GW170814 value.
 */
export function triggerProblems(t: { triggerId?: unknown; triggerMjd?: unknown; propid?: unknown }): string[] {
  const out: string[] = [];
  const required = "is required: postproc_<SEASON>.ini is never left at the template's GW170814 values";
  if (t.triggerId === undefined) out.push(`triggerId ${required}`);
  else if (typeof t.triggerId !== 'string' || !ID.test(t.triggerId))
    out.push('triggerId must be letters, digits and _ . - (e.g. S240511i), at most 64');
  else if (t.triggerId === POSTPROC_TEMPLATE_VALUES.triggerid || t.triggerId === POSTPROC_TEMPLATE_VALUES.ligoid)
    out.push(`triggerId ${t.triggerId} is the template's GW170814 value: give this event's`);
  if (t.triggerMjd === undefined) out.push(`triggerMjd ${required}`);
  else if (
    typeof t.triggerMjd !== 'number' ||
    !Number.isFinite(t.triggerMjd) ||
    t.triggerMjd <= 0 ||
    t.triggerMjd >= 100000
  )
    out.push('triggerMjd must be a number between 0 and 100000 (an MJD, e.g. 60441.37)');
  else if (t.triggerMjd === POSTPROC_TEMPLATE_VALUES.triggermjd)
    out.push(`triggerMjd ${t.triggerMjd} is the template's GW170814 value: give this event's`);
  if (t.propid === undefined) out.push(`propid ${required}`);
  else if (typeof t.propid !== 'string' || !ID.test(t.propid))
    out.push('propid must be letters, digits and _ . - (e.g. 2024A-0001), at most 64');
  else if (t.propid === POSTPROC_TEMPLATE_VALUES.propid)
    out.push(`propid ${t.propid} is the template's GW170814 value: give this event's`);
  return out;
}

/** The `[general]` entries for these settings, validated; errors name the setting. */
export function postprocGeneralEntries(s: PostprocIniSettings): Array<[string, string]> {
  checkSeason(s.season);
  if (!Array.isArray(s.bands) || s.bands.length === 0) throw new PostprocIniError('bands must list at least one band');
  const bad = s.bands.find((b) => !DES_BANDS.includes(b));
  if (bad !== undefined) throw new PostprocIniError(`bands: each must be one of ${DES_BANDS.join(' ')}`);
  const trigger = triggerProblems(s);
  if (trigger.length > 0) throw new PostprocIniError(trigger[0]!);
  for (const [name, v] of [
    ['exposuresListfile', s.exposuresListfile],
    ['outdir', s.outdir],
    ...(s.rootdir !== undefined ? ([['rootdir', s.rootdir]] as const) : []),
  ] as const) {
    if (typeof v !== 'string' || v === '') throw new PostprocIniError(`${name} must be a non-empty path`);
  }
  return [
    ['season', String(s.season)],
    ['exposures_listfile', s.exposuresListfile],
    ['bands', [...new Set(s.bands)].join(',')],
    ['triggerid', s.triggerId],
    ['ligoid', s.triggerId],
    ['triggermjd', String(s.triggerMjd)],
    ['propid', s.propid],
    ['outdir', s.outdir],
    ...(s.rootdir !== undefined ? ([['rootdir', s.rootdir]] as [string, string][]) : []),
  ];
}

/** The (section, key) pairs of POSTPROC_REQUIRED_KEYS absent from a document. */
export function missingPostprocKeys(doc: IniDocument): Array<readonly [string, string]> {
  return POSTPROC_REQUIRED_KEYS.filter(([sec, key]) => !doc.sections.has(sec) || iniGet(doc, sec, key) === undefined);
}

/**
 * `postproc_<SEASON>.ini` from the template's text: the eight `[general]` keys set, everything
 * else kept. Throws PostprocIniError naming the setting, the template's line, or the missing key.
 */
export function writePostprocIni(templateText: string, s: PostprocIniSettings): string {
  const entries = postprocGeneralEntries(s);
  let template: IniDocument;
  try {
    template = readIni(templateText);
  } catch (err) {
    throw new PostprocIniError(`the template postproc.ini does not read cleanly: ${(err as Error).message}`);
  }
  if (!template.sections.has('general'))
    throw new PostprocIniError('the template postproc.ini has no [general] section');
  let text: string;
  try {
    text = setIniValues(templateText, 'general', entries);
  } catch (err) {
    if (err instanceof ConfigParserError)
      throw new PostprocIniError(err.message.replace(/^\[general\] (\w+):/, (_m, k: string) => `${settingName(k)}:`));
    throw err;
  }
  const missing = missingPostprocKeys(readIni(text));
  if (missing.length > 0) {
    throw new PostprocIniError(
      `the template postproc.ini lacks [${missing[0]![0]}] ${missing[0]![1]}${missing.length > 1 ? ` and ${missing.length - 1} more key(s)` : ''}, which run_postproc.py reads`,
    );
  }
  return text;
}

const SETTING_OF_KEY: Record<string, string> = {
  exposures_listfile: 'exposuresListfile',
  outdir: 'outdir',
  season: 'season',
  bands: 'bands',
  triggerid: 'triggerId',
  ligoid: 'triggerId',
  triggermjd: 'triggerMjd',
  propid: 'propid',
  rootdir: 'rootdir',
};
const settingName = (key: string): string => SETTING_OF_KEY[key] ?? key;

/** The `[general]` values a run's checks need, read back from an ini's text (raw strings; undefined when absent). */
export function readPostprocGeneral(
  text: string,
): Record<
  | 'season'
  | 'exposures_listfile'
  | 'bands'
  | 'triggerid'
  | 'ligoid'
  | 'triggermjd'
  | 'propid'
  | 'outdir'
  | 'rootdir'
  | 'indir',
  string | undefined
> {
  const doc = readIni(text);
  const get = (k: string) => iniGet(doc, 'general', k);
  return {
    season: get('season'),
    exposures_listfile: get('exposures_listfile'),
    bands: get('bands'),
    triggerid: get('triggerid'),
    ligoid: get('ligoid'),
    triggermjd: get('triggermjd'),
    propid: get('propid'),
    outdir: get('outdir'),
    rootdir: get('rootdir'),
    indir: get('indir'),
  };
}

/** The `[general]` keys still holding the template's GW170814 values (ligoid, triggerid, propid, triggermjd). */
export function templateValuesLeft(text: string): string[] {
  const g = readPostprocGeneral(text);
  const left: string[] = [];
  if (g.ligoid === POSTPROC_TEMPLATE_VALUES.ligoid) left.push('ligoid');
  if (g.triggerid === POSTPROC_TEMPLATE_VALUES.triggerid) left.push('triggerid');
  if (g.propid === POSTPROC_TEMPLATE_VALUES.propid) left.push('propid');
  if (g.triggermjd !== undefined && Number(g.triggermjd) === POSTPROC_TEMPLATE_VALUES.triggermjd)
    left.push('triggermjd');
  return left;
}

/** The names run_postproc.py gives its outputs, from the ini's own sections (the template's when absent). */
export interface PostprocOutputNames {
  /** `[truthtable] plusname`: `truthtable<S>/<plusname>`. */
  truthPlusName: string;
  /** `[masterlist] filename_1`: `masterlist/<filename_1>`, which SKIPTO above 0 reads. */
  masterFile1: string;
  /** `[GWmakeDataFiles-real] outDir_data`: `makedatafiles/<outDir_data>/`, the light-curve data files. */
  realDataDir: string;
  /** `[GWmakeDataFiles-real] combined_fits`: `makedatafiles/<combined_fits>`. */
  combinedFits: string;
  /** `[checkoutputs] ccdfile`: `checkoutputs/<ccdfile>`. */
  ccdFile: string;
}

/**
 * A value as run_postproc.py's Python 2 ConfigParser reads it: cut at the first `;` that follows
 * whitespace (an inline comment), then trimmed.
 */
export function py2IniValue(value: string): string {
  const m = /\s;/.exec(value);
  return (m ? value.slice(0, m.index) : value).trim();
}

/** The output names of an ini's text (a name that is not a plain file name falls back to the template's). */
export function postprocOutputNames(text: string): PostprocOutputNames {
  let doc: IniDocument | null = null;
  try {
    doc = readIni(text);
  } catch {
    doc = null;
  }
  const name = (section: string, key: string, fallback: string): string => {
    const raw = doc ? iniGet(doc, section, key) : undefined;
    const v = raw === undefined ? '' : py2IniValue(raw);
    return /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/.test(v) ? v : fallback;
  };
  return {
    truthPlusName: name('truthtable', 'plusname', 'truthplus.tab'),
    masterFile1: name('masterlist', 'filename_1', 'MasterExposureList_prelim.fits'),
    realDataDir: name('GWmakeDataFiles-real', 'outDir_data', 'LightCurvesReal'),
    combinedFits: name('GWmakeDataFiles-real', 'combined_fits', 'datafiles_combined.fits'),
    ccdFile: name('checkoutputs', 'ccdfile', 'checkoutputs.csv'),
  };
}
