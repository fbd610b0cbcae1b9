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
  });
});
