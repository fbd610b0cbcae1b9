/**
 * judgeExposures on real files in a /pnfs-shaped tree: an exposure processed before under the same
 * season left FAIL markers, tarballs and forced-photometry files there (their times set with utimes
 * to three days before); only what this DAG wrote (at or after its submission, less ten seconds'
 * slack) is counted.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeExposuresWith } from '../../activities/judge-exposures.js';
import type { JudgeExposuresInput } from '../../activities/post-processing-types.js';
import { createPnfsReads, readerProcessFs } from '../../activities/support/pnfs-reads.js';

/** The judging as the worker runs it: /pnfs read through its reader process, capped (older input: the verdicts returned). */
const reads = createPnfsReads({ slots: 4, timeoutS: 30, fs: readerProcessFs(4) });
const judgeExposures = async (input: JudgeExposuresInput) => {
  const r = await judgeExposuresWith(reads, input);
  if (!('verdicts' in r)) throw new Error('older input returns the verdicts');
  return r;
};
import { ccdDirName, ccdLabel, DECAM_CCDS } from '../../common/decam-ccds.js';
import { forcephotoFileNames } from '../../common/forcephoto-verdict.js';

const SEASON = 1550;
const NITE = '20240511';
const SUBMITTED = new Date(Date.now() - 3600_000); // this DAG: submitted an hour ago
const EARLIER = new Date(SUBMITTED.getTime() - 3 * 24 * 3600_000); // an earlier DAG: three days before that
const JUST_BEFORE = new Date(SUBMITTED.getTime() - 5_000); // within the clocks' slack: this DAG's

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function file(path: string, when: Date): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, 'x');
  await utimes(path, when, when);
}

const ccdDir = (root: string, expnum: number, ccd: number) =>
  join(root, 'exp', NITE, String(expnum), `dp${SEASON}`, ccdDirName('i', ccd));
const tarball = (expnum: number, ccd: number) => `outputs_dp${SEASON}_${NITE}_${expnum}_i_${ccdLabel(ccd)}.tar.gz`;
const fpDir = (root: string, expnum: number) => join(root, 'forcephoto', 'images', `dp${SEASON}`, NITE, String(expnum));

/** Every CCD's tarball and forced photometry as this DAG writes them, an hour after its submission's start. */
async function thisDagsResults(root: string, expnum: number, when = new Date()): Promise<void> {
  for (const ccd of DECAM_CCDS) {
    await file(join(ccdDir(root, expnum, ccd), tarball(expnum, ccd)), when);
    for (const n of Object.values(forcephotoFileNames(SEASON, expnum, 'i', ccd)))
      await file(join(fpDir(root, expnum), n), when);
  }
}

const exposure = (expnum: number, submittedAt?: Date) => ({
  expnum,
  band: 'i',
  nite: NITE,
  finished: 'runend' as const,
  ...(submittedAt ? { submittedAt: submittedAt.toISOString() } : {}),
});

test('an earlier DAG’s FAIL files in CCDs this DAG completed do not fail the exposure, and the reason says they were not counted', async () => {
  const root = await mkdtemp(join(tmpdir(), 'desgw-pnfs-'));
  roots.push(root);
  await thisDagsResults(root, 1297759);
  // The earlier DAG failed 12 CCDs (more than the 9 this exposure can spare).
  for (const ccd of DECAM_CCDS.slice(0, 12))
    await file(join(ccdDir(root, 1297759, ccd), 'RUN05_expose_makeWeight.FAIL'), EARLIER);
  const r = await judgeExposures({
    season: SEASON,
    pnfsRoot: root,
    minCompleteCcds: 50,
    exposures: [exposure(1297759, SUBMITTED)],
  });
  const v = r.verdicts[0]!;
  assert.equal(v.passed, true, v.reason);
  assert.deepEqual(v.ccds, { complete: 59, failed: 0, incomplete: 0, failSteps: [] });
  assert.match(v.reason ?? '', /12 FAIL files or tarballs of an earlier DAG not counted/);
});

test('an earlier DAG’s tarballs and forced photometry do not pass an exposure this DAG wrote nothing for', async () => {
  const root = await mkdtemp(join(tmpdir(), 'desgw-pnfs-'));
  roots.push(root);
  await thisDagsResults(root, 1297760, EARLIER);
  const r = await judgeExposures({
    season: SEASON,
    pnfsRoot: root,
    minCompleteCcds: 50,
    exposures: [exposure(1297760, SUBMITTED)],
  });
  const v = r.verdicts[0]!;
  assert.equal(v.passed, false);
  assert.deepEqual(v.ccds?.complete, 0);
  assert.deepEqual(v.ccds?.incomplete, 59);
  assert.equal(v.forcephoto?.outcome, 'too-few');
  assert.match(v.reason ?? '', /59 FAIL files or tarballs of an earlier DAG not counted/);
  // Each file's time was read: one listing per directory, one stat per file.
  assert.equal(r.pnfsReads, 59 + 59 + 1 + 118);
});

test('a file written within ten seconds before the submission (the clocks differ) is this DAG’s, and this DAG’s FAIL still counts', async () => {
  const root = await mkdtemp(join(tmpdir(), 'desgw-pnfs-'));
  roots.push(root);
  await thisDagsResults(root, 1297761, JUST_BEFORE);
  await file(join(ccdDir(root, 1297761, 5), 'RUN22_diffimg.FAIL'), new Date());
  const r = await judgeExposures({
    season: SEASON,
    pnfsRoot: root,
    minCompleteCcds: 50,
    exposures: [exposure(1297761, SUBMITTED)],
  });
  const v = r.verdicts[0]!;
  assert.deepEqual(v.ccds, {
    complete: 58,
    failed: 1,
    incomplete: 0,
    failSteps: [{ step: 'RUN22_diffimg', ccds: [5] }],
  });
  // The forced photometry written just before counts too (118 files; 116 expected of 58 complete CCDs).
  assert.equal(v.forcephoto?.found, 118);
  assert.doesNotMatch(v.reason ?? '', /earlier DAG/);
});

test('without the submission time (a legacy output.txt) every file counts, and no file time is read', async () => {
  const root = await mkdtemp(join(tmpdir(), 'desgw-pnfs-'));
  roots.push(root);
  await thisDagsResults(root, 1297762);
  for (const ccd of DECAM_CCDS.slice(0, 12))
    await file(join(ccdDir(root, 1297762, ccd), 'RUN05_expose_makeWeight.FAIL'), EARLIER);
  const r = await judgeExposures({
    season: SEASON,
    pnfsRoot: root,
    minCompleteCcds: 50,
    exposures: [exposure(1297762)],
  });
  assert.equal(r.verdicts[0]!.ccds?.failed, 12);
  assert.equal(r.verdicts[0]!.passed, false);
  assert.equal(r.pnfsReads, 59 + 1);
});
