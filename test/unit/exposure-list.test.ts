import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExposureListError, parseExposureList } from '../../common/exposure-list.js';

test('reads numbers, skipping blank lines and comments, keeping order', () => {
  const r = parseExposureList('# night of 20200304\n941225\n\n  941226  # i band\n941227\n', 'a.list');
  assert.deepEqual(r.expnums, [941225, 941226, 941227]);
  assert.deepEqual(r.duplicates, []);
});

test('reports duplicates with their lines and keeps the first', () => {
  const r = parseExposureList('941225\n941226\n941225\n941226\n', 'a.list');
  assert.deepEqual(r.expnums, [941225, 941226]);
  assert.deepEqual(r.duplicates, [
    { expnum: 941225, line: 3, firstLine: 1 },
    { expnum: 941226, line: 4, firstLine: 2 },
  ]);
});

test('names every non-numeric line', () => {
  assert.throws(
    () => parseExposureList('941225\n94122x\n941227; rm -rf ~\n$(touch /tmp/x)\n', 'night.list'),
    (err: unknown) => {
      assert.ok(err instanceof ExposureListError);
      assert.equal(err.problems.length, 3);
      assert.match(err.problems[0]!, /^line 2: '94122x'/);
      assert.match(err.problems[1]!, /^line 3: '941227; rm -rf ~'/);
      assert.match(err.problems[2]!, /^line 4: '\$\(touch \/tmp\/x\)'/);
      assert.match(err.message, /^night\.list: /);
      return true;
    },
  );
});

test('an empty list is an error naming the file', () => {
  assert.throws(() => parseExposureList('# nothing yet\n\n', 'empty.list'), /empty\.list: the list holds no exposure number/);
});

test('refuses negative, zero, fractional and absurdly long numbers', () => {
  for (const bad of ['-941225', '0', '941225.0', '1234567890123']) {
    assert.throws(() => parseExposureList(`${bad}\n`, 'x.list'), /line 1: /, bad);
  }
});

test('shows control characters visibly in the message', () => {
  assert.throws(() => parseExposureList('9412\x0725\n', 'x.list'), /9412\\x0725/);
});
