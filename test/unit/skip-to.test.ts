import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSkipTo, decideSkipTo } from '../../common/skip-to.js';

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
