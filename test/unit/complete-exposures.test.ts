import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  completeExposuresFileName,
  formatCompleteExposures,
  legacyReadExposuresList,
} from '../../common/complete-exposures.js';

test('one EXPNUM a line, each ended by a newline, nothing else; the legacy reader reads them all', () => {
  const text = formatCompleteExposures([1297759, 1297760, 1297812]);
  assert.equal(text, '1297759\n1297760\n1297812\n');
  assert.deepEqual(legacyReadExposuresList(text), [1297759, 1297760, 1297812]);
});

test('refuses an empty list, a repeated exposure, and anything not a positive integer', () => {
  assert.throws(() => formatCompleteExposures([]), /no exposure to list/);
  assert.throws(() => formatCompleteExposures([941225, 941225]), /exposure 941225 is listed twice/);
  assert.throws(() => formatCompleteExposures([941225, 0]), /exposure #2 is not a positive integer/);
  assert.throws(() => formatCompleteExposures([1.5]), /exposure #1 is not a positive integer/);
});

/** What run_postproc.py's reader makes of texts: a blank line anywhere drops the whole list. */
const LEGACY: [string, string, number[]][] = [
  ['a blank line in the middle drops the whole list', '941225\n\n941226\n', []],
  ['a blank line at the end drops the whole list', '941225\n941226\n\n', []],
  ['a last line without newline is read', '941225\n941226', [941225, 941226]],
  ['spaces and CR around a number are allowed (int())', ' 941225 \r\n941226\n', [941225, 941226]],
  ['a second column drops the whole list', '941225 i\n', []],
  ['an empty text is an empty list', '', []],
];
for (const [what, text, expected] of LEGACY) {
  test(`the legacy reader: ${what}`, () => assert.deepEqual(legacyReadExposuresList(text), expected));
}

test('file name: complete_exposures_S<SEASON>_<YYYYmmdd_HH-MM>.list, in UTC', () => {
  assert.equal(
    completeExposuresFileName(1550, new Date('2024-05-11T03:07:59Z')),
    'complete_exposures_S1550_20240511_03-07.list',
  );
  assert.equal(
    completeExposuresFileName(2206, new Date('2020-03-04T23:59:00-05:00')),
    'complete_exposures_S2206_20200305_04-59.list',
  );
  assert.throws(() => completeExposuresFileName(0, new Date()), /season must be a positive integer/);
  assert.throws(() => completeExposuresFileName(1, new Date('x')), /invalid date/);
});
