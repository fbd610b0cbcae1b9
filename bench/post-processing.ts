/**
 * `npm run bench:postproc`: what post-processing's reads of the grid's results cost for a night at
 * the scale of S240511i (297 exposures, BENCH_EXPOSURES to change it), on a synthetic pnfs tree in
 * the temporary directory: one poll of the grid wait (a stat of each pending exposure's RUNEND
 * marker, no jobsub_q) while every DAG runs and once all have finished, and the judging (59 CCD
 * listings and one forced-photometry listing per exposure). Local disk, not dCache: a /pnfs round
 * trip costs more, which is why a poll touches one file per pending exposure and the judging lists
 * an exposure's directories at once. Prints a table and writes bench/postproc-results.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGridWith } from '../activities/check-grid.js';
import { judgeExposuresWith } from '../activities/judge-exposures.js';
import { createPnfsReads, readerProcessFs } from '../activities/support/pnfs-reads.js';
import { expDir, forcephotoDir, runEndFile } from '../activities/support/pnfs-paths.js';
import { ccdDirName, ccdLabel, DECAM_CCDS } from '../common/decam-ccds.js';
import { forcephotoFileNames } from '../common/forcephoto-verdict.js';
import { REPO_ROOT } from '../workers/config.js';

const n = Number(process.env.BENCH_EXPOSURES ?? 297);
const season = 1550;
const nite = '20240512';
const exposures = Array.from({ length: n }, (_, i) => ({ expnum: 1297759 + i, band: 'i', nite }));
const root = await mkdtemp(join(tmpdir(), 'desgw-bench-pnfs-'));

/** The median of `runs` timings of `fn`, in ms. */
async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

try {
  // What the grid leaves: every CCD's tarball (3 CCDs with a FAIL too), forced photometry, RUNEND.
  const t0 = performance.now();
  for (const e of exposures) {
    const dir = expDir(root, season, e);
    await Promise.all(
      DECAM_CCDS.map(async (ccd) => {
        const ccdDir = join(dir, ccdDirName(e.band, ccd));
        await mkdir(ccdDir, { recursive: true });
        await writeFile(join(ccdDir, `outputs_dp${season}_${nite}_${e.expnum}_${e.band}_${ccdLabel(ccd)}.tar.gz`), '');
        if (ccd <= 3) await writeFile(join(ccdDir, 'RUN05_expose_makeWeight.FAIL'), '');
      }),
    );
    const fp = forcephotoDir(root, season, e);
    await mkdir(fp, { recursive: true });
    for (const ccd of DECAM_CCDS.filter((c) => c > 3)) {
      const { fits, psf } = forcephotoFileNames(season, e.expnum, e.band, ccd);
      await writeFile(join(fp, fits), '');
      await writeFile(join(fp, psf), '');
    }
  }
  const made = (performance.now() - t0) / 1000;

  // As the worker reads /pnfs: through its reader process, DESGW_PNFS_READS (16) at once.
  const reads16 = createPnfsReads({ slots: 16, timeoutS: 30, fs: readerProcessFs(16) });
  const poll = () => checkGridWith(reads16, { season, pnfsRoot: root, exposures, askQueue: false });
  const pollRunning = await median(9, poll);
  for (const e of exposures) await writeFile(runEndFile(root, season, e), '');
  const pollDone = await median(9, poll);
  const finished = exposures.map((e) => ({ ...e, finished: 'runend' as const }));
  let reads = 0;
  const judge = await median(5, async () => {
    const r = await judgeExposuresWith(reads16, {
      season,
      pnfsRoot: root,
      minCompleteCcds: 50,
      exposures: finished,
      outputDir: join(root, 'out'),
    });
    reads = r.pnfsReads;
    if (!('summary' in r) || r.summary.passed.length !== n) throw new Error('the synthetic night should pass');
  });

  const results = {
    exposures: n,
    pollWhileRunningMs: Math.round(pollRunning * 10) / 10,
    pollAllFinishedMs: Math.round(pollDone * 10) / 10,
    pollReads: n,
    judgeMs: Math.round(judge),
    judgeReads: reads,
    syntheticTreeSeconds: Math.round(made * 10) / 10,
  };
  console.log(`post-processing's reads of the grid's results, ${n} exposures (local disk, medians):`);
  console.log(`  one poll while every DAG runs: ${results.pollWhileRunningMs} ms, ${n} stats`);
  console.log(`  one poll once all have finished: ${results.pollAllFinishedMs} ms`);
  console.log(`  judging the night: ${results.judgeMs} ms, ${reads} directory listings`);
  await writeFile(join(REPO_ROOT, 'bench', 'postproc-results.json'), JSON.stringify(results, null, 2) + '\n');
} finally {
  await rm(root, { recursive: true, force: true });
}
