import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExposureResult } from '../../common/contract.js';
import { formatOutputTxt, readOutputTxt } from '../../common/output-file.js';

const exp = (expnum: number, band: string, nite: string, status: 'submitted' | 'failed'): ExposureResult => ({
  expnum,
  band,
  nite,
  status,
  workDir: '',
  dagFile: '',
  dagmakerOutFile: '',
  submitOutFile: '',
  warnings: [],
  attempts: { dagmaker: 1, submit: 1 },
  durationsMs: { total: 1 },
});

test("output.txt: exposures, season, nite in the legacy reader's form", () => {
  const text = formatOutputTxt(2206, [
    exp(941225, 'i', '20200304', 'submitted'),
    exp(941226, 'i', '20200304', 'submitted'),
    exp(941227, 'i', '20200304', 'submitted'),
  ]);
  assert.equal(text, '[941225 i, 941226 i, 941227 i]\n2206\n20200304\n');
});

test('only submitted exposures are handed on; several nites are space-separated', () => {
  const text = formatOutputTxt(612, [
    exp(1, 'g', '20231014', 'submitted'),
    exp(2, 'z', '20231014', 'failed'),
    exp(3, 'z', '20231015', 'submitted'),
  ]);
  assert.equal(text, '[1 g, 3 z]\n612\n20231014 20231015\n');
});

test('the legacy reader (strip brackets, split on commas, season on line 2) reads it back', () => {
  const back = readOutputTxt(
    formatOutputTxt(612, [exp(1210447, 'i', '20231014', 'submitted'), exp(1210448, 'z', '20231014', 'submitted')]),
  );
  assert.deepEqual(back, {
    exposures: [
      { expnum: 1210447, band: 'i' },
      { expnum: 1210448, band: 'z' },
    ],
    season: 612,
    nites: ['20231014'],
    items: 'plain',
    line3: 'nites',
  });
});

test("the legacy writer's Python-quoted items are read as EXPNUM BAND, u'' strings too", () => {
  const back = readOutputTxt("['941225 i', '941226 i', u'941227 z', \"941228 g\"]\n2206\n");
  assert.deepEqual(back.exposures, [
    { expnum: 941225, band: 'i' },
    { expnum: 941226, band: 'i' },
    { expnum: 941227, band: 'z' },
    { expnum: 941228, band: 'g' },
  ]);
  assert.equal(back.items, 'python-quoted');
  assert.equal(back.season, 2206);
  assert.equal(back.line3, 'empty', 'the legacy writer wrote no line 3');
  assert.deepEqual(back.nites, []);
});

test('a PROPID on line 3 (a 2024 variant of the legacy writer) is taken as a PROPID, not as a NITE', () => {
  const back = readOutputTxt("['1297759 i', '1297760 z']\n1550\n2024A-0001\n");
  assert.equal(back.line3, 'propid');
  assert.equal(back.propid, '2024A-0001');
  assert.deepEqual(back.nites, [], 'no NITE: they are looked up');
  assert.deepEqual(
    back.exposures.map((e) => e.expnum),
    [1297759, 1297760],
  );
});

test('line 3: NITEs are NITEs, a NOIRLab-style PROPID is a PROPID, anything else is neither', () => {
  const table: [string, string, string[], string | undefined][] = [
    ['20200304', 'nites', ['20200304'], undefined],
    ['20231014 20231015', 'nites', ['20231014', '20231015'], undefined],
    ['2023B-646244', 'propid', [], '2023B-646244'],
    ['2024A-0001 20200304', 'unrecognised', [], undefined],
    ['S240511i', 'unrecognised', [], undefined],
    ['2020-03-04', 'unrecognised', [], undefined],
    ['   ', 'empty', [], undefined],
  ];
  for (const [line3, kind, nites, propid] of table) {
    const back = readOutputTxt(`[941225 i]\n2206\n${line3}\n`);
    assert.deepEqual([back.line3, back.nites, back.propid], [kind, nites, propid], line3);
  }
});

test('output.txt written on Windows (CRLF) reads the same', () => {
  const back = readOutputTxt("['941225 i']\r\n2206\r\n20200304\r\n");
  assert.deepEqual([back.exposures, back.season, back.nites], [[{ expnum: 941225, band: 'i' }], 2206, ['20200304']]);
});
