import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExposureResult, ImageProcessingResult } from '../../common/contract.js';
import { formatResult, TRIES_LEGEND } from '../../client/report.js';

const exposure = (expnum: number, band: string, extra: Partial<ExposureResult> = {}): ExposureResult => ({
  expnum,
  band,
  nite: '20200304',
  status: 'submitted',
  jobId: `${48213000 + (expnum % 100)}.0@jobsub01.fnal.gov`,
  warnings: [],
  attempts: { dagmaker: 1, submit: 1 },
  durationsMs: { total: 900 },
  ...extra,
});

function result(exposures: ExposureResult[]): ImageProcessingResult {
  return {
    workflowId: 'desgw-season-2206',
    season: 2206,
    nites: ['20200304'],
    gwWorkflowDir: '/site/gw_workflow',
    runDir: '/site/desgw_runs/desgw-season-2206',
    outputDir: '/site/image_proc_outputs',
    outputFiles: { outputTxt: '/site/run/output.txt', manifest: '/site/run/manifest.json' },
    duplicatesDropped: [],
    rcChanges: [],
    exposures,
    counts: {
      total: exposures.length,
      submitted: exposures.filter((e) => e.status === 'submitted').length,
      failed: exposures.filter((e) => e.status === 'failed').length,
    },
    startedAt: '2026-11-27T00:00:00Z',
    finishedAt: '2026-11-27T00:01:00Z',
  };
}

test('the TRIES legend is printed under the table', () => {
  const lines = formatResult(result([exposure(941225, 'i'), exposure(941226, 'i')])).split('\n');
  const last = lines.findIndex((l) => l.startsWith('941226 '));
  assert.equal(lines[last + 1], TRIES_LEGEND);
});

test('the TRIES legend is one line saying what the two numbers are and that every attempt counts', () => {
  assert.ok(!TRIES_LEGEND.includes('\n'));
  assert.match(TRIES_LEGEND, /^TRIES: DAGMaker attempts \+ submission attempts, every attempt counted/);
  const header = formatResult(result([exposure(941225, 'i')]))
    .split('\n')
    .find((l) => l.startsWith('EXPNUM'))!;
  assert.match(header, /TRIES/);
});

test('a long run whose exposures are left to the manifest prints no legend for a table it does not print', () => {
  const r = { ...result([]), counts: { total: 2000, submitted: 2000, failed: 0 } };
  const text = formatResult(r);
  assert.match(text, /\(2000 exposures: each one's result is in the manifest\)/);
  assert.doesNotMatch(text, /^TRIES:/m);
});
