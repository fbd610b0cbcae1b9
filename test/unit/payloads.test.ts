/**
 * A big night stays under the payload limits end to end: 5,000 exposures, every one left out with a
 * reason of kilobytes (59 CCDs failed, each at a step of its own, and DAGMaker's warning). The real
 * functions build each payload that reaches history (checkGrid's input, judgeExposures' input and
 * result, the post-processing's result or its failure, the parent run's result and its child's input)
 * and each, serialized as JSON, must stay under 512 KiB; the verdicts themselves are whole in
 * verdicts.json. bench/payloads.ts prints the same sizes beside what the verdicts weighed in history.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { judgeExposuresWith } from '../../activities/judge-exposures.js';
import type { JudgedExposures, RunPostprocResult } from '../../activities/post-processing-types.js';
import { createPnfsReads } from '../../activities/support/pnfs-reads.js';
import type { ExposureVerdict } from '../../common/post-processing-contract.js';
import { describeVerdicts } from '../../common/verdict-summary.js';
import { checkGridInput, judgeInput, noExposurePassedMessage, postProcessingResult } from '../../workflows/judging.js';
import { buildResult, returnedResult, submittedExposures, withPostProcessing } from '../../workflows/result.js';
import { bigNight, bigNightPnfs } from '../helpers/big-night.js';
import { validatedRun } from '../helpers/stub-activities.js';

const LIMIT = 512 * 1024;
const size = (payload: unknown): number => Buffer.byteLength(JSON.stringify(payload));

let dir: string;
before(async () => void (dir = await mkdtemp(join(tmpdir(), 'desgw-payloads-'))));
after(() => rm(dir, { recursive: true, force: true }));

/** Judges the big night with the real activity over the stand-in /pnfs; `passing` pass, the rest are left out. */
async function judged(outputDir: string, passing: number[] = []) {
  const run = bigNight(undefined, outputDir);
  const reads = createPnfsReads({ slots: 16, timeoutS: 30, fs: bigNightPnfs(new Set(passing)) });
  const finished = new Map(run.exposures.map((e) => [e.expnum, 'runend' as const]));
  const input = judgeInput(run, finished);
  const result = (await judgeExposuresWith(reads, input)) as JudgedExposures;
  return { run, input, result };
}

test('at 5,000 exposures checkGrid’s input stays under 512 KiB, with every job id and submission time', () => {
  const run = bigNight();
  const input = checkGridInput(run, run.exposures, true);
  assert.equal(input.pending?.expnums.length, 5000);
  assert.equal(input.pending?.jobIds.filter((j) => j !== null).length, 5000);
  assert.ok(size(input) < LIMIT, `${size(input)} bytes`);
});

test('at 5,000 exposures all left out with long reasons, judging’s input and result stay under 512 KiB; verdicts.json holds every reason whole', async () => {
  const out = join(dir, 'all-left-out');
  const { input, result } = await judged(out);
  assert.ok(size(input) < LIMIT, `input ${size(input)} bytes`);
  assert.ok(size(result) < LIMIT, `result ${size(result)} bytes`);
  assert.equal(result.summary.total, 5000);
  assert.deepEqual(result.summary.passed, []);
  assert.deepEqual(
    result.summary.leftOut.map((l) => [l.code, l.expnums.length]),
    [['no-templates', 5000]],
  );
  assert.equal(result.summary.file, join(out, 'verdicts.json'));
  const file = JSON.parse(await readFile(result.summary.file!, 'utf8')) as { verdicts: ExposureVerdict[] };
  assert.equal(file.verdicts.length, 5000);
  assert.ok(
    file.verdicts.every((v) => (v.reason?.length ?? 0) > 1000 && v.reason!.startsWith('DAGMaker warned')),
    'every reason is long, whole, and says it was foretold',
  );
  assert.ok((await stat(result.summary.file!)).size > 10 * LIMIT, 'what stayed out of history is far larger');
  const message = noExposurePassedMessage(result.summary);
  assert.ok(size(message) < LIMIT, `failure message ${size(message)} bytes`);
  assert.match(
    message,
    /5000 left out: no-templates 5000 \(1297759, 1297760, 1297761 and 4997 more\); every verdict in \S+verdicts\.json/,
  );
});

test('at 5,000 exposures, the post-processing’s result and the parent run’s result stay under 512 KiB, and say why exposures were left out', async () => {
  const out = join(dir, 'one-passes');
  const { run, result } = await judged(out, [1297759]);
  assert.deepEqual(result.summary.passed, [1297759]);
  const ran: RunPostprocResult = {
    outcome: 'success',
    reason: 'complete',
    masterHtml: join(out, 'index.html'),
    logFile: join(out, 'postproc_run.out'),
    skipTo: null,
    durationMs: 3_600_000,
  };
  const pp = postProcessingResult({
    workflowId: 'desgw-season-1550-postproc',
    run,
    ran,
    summary: result.summary,
    inputs: { listFile: join(out, 'complete.list'), iniFile: join(out, 'postproc_1550.ini') },
    grid: { polls: 600, jobsubQCalls: 600, pnfsReads: 3_000_000, waitedS: 36_000 },
    warnings: [],
    startedAt: '2024-05-12T03:00:00.000Z',
    finishedAt: '2024-05-12T15:00:00.000Z',
  });
  assert.ok(size(pp) < LIMIT, `post-processing result ${size(pp)} bytes`);
  assert.match(describeVerdicts(pp.verdicts!), /^judged 5000: 1 passed; left out: no-templates 4999 \(1297760, /);

  // The parent: 5,000 submitted exposures, each with DAGMaker's warnings, then its post-processing.
  const validated = validatedRun(run.exposures.map((e) => e.expnum));
  const outcomes = new Map(
    run.exposures.map((e) => [
      e.expnum,
      {
        expnum: e.expnum,
        status: 'submitted' as const,
        jobId: e.jobId!,
        warnings: e.warnings!,
        attempts: { dagmaker: 1, submit: 1 },
        durationsMs: { dagmaker: 240_000, submit: 4_000, total: 244_000 },
      },
    ]),
  );
  const facts = {
    workflowId: 'desgw-season-1550',
    season: 1550,
    run: validated,
    prepared: { rcFile: '/r/rc', rcDiffFile: '/r/rc.diff', rcChanges: [], runDir: validated.runDir },
    startedAt: '2024-05-12T00:00:00.000Z',
  };
  const handedOff = buildResult(facts, outcomes, 'done');
  const childInput = submittedExposures(handedOff);
  assert.equal(childInput.length, 5000);
  assert.ok(size(childInput) < LIMIT, `post-processing's exposures ${size(childInput)} bytes`);
  for (const ended of [pp, { error: noExposurePassedMessage(result.summary) }]) {
    const parent = returnedResult(withPostProcessing(handedOff, pp.workflowId, ended), 5000, validated.runDir);
    assert.ok(size(parent) < LIMIT, `parent result ${size(parent)} bytes`);
    assert.equal(parent.counts.submitted, 5000);
  }
});
