/**
 * /pnfs cannot stall the DES machine: its reads run at most DESGW_PNFS_READS at once, in the /pnfs
 * reader process, each abandoned after DESGW_PNFS_TIMEOUT_S and counted; judging and the grid
 * check heartbeat their progress, and a retried attempt resumes where the last one's heartbeat says.
 * Stand-in file systems make reads slow or hang; the reader process and the files are real.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { checkGridWith } from '../../activities/check-grid.js';
import { judgeExposuresWith } from '../../activities/judge-exposures.js';
import type { CheckGridResult, JudgedExposures, JudgeExposuresResult } from '../../activities/post-processing-types.js';
import { createPnfsReads, readerProcessFs, TIMED_OUT, type PnfsFs } from '../../activities/support/pnfs-reads.js';
import type { ExposureVerdict } from '../../common/post-processing-contract.js';
import { loadWorkerConfig } from '../../workers/config.js';
import { checkGridInput, judgeInput } from '../../workflows/judging.js';
import { bigNight, bigNightPnfs } from '../helpers/big-night.js';

let dir: string;
before(async () => void (dir = await mkdtemp(join(tmpdir(), 'desgw-pnfs-'))));
after(() => rm(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('DESGW_PNFS_READS and DESGW_PNFS_TIMEOUT_S default to 16 reads and 30 s; a bad value is refused, naming the setting', () => {
  const config = loadWorkerConfig({});
  assert.equal(config.pnfsReads, 16);
  assert.equal(config.pnfsTimeoutS, 30);
  assert.equal(loadWorkerConfig({ DESGW_PNFS_READS: '4' }).pnfsReads, 4);
  for (const bad of ['0', '2.5', 'many', '1000'])
    assert.throws(
      () => loadWorkerConfig({ DESGW_PNFS_READS: bad }),
      /DESGW_PNFS_READS must be a whole number from 1 to 128/,
    );
  assert.throws(() => loadWorkerConfig({ DESGW_PNFS_TIMEOUT_S: '-1' }), /DESGW_PNFS_TIMEOUT_S/);
});

test('no more than DESGW_PNFS_READS reads run at once, however many are asked for', async () => {
  let running = 0;
  let most = 0;
  const slow: PnfsFs = {
    list: async () => {
      most = Math.max(most, ++running);
      await sleep(5);
      running--;
      return ['x'];
    },
    mtime: async () => null,
  };
  const reads = createPnfsReads({ slots: 4, timeoutS: 30, fs: slow });
  const all = await Promise.all(Array.from({ length: 200 }, (_, i) => reads.list(`/d/${i}`)));
  assert.equal(most, 4);
  assert.ok(all.every((names) => names !== TIMED_OUT && names[0] === 'x'));
});

test('a read that does not answer is abandoned after the timeout and counted as timed out; it keeps its slot until dCache answers', async () => {
  let answer!: () => void;
  const hung = new Promise<void>((r) => (answer = r));
  const fs: PnfsFs = {
    list: async (d) => {
      if (d === '/hung') await hung;
      return ['ok'];
    },
    mtime: async () => null,
  };
  const reads = createPnfsReads({ slots: 1, timeoutS: 0.2, fs });
  const t = Date.now();
  assert.equal(await reads.list('/hung'), TIMED_OUT);
  assert.ok(Date.now() - t < 2000, 'abandoned, not awaited');
  assert.equal(reads.running, 1, 'the hung read still holds its slot');
  assert.equal(await reads.list('/other'), TIMED_OUT, 'no slot came free in time: it is not run beside the hung one');
  answer();
  await sleep(10);
  assert.equal(reads.running, 0);
  assert.deepEqual(await reads.list('/other'), ['ok']);
});

test('the /pnfs reader process lists a directory, an absent one as empty, and gives a file’s mtime or null', async () => {
  const d = join(dir, 'exp');
  await mkdir(d);
  await writeFile(join(d, 'RUNEND_monDiffimg.LOG'), '');
  const reads = createPnfsReads({ slots: 2, timeoutS: 30, fs: readerProcessFs(2) });
  assert.deepEqual(await reads.list(d), ['RUNEND_monDiffimg.LOG']);
  assert.deepEqual(await reads.list(join(dir, 'absent')), []);
  const m = await reads.mtime(join(d, 'RUNEND_monDiffimg.LOG'));
  assert.equal(typeof m, 'number');
  assert.equal(await reads.mtime(join(d, 'absent')), null);
});

test('an exposure whose listings time out is left out as pnfs-timeout, and the timeouts are counted; the others are judged', async () => {
  const run = bigNight(6, join(dir, 'timeouts'));
  const slowOne = run.exposures[2]!.expnum;
  const grid = bigNightPnfs(new Set(run.exposures.map((e) => e.expnum)));
  const fs: PnfsFs = {
    list: async (d) => {
      if (d.includes(`/${slowOne}`)) await sleep(1000);
      return grid.list(d);
    },
    mtime: grid.mtime,
  };
  const reads = createPnfsReads({ slots: 64, timeoutS: 0.2, fs });
  const finished = new Map(run.exposures.map((e) => [e.expnum, 'runend' as const]));
  const r = (await judgeExposuresWith(reads, judgeInput(run, finished))) as JudgedExposures;
  assert.deepEqual(r.summary.leftOut, [{ code: 'pnfs-timeout', expnums: [slowOne] }]);
  assert.equal(r.summary.passed.length, 5);
  assert.equal(r.pnfsTimeouts, 60, "its 59 CCD listings and its forced photometry's");
});

test('a retried judging resumes after the exposures its last attempt recorded: none is listed twice, and verdicts.json holds them all in order', async () => {
  const run = bigNight(40, join(dir, 'resume'));
  const finished = new Map(run.exposures.map((e) => [e.expnum, 'runend' as const]));
  const input = judgeInput(run, finished);
  const grid = bigNightPnfs();
  // The first attempt is cancelled (a lost worker, a timeout) once it is a quarter of the way through.
  const first = new MockActivityEnvironment({ attempt: 1 });
  let recorded: { done: number } | undefined;
  first.on('heartbeat', (d: { done: number }) => (recorded = d));
  const stopAt = run.exposures[10]!.expnum;
  const stopping: PnfsFs = {
    list: async (d) => {
      if (d.includes(`/${stopAt}/`)) first.cancel('TIMED_OUT');
      return grid.list(d);
    },
    mtime: grid.mtime,
  };
  const firstReads = createPnfsReads({ slots: 16, timeoutS: 30, fs: stopping });
  await assert.rejects(first.run(() => judgeExposuresWith(firstReads, input)));
  assert.ok(recorded && recorded.done > 0 && recorded.done < 40, JSON.stringify(recorded));

  const again = bigNightPnfs();
  const second = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: recorded });
  const reads = createPnfsReads({ slots: 16, timeoutS: 30, fs: again });
  const judged: JudgeExposuresResult = await second.run(() => judgeExposuresWith(reads, input));
  assert.ok('summary' in judged, "today's input gets today's result");
  const r = judged;
  assert.ok(r.resumedAt !== undefined && r.resumedAt >= recorded.done, `resumed at ${r.resumedAt}`);
  assert.equal(again.listings, (40 - r.resumedAt) * 60, 'only the exposures not yet judged were listed');
  const file = JSON.parse(await readFile(r.summary.file!, 'utf8')) as { verdicts: ExposureVerdict[] };
  assert.deepEqual(
    file.verdicts.map((v) => v.expnum),
    run.exposures.map((e) => e.expnum),
  );
  assert.equal(r.summary.total, 40);
});

test('a judging with no earlier attempt starts afresh, whatever a partial file in the output directory holds', async () => {
  const out = join(dir, 'fresh');
  const run = bigNight(3, out);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, '.verdicts.partial.jsonl'), `${JSON.stringify({ expnum: run.exposures[0]!.expnum })}\n`);
  const grid = bigNightPnfs();
  const finished = new Map(run.exposures.map((e) => [e.expnum, 'runend' as const]));
  const r = (await judgeExposuresWith(
    createPnfsReads({ slots: 16, timeoutS: 30, fs: grid }),
    judgeInput(run, finished),
  )) as JudgedExposures;
  assert.equal(r.resumedAt, undefined);
  assert.equal(grid.listings, 3 * 60);
});

test('a retried grid check resumes after the stats its last attempt recorded, keeping the RUNENDs it found', async () => {
  const run = bigNight(30);
  let stats = 0;
  const fs: PnfsFs = {
    list: async () => [],
    mtime: async () => {
      stats++;
      return Date.now();
    },
  };
  const found: [number, number][] = run.exposures.slice(0, 12).map((e) => [e.expnum, Date.now()]);
  const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { done: 12, found, timeouts: 0 } });
  const reads = createPnfsReads({ slots: 4, timeoutS: 30, fs });
  const r: CheckGridResult = await env.run(() => checkGridWith(reads, checkGridInput(run, run.exposures, false)));
  assert.equal(stats, 18, 'only the 18 not yet looked at');
  assert.equal(r.finished.length, 30, 'the 12 found before and the 18 found now');
});
