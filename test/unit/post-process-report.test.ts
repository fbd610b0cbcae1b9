/**
 * What `desgw status` and `desgw post-process` print of a post-processing's verdicts: why exposures
 * were left out (the count per reason code, a few exposure numbers of each) and where every verdict
 * is; a result from before verdicts.json still prints each verdict.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPostProcessingProgress, formatPostProcessingResult } from '../../client/post-process.js';
import type { PostProcessingResult, VerdictSummary } from '../../common/post-processing-contract.js';

const summary: VerdictSummary = {
  file: '/data/postproc_outputs/pp-1/verdicts.json',
  total: 5000,
  passed: [1297759],
  passedBands: ['g'],
  leftOut: [
    { code: 'not-finished', expnums: [1297760, 1297761] },
    { code: 'ccds', expnums: Array.from({ length: 4997 }, (_, i) => 1297762 + i) },
  ],
};

const result: PostProcessingResult = {
  workflowId: 'pp-1',
  season: 1550,
  triggerId: 'S240511i',
  outcome: 'success',
  outputDir: '/data/postproc_outputs/pp-1',
  postProcessingDir: '/data/Post-Processing',
  logFile: '/data/postproc_outputs/pp-1/postproc_run.out',
  listFile: '/data/postproc_outputs/pp-1/complete.list',
  iniFile: '/data/postproc_outputs/pp-1/postproc_1550.ini',
  skipTo: null,
  verdicts: summary,
  grid: { polls: 3, jobsubQCalls: 1, pnfsReads: 300_000, waitedS: 180, pnfsTimeouts: 2 },
  startedAt: '2024-05-12T03:00:00.000Z',
  finishedAt: '2024-05-12T05:00:00.000Z',
};

test('desgw status shows, once judged, how many passed and why the others were left out, by reason code, with the verdicts file', () => {
  const text = formatPostProcessingProgress({
    workflowId: 'pp-1',
    phase: 'judging',
    finished: 5000,
    total: 5000,
    pending: [],
    grid: result.grid,
    verdicts: summary,
  });
  assert.match(
    text,
    /judged 5000: 1 passed; left out: not-finished 2 \(1297760, 1297761\); ccds 4997 \(1297762, 1297763, 1297764 and 4994 more\); every verdict in \/data\/postproc_outputs\/pp-1\/verdicts\.json/,
  );
  assert.match(text, /300000 \/pnfs reads \(2 timed out\)/);
});

test('desgw post-process prints the result with the count per reason code, not a line per exposure', () => {
  const text = formatPostProcessingResult(result);
  assert.match(text, /1 of 5000 exposures passed/);
  assert.match(text, /ccds 4997 \(1297762, .* and 4987 more\)/);
  assert.ok(text.split('\n').length < 30, 'a few lines, whatever the number of exposures');
});

test('a result from before verdicts.json still prints each verdict with its reason', () => {
  const { verdicts: _v, ...older } = result;
  const text = formatPostProcessingResult({
    ...older,
    exposures: [
      { expnum: 941225, band: 'i', nite: '20200304', finished: 'runend', passed: true, reason: 'passes' },
      {
        expnum: 941226,
        band: 'i',
        nite: '20200304',
        finished: null,
        passed: false,
        reason: 'its DAG had not finished',
      },
    ],
    leftOut: [{ expnum: 941226, reason: 'its DAG had not finished' }],
  });
  assert.match(text, /1 of 2 exposures passed/);
  assert.match(text, /941226 i LEFT OUT: its DAG had not finished/);
});
