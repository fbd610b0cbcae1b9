import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ccdState,
  checkMinCompleteCcds,
  describeCcdVerdict,
  judgeCcds,
  type CcdListing,
} from '../../common/ccd-verdict.js';
import { DECAM_CCDS, DECAM_CCD_COUNT, ccdDirName, ccdLabel, isDecamCcd } from '../../common/decam-ccds.js';

const TAR = (ccd: number) => `outputs_dp1550_20240511_1297759_i_${ccdLabel(ccd)}.tar.gz`;
/** Every CCD complete, then the overrides. */
function listing(
  overrides: Record<number, string[]> = {},
  base: (ccd: number) => string[] = (c) => [TAR(c)],
): CcdListing {
  return Object.fromEntries(DECAM_CCDS.map((c) => [c, overrides[c] ?? base(c)]));
}

test('there are 59 DECam search CCDs: 1–62 without 2, 31 and 61', () => {
  assert.equal(DECAM_CCD_COUNT, 59);
  assert.equal(DECAM_CCDS.length, 59);
  for (const c of [2, 31, 61, 0, 63]) assert.equal(isDecamCcd(c), false, `${c}`);
  for (const c of [1, 3, 30, 32, 60, 62]) assert.equal(isDecamCcd(c), true, `${c}`);
  assert.deepEqual([DECAM_CCDS[0], DECAM_CCDS[DECAM_CCDS.length - 1]], [1, 62]);
  assert.equal(ccdDirName('i', 5), 'i_05');
  assert.equal(ccdDirName('VR', 62), 'VR_62');
});

const STATES: [string, string[], 'complete' | 'failed' | 'incomplete'][] = [
  ['a FAIL outweighs the tarball copied after it', [TAR(1), 'RUN05_expose_makeWeight.FAIL'], 'failed'],
  ['a FAIL alone is a failure', ['RUN22_combined+expose_filterObj.FAIL'], 'failed'],
  ['any *.FAIL counts, whatever its name', [TAR(1), 'RUN_ALL.FAIL'], 'failed'],
  ['the tarball without FAIL is complete', [TAR(1), 'stamps_20240511_i_01'], 'complete'],
  ['an empty directory is incomplete', [], 'incomplete'],
  ['other files without the tarball are incomplete', ['RUN05_expose_makeWeight.LOG', 'outputs_x.tar'], 'incomplete'],
  ['FAIL must be the extension', ['RUN05.FAIL.txt', TAR(1)], 'complete'],
];
for (const [what, files, state] of STATES) {
  test(`a CCD: ${what}`, () => assert.equal(ccdState(files), state));
}

test('an exposure passes with at least minCompleteCcds (default 50) complete CCDs', () => {
  const fails = (n: number) =>
    Object.fromEntries(DECAM_CCDS.slice(0, n).map((c) => [c, [TAR(c), 'RUN05_expose_makeWeight.FAIL']]));
  const table: [number, number | undefined, boolean][] = [
    [0, undefined, true],
    [9, undefined, true], // 50 complete
    [10, undefined, false], // 49
    [30, 29, true], // the branch that used 29
    [31, 29, false],
    [0, 59, true],
  ];
  for (const [nFailed, min, passed] of table) {
    const v = judgeCcds(listing(fails(nFailed)), min);
    assert.equal(v.passed, passed, `${nFailed} failed, min ${min}`);
    assert.equal(v.counts.complete, 59 - nFailed);
    assert.equal(v.minCompleteCcds, min ?? 50);
  }
});

test('counts and lists each state; missing CCD entries are incomplete; other CCD numbers are ignored', () => {
  const l: Record<number, CcdListing[number]> = { ...listing({ 1: [TAR(1), 'RUN05_expose_makeWeight.FAIL'], 3: [] }) };
  delete l[4];
  l[2] = [TAR(2)];
  l[61] = ['RUN05_expose_makeWeight.FAIL'];
  const v = judgeCcds(l);
  assert.deepEqual(v.counts, { complete: 56, failed: 1, incomplete: 2, total: 59 });
  assert.deepEqual(v.failed, [1]);
  assert.deepEqual(v.incomplete, [3, 4]);
  assert.ok(!v.complete.includes(2));
  assert.equal(v.complete.length + v.failed.length + v.incomplete.length, 59);
});

test('the FAIL steps seen are named with their run number and CCDs, ordered by run', () => {
  const v = judgeCcds(
    listing({
      7: ['RUN22_combined+expose_filterObj.FAIL', TAR(7)],
      5: ['RUN05_expose_makeWeight.FAIL'],
      9: ['RUN05_expose_makeWeight.FAIL', 'RUN22_combined+expose_filterObj.FAIL'],
      11: ['RUN_ALL.FAIL'],
      12: [TAR(12), 'RUN04_diffimg.FAIL'],
    }),
  );
  assert.deepEqual(v.failSteps, [
    { step: 'diffimg', run: 4, ccds: [12] },
    { step: 'expose_makeWeight', run: 5, ccds: [5, 9] },
    { step: 'combined+expose_filterObj', run: 22, ccds: [7, 9] },
    { step: 'RUN_ALL', run: null, ccds: [11] },
  ]);
  assert.equal(v.counts.failed, 5);
  assert.match(
    describeCcdVerdict(v),
    /^54\/59 complete, 5 failed \(RUN04 diffimg ×1, RUN05 expose_makeWeight ×2, RUN22 combined\+expose_filterObj ×2, RUN_ALL ×1\), 0 incomplete: passes \(needs ≥ 50\)$/,
  );
});

test('before any job has run (the 59 directories empty) nothing is complete', () => {
  const v = judgeCcds(listing({}, () => []));
  assert.deepEqual(v.counts, { complete: 0, failed: 0, incomplete: 59, total: 59 });
  assert.equal(v.passed, false);
});

test('minCompleteCcds must be an integer from 1 to 59', () => {
  for (const bad of [0, 60, 49.5, -1, NaN])
    assert.throws(() => checkMinCompleteCcds(bad), /minCompleteCcds must be an integer from 1 to 59/);
  assert.throws(() => judgeCcds(listing(), 60), RangeError);
  assert.equal(checkMinCompleteCcds(50), 50);
});
