/**
 * The verdicts summed up for history: exposure numbers by reason code. Verdicts of older histories
 * (reasons in words, no codes) are summed up the same way, so that replaying them takes today's path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExposureVerdict } from '../../common/post-processing-contract.js';
import { describeVerdicts, summarize } from '../../common/verdict-summary.js';
import { carriedSummary, judgedSummary } from '../../workflows/judging.js';

const ccds = (complete: number) => ({ complete, failed: 59 - complete, incomplete: 0, failSteps: [] });
const older: ExposureVerdict[] = [
  { expnum: 1, band: 'i', nite: '20240512', finished: 'runend', passed: true, ccds: ccds(59), reason: 'passes' },
  {
    expnum: 2,
    band: 'z',
    nite: '20240512',
    finished: null,
    passed: false,
    reason: 'its DAG had not finished on the grid',
  },
  {
    expnum: 3,
    band: 'i',
    nite: '20240512',
    finished: 'left-queue',
    passed: false,
    ccds: ccds(0),
    reason: 'DAGMaker warned: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL; 0/59 complete, 59 failed',
  },
  {
    expnum: 4,
    band: 'g',
    nite: '20240512',
    finished: 'runend',
    passed: false,
    ccds: ccds(12),
    reason: '12/59 complete',
  },
  {
    expnum: 5,
    band: 'r',
    nite: '20240512',
    finished: 'runend',
    passed: false,
    ccds: ccds(55),
    reason: 'forced photometry 3/110',
  },
  { expnum: 6, band: 'g', nite: '20240512', finished: 'runend', passed: true, ccds: ccds(58), reason: 'passes' },
];

test("an older history's verdicts (reasons in words, no codes) are summed up by reason code, as today's are", () => {
  const r = judgedSummary({ verdicts: older, pnfsReads: 300 }, 50);
  assert.deepEqual(r.summary, {
    total: 6,
    passed: [1, 6],
    passedBands: ['i', 'g'],
    leftOut: [
      { code: 'not-finished', expnums: [2] },
      { code: 'no-templates', expnums: [3] },
      { code: 'ccds', expnums: [4] },
      { code: 'forcephoto', expnums: [5] },
    ],
  });
  assert.equal(r.pnfsReads, 300);
  assert.deepEqual(
    carriedSummary({ verdicts: older }, 50),
    r.summary,
    'what an older checkout wait carried across continue-as-new reads the same',
  );
});

test('a summary says, in a line, how many passed and why the others were left out, a few of each, and where every verdict is', () => {
  const many: ExposureVerdict[] = Array.from({ length: 4990 }, (_, i) => ({
    expnum: 1000 + i,
    band: 'i',
    nite: '20240512',
    finished: 'runend',
    passed: false,
    code: 'ccds',
  }));
  const s = summarize(many, 50, '/out/verdicts.json');
  assert.equal(
    describeVerdicts(s),
    'judged 4990: 0 passed; left out: ccds 4990 (1000, 1001, 1002 and 4987 more); every verdict in /out/verdicts.json',
  );
});
