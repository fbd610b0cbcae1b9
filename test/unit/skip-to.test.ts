import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSkipTo, decideSkipTo, planPass } from '../../common/skip-to.js';

const STEP0 = [
  'masterlist/expniteband_df.csv',
  'masterlist/MasterExposureList_prelim.fits',
  'checkoutputs/step0_expnums.txt',
  'checkoutputs/step0_a_blacklist.txt',
];
const TRUTH = 'truthtable1550/truthplus.tab';
const DAT = 'makedatafiles/LightCurvesReal/des_real_01550001.dat';

/** [what the directory holds, listing, SKIPTO, missing]. */
const TABLE: [string, string[], 5 | 6 | null, string[]][] = [
  ['light-curve data files and everything step 6 loads → 6', [...STEP0, TRUTH, 'mastertableinfo.npy', DAT], 6, []],
  ["the truth table (step 4) and step 0's files → 5", [...STEP0, TRUTH], 5, []],
  [
    'data files without mastertableinfo.npy → 5 (step 6 would crash loading it)',
    [...STEP0, TRUTH, DAT],
    5,
    ['mastertableinfo.npy'],
  ],
  ['nothing of step 4 or 5 → from the start', [...STEP0, 'plots/x.png'], null, []],
  ['an empty directory → from the start', [], null, []],
  ["the truth table without step 0's files → from the start", [TRUTH], null, STEP0],
  ["another season's truth table does not count", [...STEP0, 'truthtable612/truthplus.tab'], null, []],
  [
    'a .dat outside LightCurvesReal does not count',
    [...STEP0, TRUTH, 'makedatafiles/LightCurvesFake/x.dat', 'mastertableinfo.npy'],
    5,
    [],
  ],
  ['paths given as ./x are understood', [...STEP0.map((p) => `./${p}`), `./${TRUTH}`], 5, []],
];
for (const [what, listing, skipTo, missing] of TABLE) {
  test(`--SKIPTO from the output directory: ${what}`, () => {
    const d = decideSkipTo(listing, 1550);
    assert.equal(d.skipTo, skipTo, d.reason);
    assert.deepEqual(d.missing, missing);
    assert.ok(d.reason.length > 0);
  });
}

test("--SKIPTO follows the ini's truth-table and master-list names", () => {
  const listing = [
    'masterlist/expniteband_df.csv',
    'masterlist/ML.fits',
    'checkoutputs/step0_expnums.txt',
    'checkoutputs/step0_a_blacklist.txt',
    'truthtable1550/plus.tab',
  ];
  assert.equal(decideSkipTo(listing, 1550, { truthPlusName: 'plus.tab', masterFile1: 'ML.fits' }).skipTo, 5);
  assert.equal(decideSkipTo(listing, 1550).skipTo, null);
});

test('a requested skipTo is an integer from 0 to 7, as run_postproc.py checks', () => {
  for (const ok of [0, 1, 5, 6, 7]) assert.equal(checkSkipTo(ok), ok);
  for (const bad of [-1, 8, 5.5, '5', null, Number.NaN])
    assert.throws(
      () => checkSkipTo(bad),
      /skipTo must be an integer from 0 to 7 \(run_postproc\.py: NOT VALID SKIP TO ARGUMENT\)/,
    );
});

test('after a pass whose forced photometry aborted, the next runs it again: step 2, though the directory allows 6', () => {
  const complete = [...STEP0, TRUTH, 'mastertableinfo.npy', DAT];
  assert.equal(decideSkipTo(complete, 1550).skipTo, 6, 'the aborted pass ended complete all the same');
  const d = decideSkipTo(complete, 1550, { rerunForcephoto: true });
  assert.equal(d.skipTo, 2, d.reason);
  assert.match(d.reason, /forced photometry aborted/);
});

test("after a forced-photometry abort without step 0's files, from the start", () => {
  const d = decideSkipTo([TRUTH, DAT], 1550, { rerunForcephoto: true });
  assert.equal(d.skipTo, null);
  assert.deepEqual(d.missing, STEP0);
});

const COMPLETE = [...STEP0, TRUTH, 'mastertableinfo.npy', DAT];
const plan = (listing: string[], step0: number[] | null, list: number[], extra: Record<string, unknown> = {}) =>
  planPass(listing, 1550, { step0Expnums: step0, listExpnums: list, requested: null, ...extra });

test("a pass skips only when its list is the earlier pass's step0_expnums.txt: the same list (in any order) resumes at 6", () => {
  const p = plan(COMPLETE, [1297759, 1297760], [1297760, 1297759]);
  assert.deepEqual([p.skipTo, p.fresh, p.moveDataDir], [6, false, null]);
});

test('a grown list runs from step 0 in a fresh directory, saying which exposures are new, though the directory allows 6', () => {
  const p = plan(COMPLETE, [1297759, 1297760], [1297759, 1297760, 1297761]);
  assert.deepEqual([p.skipTo, p.fresh, p.moveDataDir], [null, true, null]);
  assert.match(
    p.reason,
    /^the list differs from the earlier pass's checkoutputs\/step0_expnums\.txt \(1 new \(1297761\)\)/,
  );
  const shrunk = plan([...STEP0, TRUTH], [1297759, 1297760], [1297759]);
  assert.deepEqual([shrunk.skipTo, shrunk.fresh], [null, true]);
  assert.match(shrunk.reason, /1 gone \(1297760\)/);
});

test("a pass that runs step 5 moves the earlier light-curve data files aside (makeDataFiles' wait counts them); one at 6 does not", () => {
  assert.equal(plan([...STEP0, TRUTH, DAT], [1], [1]).skipTo, 5);
  assert.equal(plan([...STEP0, TRUTH, DAT], [1], [1]).moveDataDir, 'makedatafiles/LightCurvesReal');
  assert.equal(
    plan(COMPLETE, [1], [1], { rerunForcephoto: true }).moveDataDir,
    'makedatafiles/LightCurvesReal',
    'step 2 runs step 5 too',
  );
  assert.equal(plan(COMPLETE, [1], [1]).moveDataDir, null);
  assert.equal(plan([...STEP0, TRUTH], [1], [1]).moveDataDir, null, 'nothing there to move');
  const named = plan([...STEP0, TRUTH, 'makedatafiles/LC/des_real_1.dat'], [1], [1], { realDataDir: 'LC' });
  assert.equal(named.moveDataDir, 'makedatafiles/LC', "the ini's outDir_data");
});

test('a --SKIPTO asked for is used as asked, saying when the list differs from what run_postproc.py will read instead', () => {
  const p = plan(COMPLETE, [1297759], [1297759, 1297761], { requested: 6 });
  assert.deepEqual([p.skipTo, p.fresh], [6, false]);
  assert.match(
    p.reason,
    /^--SKIPTO 6 as asked; run_postproc\.py reads the earlier pass's checkoutputs\/step0_expnums\.txt, not this list \(1 new \(1297761\)\)$/,
  );
  assert.equal(plan(COMPLETE, [1], [1], { requested: 0 }).moveDataDir, 'makedatafiles/LightCurvesReal');
});

test('without an earlier step0_expnums.txt, the legacy rule decides (from the start)', () => {
  const p = plan([TRUTH, DAT], null, [1]);
  assert.deepEqual([p.skipTo, p.fresh, p.moveDataDir], [null, false, 'makedatafiles/LightCurvesReal']);
});
