/**
 * `npm run bench:payloads`: what a big night puts into history, payload by payload, as JSON bytes.
 * 5,000 exposures (BENCH_EXPOSURES to change it), every one left out with a reason of kilobytes
 * (test/helpers/big-night.ts), judged by the real activity over a stand-in /pnfs. "before" is what
 * the same night weighed with the verdicts in history (the activity's older result shape, which it
 * still returns to older workflow code, and the result and failure message built from it); "after"
 * is today's: the summary in history, every verdict in verdicts.json. Prints a table and the largest
 * payload, and writes bench/payloads-results.json. Temporal refuses a payload over 2 MB.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeExposuresWith } from '../activities/judge-exposures.js';
import type { JudgedExposures, JudgedVerdicts } from '../activities/post-processing-types.js';
import { createPnfsReads } from '../activities/support/pnfs-reads.js';
import { errorForHistory } from '../common/failures.js';
import { checkGridInput, judgeInput, noExposurePassedMessage, postProcessingResult } from '../workflows/judging.js';
import { buildResult, returnedResult, submittedExposures, withPostProcessing } from '../workflows/result.js';
import type { PostProcessingResult } from '../common/post-processing-contract.js';
import { bigNight, bigNightPnfs } from '../test/helpers/big-night.js';
import { validatedRun } from '../test/helpers/stub-activities.js';
import { REPO_ROOT } from '../workers/config.js';

const n = Number(process.env.BENCH_EXPOSURES ?? 5000);
const bytes = (payload: unknown): number => Buffer.byteLength(JSON.stringify(payload));
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
const dir = await mkdtemp(join(tmpdir(), 'desgw-bench-payloads-'));

try {
  const run = bigNight(n, dir);
  // One exposure passes, so that the post-processing has a result; the rest are left out.
  const judge = () =>
    createPnfsReads({ slots: 16, timeoutS: 30, fs: bigNightPnfs(new Set([run.exposures[0]!.expnum])) });
  const finished = new Map(run.exposures.map((e) => [e.expnum, 'runend' as const]));
  const input = judgeInput(run, finished);
  const t0 = performance.now();
  const now = (await judgeExposuresWith(judge(), input)) as JudgedExposures;
  const judgeMs = performance.now() - t0;
  const { outputDir: _dir, ...olderInput } = input;
  const old = (await judgeExposuresWith(judge(), olderInput)) as JudgedVerdicts;

  const ran = {
    outcome: 'success' as const,
    reason: 'complete',
    logFile: join(dir, 'postproc_run.out'),
    skipTo: null,
    durationMs: 1,
  };
  const facts = {
    workflowId: 'desgw-season-1550-postproc',
    run,
    ran,
    summary: now.summary,
    inputs: { listFile: join(dir, 'list'), iniFile: join(dir, 'ini') },
    grid: { polls: 600, jobsubQCalls: 600, pnfsReads: 3_000_000, waitedS: 36_000 },
    warnings: [],
    startedAt: '2024-05-12T03:00:00.000Z',
    finishedAt: '2024-05-12T15:00:00.000Z',
  };
  const result = postProcessingResult(facts);
  const { verdicts: _summary, ...rest } = result;
  const leftOut = old.verdicts.filter((v) => !v.passed).map((v) => ({ expnum: v.expnum, reason: v.reason ?? '' }));
  const olderResult = { ...rest, exposures: old.verdicts, leftOut };
  const olderMessage = `no exposure passed the grid checks, so run_postproc.py was not started: ${leftOut
    .map((l) => `${l.expnum}: ${errorForHistory(l.reason, 160)}`)
    .join('; ')}`;
  const olderGridInput = {
    season: run.season,
    pnfsRoot: run.pnfsRoot,
    exposures: run.exposures,
    askQueue: true,
    envFile: run.envFile,
  };

  // The parent run: 5,000 submitted exposures, then its post-processing (its result, or its failure).
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
        durationsMs: { total: 244_000 },
      },
    ]),
  );
  const prepared = { rcFile: '/r/rc', rcDiffFile: '/r/rc.diff', rcChanges: [], runDir: validated.runDir };
  const handedOff = buildResult(
    { workflowId: 'desgw-season-1550', season: 1550, run: validated, prepared, startedAt: facts.startedAt },
    outcomes,
    'done',
  );
  const parent = (ended: Parameters<typeof withPostProcessing>[2]) =>
    bytes(returnedResult(withPostProcessing(handedOff, result.workflowId, ended), n, validated.runDir));

  const rows = [
    ['checkGrid input', bytes(olderGridInput), bytes(checkGridInput(run, run.exposures, true))],
    [
      'judgeExposures input',
      bytes({ ...olderInput, columns: undefined, exposures: run.exposures.map((e) => ({ ...e, finished: 'runend' })) }),
      bytes(input),
    ],
    ['judgeExposures result', bytes(old), bytes(now)],
    ['postProcessing result', bytes(olderResult), bytes(result)],
    ['postProcessing failure (none passed)', bytes(olderMessage), bytes(noExposurePassedMessage(now.summary))],
    [
      'postProcessing child input (exposures)',
      bytes(submittedExposures(handedOff)),
      bytes(submittedExposures(handedOff)),
    ],
    [
      'imageProcessing result',
      Math.max(parent(olderResult as PostProcessingResult), parent({ error: olderMessage })),
      Math.max(parent(result), parent({ error: noExposurePassedMessage(now.summary) })),
    ],
  ] as const;
  console.log(
    `what a night of ${n} exposures, all but one left out with long reasons, puts into history (JSON bytes):`,
  );
  console.log(`  ${'payload'.padEnd(38)} ${'before'.padStart(12)} ${'after'.padStart(12)}`);
  for (const [name, before, after] of rows)
    console.log(`  ${name.padEnd(38)} ${kib(before).padStart(12)} ${kib(after).padStart(12)}`);
  const largest = (i: 1 | 2) => rows.reduce((a, r) => (r[i] > a[i] ? r : a));
  const [beforeName, beforeBytes] = [largest(1)[0], largest(1)[1]];
  const [afterName, afterBytes] = [largest(2)[0], largest(2)[2]];
  const file = now.summary.file!;
  console.log(`largest payload before: ${kib(beforeBytes)} (${beforeName})`);
  console.log(`largest payload after:  ${kib(afterBytes)} (${afterName}); limit asserted by the tests: 512 KiB`);
  // Not changed here: resolvePostProcessing's result (every exposure, its job id, submission time and warnings),
  // which a long grid wait also carries across continue-as-new.
  const resolved = bytes(run);
  console.log(`not changed: resolvePostProcessing's result ${kib(resolved)} (Temporal's limit: 2 MB)`);
  console.log(
    `verdicts.json: ${kib((await stat(file)).size)}, judged in ${Math.round(judgeMs)} ms (stand-in /pnfs, no delay)`,
  );
  const results = {
    exposures: n,
    payloads: rows.map(([name, before, after]) => ({ name, beforeBytes: before, afterBytes: after })),
    largestBefore: { name: beforeName, bytes: beforeBytes },
    largestAfter: { name: afterName, bytes: afterBytes },
    verdictsFileBytes: (await stat(file)).size,
    resolvedBytes: resolved,
  };
  await writeFile(join(REPO_ROOT, 'bench', 'payloads-results.json'), JSON.stringify(results, null, 2) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
