import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { iniGet, readIni } from '../../common/configparser.js';
import {
  POSTPROC_REQUIRED_KEYS,
  PostprocIniError,
  postprocIniFileName,
  readPostprocGeneral,
  postprocOutputNames,
  py2IniValue,
  templateValuesLeft,
  triggerProblems,
  writePostprocIni,
  type PostprocIniSettings,
} from '../../common/postproc-ini.js';

// The sandbox checkout's template: the real template's sections, keys, comments and GW170814 values.
const TEMPLATE = readFileSync(
  fileURLToPath(new URL('../../../sandbox/post-processing/postproc.ini', import.meta.url)),
  'utf8',
);
const SETTINGS: PostprocIniSettings = {
  season: 1550,
  exposuresListfile: 'complete_exposures_S1550_20240511_03-12.list',
  bands: ['i', 'z'],
  triggerId: 'S240511i',
  triggerMjd: 60441.37,
  propid: '2024A-0001',
  outdir: '/data/des41.a/desgw/runs/S240511i/postproc_1550',
};

test('postproc_<SEASON>.ini is the name run_postproc.py --season reads', () => {
  assert.equal(postprocIniFileName(1550), 'postproc_1550.ini');
  assert.throws(() => postprocIniFileName(0), PostprocIniError);
});

test('sets the eight [general] keys; ligoid is the trigger id; bands a comma list', () => {
  const doc = readIni(writePostprocIni(TEMPLATE, SETTINGS));
  const g = (k: string) => iniGet(doc, 'general', k);
  assert.deepEqual(
    ['season', 'exposures_listfile', 'bands', 'triggerid', 'ligoid', 'triggermjd', 'propid', 'outdir'].map(g),
    ['1550', SETTINGS.exposuresListfile, 'i,z', 'S240511i', 'S240511i', '60441.37', '2024A-0001', SETTINGS.outdir],
  );
});

test('keeps every other section, key, comment and blank line, in order', () => {
  const out = writePostprocIni(TEMPLATE, SETTINGS);
  const changed = /^(season|exposures_listfile|bands|triggerid|ligoid|triggermjd|propid|outdir) = /;
  const before = TEMPLATE.split('\n');
  const after = out.split('\n');
  assert.equal(after.length, before.length);
  before.forEach((line, i) => {
    if (changed.test(line)) assert.match(after[i]!, changed, `line ${i + 1} is the same key`);
    else assert.equal(after[i], line, `line ${i + 1} kept`);
  });
  const a = readIni(TEMPLATE);
  const b = readIni(out);
  assert.deepEqual([...b.sections.keys()], [...a.sections.keys()]);
  for (const [name, opts] of a.sections)
    assert.deepEqual([...b.sections.get(name)!.keys()], [...opts.keys()], `[${name}] keys in order`);
  assert.equal(iniGet(b, 'general', 'rootdir'), iniGet(a, 'general', 'rootdir'));
});

test("the template's inline comments would break bands and exposures_listfile; the written values have none", () => {
  const t = readPostprocGeneral(TEMPLATE);
  assert.match(t.bands!, /^i ;/, 'Python 3 reads the template as "i ; # …"');
  const g = readPostprocGeneral(writePostprocIni(TEMPLATE, { ...SETTINGS, bands: ['i'] }));
  assert.equal(g.bands, 'i');
  assert.equal(g.exposures_listfile, SETTINGS.exposuresListfile);
});

test("the template carries GW170814's values; a written ini none of them", () => {
  assert.deepEqual(templateValuesLeft(TEMPLATE), ['ligoid', 'triggerid', 'propid', 'triggermjd']);
  assert.deepEqual(templateValuesLeft(writePostprocIni(TEMPLATE, SETTINGS)), []);
});

const BAD: [string, Partial<PostprocIniSettings>, RegExp][] = [
  ['a season that is not a positive integer', { season: 15.5 }, /^season must be a positive integer$/],
  ['no band', { bands: [] }, /^bands must list at least one band$/],
  ['an unknown band', { bands: ['i', 'all'] }, /^bands: each must be one of u g r i z Y VR$/],
  ['a trigger id with spaces or shell syntax', { triggerId: 'S2405 $(x)' }, /^triggerId must be/],
  ['a propid with a newline', { propid: '2024A\n[x]' }, /^propid must be/],
  ['a trigger MJD that is not a number', { triggerMjd: Number.NaN }, /^triggerMjd must be a number/],
  ['an outdir with a line break', { outdir: '/a\n[general]' }, /^outdir: the value holds a line break/],
  ['an outdir with % (interpolation)', { outdir: '/data/100%/x' }, /^outdir: the value holds %/],
  [
    'an exposures list with an inline comment',
    { exposuresListfile: 'x.list ; old' },
    /^exposuresListfile: the value holds ; at its start or after a space/,
  ],
  ['an empty outdir', { outdir: '' }, /^outdir must be a non-empty path$/],
  ["the template's trigger MJD", { triggerMjd: 57979.437 }, /^triggerMjd 57979\.437 is the template's GW170814 value/],
  ["the template's trigger id", { triggerId: 'G298048' }, /^triggerId G298048 is the template's GW170814 value/],
  ["the template's ligoid as trigger id", { triggerId: 'GW170814' }, /^triggerId GW170814 is the template's/],
  ["the template's propid", { propid: '2017B-0110' }, /^propid 2017B-0110 is the template's GW170814 value/],
];

test('triggerProblems names each trigger fact missing, and says none is wrong when all are given', () => {
  assert.deepEqual(
    triggerProblems({}).map((p) => p.split(' ')[0]),
    ['triggerId', 'triggerMjd', 'propid'],
  );
  assert.deepEqual(triggerProblems({ triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' }), []);
});
for (const [what, change, message] of BAD) {
  test(`refuses ${what}, naming the setting`, () => {
    assert.throws(
      () => writePostprocIni(TEMPLATE, { ...SETTINGS, ...change }),
      (err: unknown) => err instanceof PostprocIniError && message.test(err.message),
    );
  });
}

test('refuses a template without [general], one that does not read cleanly (naming the line), or one lacking a key run_postproc.py reads', () => {
  assert.throws(() => writePostprocIni('[plots]\nmlscore_cut = 0.7\n', SETTINGS), /has no \[general\] section/);
  assert.throws(
    () => writePostprocIni(TEMPLATE.replace('[plots]', '[general]'), SETTINGS),
    /does not read cleanly: line \d+: a section opened a second time/,
  );
  assert.throws(
    () => writePostprocIni(TEMPLATE.replace(/^plusname = .*\n/m, ''), SETTINGS),
    /lacks \[truthtable\] plusname, which run_postproc\.py reads/,
  );
  assert.equal(POSTPROC_REQUIRED_KEYS.length, 38);
});

test("the output names come from the ini's own sections, read as Python 2's ConfigParser reads them", () => {
  assert.deepEqual(postprocOutputNames(TEMPLATE), {
    truthPlusName: 'truthplus.tab',
    masterFile1: 'MasterExposureList_prelim.fits',
    realDataDir: 'LightCurvesReal',
    combinedFits: 'datafiles_combined.fits',
    ccdFile: 'checkoutputs.csv',
  });
  const renamed = TEMPLATE.replace(/^plusname = .*$/m, 'plusname = plus.tab ; # renamed').replace(
    /^outDir_data = LightCurvesReal$/m,
    'outDir_data = LC_real',
  );
  const names = postprocOutputNames(renamed);
  assert.equal(names.truthPlusName, 'plus.tab');
  assert.equal(names.realDataDir, 'LC_real');
  assert.equal(py2IniValue('i ; # comment'), 'i');
  assert.equal(py2IniValue('a;b'), 'a;b', 'a ; only after whitespace starts a comment');
  assert.equal(
    postprocOutputNames(TEMPLATE.replace(/^plusname = .*$/m, 'plusname = ../x')).truthPlusName,
    'truthplus.tab',
  );
});
