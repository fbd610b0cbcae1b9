import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECAM_CCDS } from '../../common/decam-ccds.js';
import {
  describeForcephotoVerdict,
  forcephotoFileCcd,
  forcephotoFileNames,
  judgeForcephoto,
} from '../../common/forcephoto-verdict.js';

const names = (ccds: readonly number[], band = 'i') =>
  ccds.flatMap((c) => Object.values(forcephotoFileNames(1550, 1297759, band, c)));

test('file names: WS<SEASON, 4 digits>_<EXPNUM>_combined_<BAND>_<CC>_diff_mh.fits and .psf', () => {
  assert.deepEqual(forcephotoFileNames(1550, 1297759, 'i', 5), {
    fits: 'WS1550_1297759_combined_i_05_diff_mh.fits',
    psf: 'WS1550_1297759_combined_i_05_diff_mh.psf',
  });
  assert.equal(forcephotoFileNames(416, 668439, 'z', 62).fits, 'WS0416_668439_combined_z_62_diff_mh.fits');
  assert.equal(forcephotoFileCcd('WS1550_1297759_combined_i_05_diff_mh.psf', 'i'), 5);
  assert.equal(forcephotoFileCcd('WS1550_1297759_combined_i_050.fits', 'i'), null, 'two digits exactly');
  assert.equal(forcephotoFileCcd('WS1550_1297759_combined_z_05.fits', 'i'), null, 'another band');
});

const complete = DECAM_CCDS.slice(0, 52); // 52 complete CCDs: 104 files expected

/** [rule, files present, outcome, accepted, CCDs short of a file]. */
const TABLE: [string, string[], string, boolean, number[]][] = [
  ['all 2 per complete CCD: accepted', names(complete), 'complete', true, []],
  [
    'more than half: accepted, naming the CCDs short of a file',
    names(complete).filter((f) => !/_i_0[13]_.*\.psf$/.test(f)),
    'partial',
    true,
    [1, 3],
  ],
  ['one file short of all: accepted, naming its CCD', names(complete).slice(1), 'partial', true, [1]],
  ['exactly half: rejected', names(complete.slice(0, 26)), 'too-few', false, complete.slice(26)],
  [
    'one more than half: accepted',
    [...names(complete.slice(0, 26)), names([complete[26]!])[0]!],
    'partial',
    true,
    complete.slice(26),
  ],
  ['none at all: rejected', [], 'too-few', false, complete],
  [
    'more than expected (e.g. a failed CCD copied its files too): rejected',
    names([...complete, 60]),
    'too-many',
    false,
    [],
  ],
  ['files of another band are not counted', [...names(complete), ...names([1, 3], 'z')], 'complete', true, []],
  [
    'hidden files are not counted (the glob * skips them)',
    [...names(complete), '.WS1550_1297759_combined_i_01_diff_mh.fits.tmp'],
    'complete',
    true,
    [],
  ],
  [
    'any *_<BAND>_* file counts, even not .fits/.psf',
    [...names(complete).slice(2), 'WS1550_1297759_combined_i_01_diff_mh.log', 'x_i_y'],
    'complete',
    true,
    [1],
  ],
];
for (const [rule, files, outcome, accepted, missing] of TABLE) {
  test(`forced photometry: ${rule}`, () => {
    const v = judgeForcephoto({ band: 'i', completeCcds: complete, files });
    assert.equal(v.outcome, outcome);
    assert.equal(v.accepted, accepted);
    assert.equal(v.expected, 104);
    assert.equal(v.found, files.filter((f) => !f.startsWith('.') && f.includes('_i_')).length);
    assert.deepEqual(v.missingCcds, missing);
  });
}

test('forced photometry: with no complete CCD nothing is expected and the exposure is rejected', () => {
  const v = judgeForcephoto({ band: 'i', completeCcds: [], files: [] });
  assert.deepEqual([v.outcome, v.accepted, v.expected], ['too-few', false, 0]);
});

test('forced photometry: the description names the counts and the CCDs short of a file', () => {
  const v = judgeForcephoto({ band: 'i', completeCcds: [1, 3, 4], files: names([1, 3]) });
  assert.equal(
    describeForcephotoVerdict(v),
    'forced photometry 4/6 files, more than half: accepted; CCDs short of a file: 4',
  );
  assert.throws(() => judgeForcephoto({ band: 'i*', completeCcds: [], files: [] }), /band must be one or two letters/);
});
