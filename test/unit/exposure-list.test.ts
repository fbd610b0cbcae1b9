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

test('names every line that is not an exposure number, by what kind of text it holds, never its content', () => {
  assert.throws(
    () =>
      parseExposureList(
        'EXPNUM BAND\n941225\n941226, 941227\n941228 941229\n94122x\n941227; rm -rf ~\n$(touch /tmp/x)\n',
        'night.list',
      ),
    (err: unknown) => {
      assert.ok(err instanceof ExposureListError);
      assert.deepEqual(err.problems, [
        'line 1: a header or words (letters; one exposure number per line)',
        'line 3: a comma (one exposure number per line)',
        'line 4: more than one number (one exposure number per line)',
        'line 5: a header or words (letters; one exposure number per line)',
        'line 6: a header or words (letters; one exposure number per line)',
        'line 7: a header or words (letters; one exposure number per line)',
      ]);
      assert.doesNotMatch(err.message, /EXPNUM|BAND|94122[6-9x]|rm -rf|touch/, 'no line of the file is shown');
      assert.match(err.message, /^night\.list: /);
      return true;
    },
  );
});

test('each kind of line is named: a number too long or starting with 0, a sign, a decimal point, a configuration line, other characters', () => {
  const kinds: [string, string][] = [
    ['1234567890123', 'a number of more than 9 digits (one exposure number per line)'],
    ['0941225', 'a number starting with 0 (exposure numbers start at 1; one exposure number per line)'],
    ['-941225', 'a signed number (one exposure number per line)'],
    ['941225.0', 'a decimal point (one exposure number per line)'],
    [
      '[db-dessci]',
      'a configuration line (a [section] or key = value: is this the right file? one exposure number per line)',
    ],
    [
      'passwd = x',
      'a configuration line (a [section] or key = value: is this the right file? one exposure number per line)',
    ],
    ['941225/941226', 'characters other than digits (one exposure number per line)'],
  ];
  for (const [line, kind] of kinds) {
    assert.throws(
      () => parseExposureList(`${line}\n`, 'x.list'),
      (err: unknown) => {
        assert.ok(err instanceof ExposureListError);
        assert.equal(err.message, `x.list: line 1: ${kind}`, line);
        return true;
      },
    );
  }
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
      assert.equal(
        err.message,
        'x.list: line 1: control characters (is this a text file? one exposure number per line)',
      );
      return true;
    },
  );
});
