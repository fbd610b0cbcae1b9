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
      assert.equal(err.problems[0], 'line 2: not an exposure number (6 characters, not all digits)');
      assert.equal(err.problems[1], 'line 3: not an exposure number (16 characters, not all digits)');
      assert.equal(err.problems[2], 'line 4: not an exposure number (15 characters, not all digits)');
      assert.doesNotMatch(err.message, /94122x|rm -rf|touch/, 'no line of the file is shown');
      assert.match(err.message, /^night\.list: /);
      return true;
    },
  );
});

test('an empty list is an error naming the file', () => {
  assert.throws(
    () => parseExposureList('# nothing yet\n\n', 'empty.list'),
    /empty\.list: the list holds no exposure number/,
  );
});

test('refuses negative, zero, fractional and absurdly long numbers', () => {
  for (const bad of ['-941225', '0', '941225.0', '1234567890123']) {
    assert.throws(() => parseExposureList(`${bad}\n`, 'x.list'), /line 1: /, bad);
  }
});

test('a line with control characters is named by its number, on one line, without its content', () => {
  assert.throws(
    () => parseExposureList('9412\x0725\n', 'x.list'),
    (err: unknown) => {
      assert.ok(err instanceof ExposureListError);
      assert.equal(err.message, 'x.list: line 1: not an exposure number (7 characters, not all digits)');
      return true;
    },
  );
});
