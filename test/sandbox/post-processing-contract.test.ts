/**
 * Contract tests of the sandbox's second half of the night: the grid that "runs" a submitted DAG
 * (sandbox/lib/grid-run.sh, started by jobsub_submit_dag) and the Post-Processing checkout
 * (sandbox/post-processing/, installed by make-site.sh as DEST/Post-Processing). The grid's
 * results are judged with the project's own rules (common/ccd-verdict.ts, forcephoto-verdict.ts),
 * and the checkout is driven with the project's ini and list writers, so both sides of each
 * contract are checked together. Every test works on a fresh site in a temporary directory.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readLedger, waitFor as waitForIt, type LedgerEvent } from '../helpers/sandbox-ledger.js';
import { judgeCcds, type CcdListing } from '../../common/ccd-verdict.js';
import { DECAM_CCDS, ccdDirName, ccdLabel } from '../../common/decam-ccds.js';
import { forcephotoFileNames, judgeForcephoto } from '../../common/forcephoto-verdict.js';
import { completeExposuresFileName, formatCompleteExposures } from '../../common/complete-exposures.js';
import { POSTPROC_TEMPLATE_VALUES, postprocIniFileName, readPostprocGeneral, writePostprocIni } from '../../common/postproc-ini.js';
import { decideSkipTo } from '../../common/skip-to.js';
import { judgePostprocEnd } from '../../common/postproc-status.js';
import { findSilentFailures } from '../../common/postproc-markers.js';
import { setIniValues } from '../../common/configparser.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const makeSiteScript = path.join(repoRoot, 'sandbox', 'make-site.sh');

const baseEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('DESGW_') && !e[0].startsWith('SANDBOX_') && e[0] !== 'SEASON' && !e[0].startsWith('TOPDIR_') && e[0] !== 'ROOTDIR',
  ),
);
const fastEnv = {
  SANDBOX_SETUP_SECONDS: '0.05',
  SANDBOX_DAGMAKER_MIN_SECONDS: '0.1',
  SANDBOX_DAGMAKER_MAX_SECONDS: '0.2',
  SANDBOX_SUBMIT_SECONDS: '0.02',
  SANDBOX_EXPINFO_SECONDS: '0.05',
  SANDBOX_GRID_SECONDS: '1',
  SANDBOX_POSTPROC_SECONDS: '0.3',
};
const SEASON = 2206;
const NITE = '20200304';

interface Site {
  root: string;
  gw: string;
  pp: string;
  state: string;
  faults: string;
  pnfs: string;
}
const sites: Site[] = [];
const tmpDirs: string[] = [];
after(async () => {
  // Stop grid runs still going (held or long ones) before removing their sites.
  for (const site of sites) await execa('bash', [path.join(site.root, 'lib', 'grid-run.sh'), 'stop-all'], { env: { ...baseEnv, DESGW_SANDBOX_ROOT: site.root }, extendEnv: false, reject: false });
  for (const dir of tmpDirs) await rm(dir, { recursive: true, force: true });
});

async function makeSite(extra: Record<string, string> = {}): Promise<Site> {
  const root = await mkdtemp(path.join(tmpdir(), 'desgw-pp-test-'));
  tmpDirs.push(root);
  const r = await execa('bash', [makeSiteScript, root], { env: { ...baseEnv, ...fastEnv, ...extra }, extendEnv: false, reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  const site = {
    root,
    gw: path.join(root, 'gw_workflow'),
    pp: path.join(root, 'Post-Processing'),
    state: path.join(root, 'state'),
    faults: path.join(root, 'state', 'faults'),
    pnfs: path.join(root, 'pnfs', 'des', 'persistent', 'gw'),
  };
  sites.push(site);
  return site;
}

/** Runs `cmd args…` in `cwd` after sourcing the site's setup_img_proc.sh (its output discarded). */
function inSetup(site: Site, cwd: string, cmd: string, args: string[] = []) {
  return execa('bash', ['-c', 'source "$0" >/dev/null && exec "$@"', path.join(site.gw, 'setup_img_proc.sh'), cmd, ...args], { cwd, env: baseEnv, extendEnv: false, reject: false });
}

/** A bash script run in the Post-Processing checkout with a clean environment; extra variables as given. */
function inCheckout(site: Site, script: string, env: Record<string, string> = {}) {
  return execa('bash', ['-c', script], { cwd: site.pp, env: { ...baseEnv, ...env }, extendEnv: false, reject: false });
}
/** The command the workflow will run: one bash, setup sourced, links refreshed, run_postproc.py, output to postproc_run.out. */
const RUN = (args: string) => `source diffimg_setup.sh && ./update_forcephoto_links.sh && python run_postproc.py ${args} >postproc_run.out 2>&1`;

const ledger = (site: Site): Promise<LedgerEvent[]> => readLedger(site.state);
const events = async (site: Site, name: string) => (await ledger(site)).filter((e) => e.event === name);

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15000): Promise<T> =>
  waitForIt(what, probe, timeoutMs);

/** DAGMaker then jobsub_submit_dag for each exposure, in the gw_workflow directory; the job ids. */
async function submit(site: Site, expnums: number[]): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  for (const e of expnums) {
    const d = await inSetup(site, site.gw, './DAGMaker.sh', [String(e)]);
    assert.equal(d.exitCode, 0, d.stdout);
    const s = await inSetup(site, site.gw, 'jobsub_submit_dag', ['-G', 'des', '--role=desgw', `file://desgw_pipeline_${e}.dag`]);
    assert.equal(s.exitCode, 0, s.stderr);
    const id = /^Use job id (\S+) to retrieve output$/m.exec(s.stdout)?.[1];
    assert.ok(id, s.stdout);
    ids.set(e, id);
  }
  return ids;
}

/** Sets WRITEDB in the site's dagmaker.rc (the sandbox's reads off, as the real template advises for tests). */
async function setWriteDb(site: Site, value: 'on' | 'off'): Promise<void> {
  const rc = path.join(site.gw, 'dagmaker.rc');
  await writeFile(rc, (await readFile(rc, 'utf8')).replace(/^WRITEDB=.*$/m, `WRITEDB=${value}`));
}

/** The sandbox database's SNCAND rows of a season: [SNID, EXPNUM, CCD]. */
async function sncand(site: Site, season = SEASON): Promise<[number, number, number][]> {
  const text = await readFile(path.join(site.state, 'db', 'SNCAND.tsv'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((c) => c[0] === String(season))
    .map((c) => [Number(c[1]), Number(c[2]), Number(c[5])]);
}

const gridDone = (site: Site, expnum: number) => waitFor(`grid_done of ${expnum}`, async () => (await events(site, 'grid_done')).find((e) => e.expnum === expnum));
const expDir = (site: Site, expnum: number) => path.join(site.pnfs, 'exp', NITE, String(expnum), `dp${SEASON}`);
const fpDir = (site: Site, expnum: number) => path.join(site.pnfs, 'forcephoto', 'images', `dp${SEASON}`, NITE, String(expnum));
const runEnd = (site: Site, expnum: number) => path.join(expDir(site, expnum), 'RUNEND_monDiffimg.LOG');
const ls = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** What the workflow's activity will list: the files of each CCD directory. */
async function ccdListing(site: Site, expnum: number, band = 'i'): Promise<CcdListing> {
  const out: Record<number, string[]> = {};
  for (const c of DECAM_CCDS) out[c] = await ls(path.join(expDir(site, expnum), ccdDirName(band, c)));
  return out;
}

async function jobsubQ(site: Site): Promise<string> {
  const q = await inSetup(site, site.gw, 'jobsub_q', ['-G', 'des', '--user', 'desgw']);
  assert.equal(q.exitCode, 0, q.stderr);
  return q.stdout;
}
const listed = (q: string, jobid: string) => q.split('\n').find((l) => l.startsWith(`${jobid} `));

describe('the sandbox grid', () => {
  test('a submitted DAG: 59 empty CCD directories at once, results after the delay with RUNEND last, jobsub_q lists the job until then', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '3' });
    const ids = await submit(site, [941226]);
    const jobid = ids.get(941226)!;
    // At submission: all 59 directories, nothing in them; the job is running.
    const dirs = (await ls(expDir(site, 941226))).sort();
    assert.deepEqual(dirs, DECAM_CCDS.map((c) => `i_${ccdLabel(c)}`).sort());
    assert.equal(judgeCcds(await ccdListing(site, 941226)).counts.incomplete, 59, 'counting directories says nothing');
    assert.match(listed(await jobsubQ(site), jobid) ?? '', /\sR\s/);
    // Half time: some CCDs are done, no RUNEND yet, the job still listed.
    await waitFor('grid_half', async () => ((await events(site, 'grid_half')).length ? true : undefined));
    const midway = judgeCcds(await ccdListing(site, 941226));
    assert.ok(midway.counts.incomplete >= 29 && midway.counts.incomplete < 59, `midway: ${JSON.stringify(midway.counts)}`);
    assert.equal(existsSync(runEnd(site, 941226)), false);
    assert.ok(listed(await jobsubQ(site), jobid), 'listed until it has finished');
    // Done: the verdicts the project computes agree with what the grid says it wrote.
    const done = await gridDone(site, 941226);
    const submitted = (await events(site, 'submit'))[0]!;
    assert.ok(done.ts - submitted.ts >= 3, `took ${done.ts - submitted.ts} s`);
    const verdict = judgeCcds(await ccdListing(site, 941226));
    assert.deepEqual(verdict.counts, { complete: done.complete, failed: done.failed, incomplete: done.incomplete, total: 59 });
    assert.ok(verdict.passed);
    assert.ok(verdict.counts.failed >= 1 && verdict.counts.failed <= 3, 'a few FAILs, fixed per exposure');
    for (const s of verdict.failSteps) assert.match(s.step, /^(expose_makeStarCat|expose_makeWeight|combined\+expose_filterObj)$/);
    for (const c of verdict.failed) {
      const files = await ls(path.join(expDir(site, 941226), ccdDirName('i', c)));
      assert.ok(files.includes(`outputs_dp${SEASON}_${NITE}_941226_i_${ccdLabel(c)}.tar.gz`), 'the tarball is copied after a failure too');
    }
    const fp = await ls(fpDir(site, 941226));
    const fpVerdict = judgeForcephoto({ band: 'i', completeCcds: verdict.complete, files: fp });
    assert.deepEqual([fpVerdict.outcome, fpVerdict.found, done.forcephoto], ['complete', 2 * verdict.counts.complete, 2 * verdict.counts.complete]);
    for (const c of verdict.complete) assert.ok(fp.includes(forcephotoFileNames(SEASON, 941226, 'i', c).psf));
    // RUNEND is written last, then the job leaves the queue.
    const endAt = (await stat(runEnd(site, 941226))).mtimeMs;
    for (const c of DECAM_CCDS) {
      for (const f of await ls(path.join(expDir(site, 941226), ccdDirName('i', c)))) {
        assert.ok((await stat(path.join(expDir(site, 941226), ccdDirName('i', c), f))).mtimeMs <= endAt, `${f} before RUNEND`);
      }
    }
    const q = await jobsubQ(site);
    assert.equal(listed(q, jobid), undefined);
    assert.match(q, /^0 total; /m);
    assert.equal((await readFile(path.join(site.state, 'jobs.tsv'), 'utf8')).split('\t')[5], 'C');
    assert.equal(done.runend, true);
  });

  test('the same exposure gives the same results; state/grid_durations overrides the delay per exposure', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '60' });
    await writeFile(path.join(site.state, 'grid_durations'), '941227 0.4\n');
    const ids = await submit(site, [941227, 941228]);
    const done = await gridDone(site, 941227);
    assert.equal(existsSync(runEnd(site, 941228)), false, '941228 takes the knob\'s 60 s');
    assert.ok(listed(await jobsubQ(site), ids.get(941228)!));
    const other = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await submit(other, [941227]);
    const again = await gridDone(other, 941227);
    assert.deepEqual([again.complete, again.failed, again.incomplete], [done.complete, done.failed, done.incomplete]);
    assert.deepEqual(await ccdListing(other, 941227), await ccdListing(site, 941227));
    // stop-all ends the long run: no results ever, the job stays listed (as a grid that lost it).
    const stop = await execa('bash', [path.join(site.root, 'lib', 'grid-run.sh'), 'stop-all'], { env: { ...baseEnv, DESGW_SANDBOX_ROOT: site.root }, extendEnv: false });
    assert.match(stop.stdout, /^1 grid run\(s\) stopped$/);
    assert.equal((await events(site, 'grid_stopped')).length, 1);
    await sleep(300);
    assert.equal(judgeCcds(await ccdListing(site, 941228)).counts.incomplete, 59);
  });

  test('faults: a bad exposure, an incomplete one, forced photometry short, half, extra or none, a held job, no RUNEND', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.5' });
    const faults: [string, string][] = [
      ['grid_bad.941225', ''],
      ['grid_incomplete.941226', ''],
      ['grid_forcephoto.941227', 'partial'],
      ['grid_forcephoto.941228', 'half'],
      ['grid_forcephoto.941229', 'extra'],
      ['grid_forcephoto.941230', 'none'],
      ['grid_held.941231', ''],
      ['grid_no_runend.941232', ''],
    ];
    for (const [f, v] of faults) await writeFile(path.join(site.faults, f), v);
    const ids = await submit(site, [941225, 941226, 941227, 941228, 941229, 941230, 941231, 941232]);
    for (const e of [941225, 941226, 941227, 941228, 941229, 941230, 941232]) await gridDone(site, e);
    const verdict = async (e: number, band = 'i') => judgeCcds(await ccdListing(site, e, band));
    const fp = async (e: number, band = 'i') => judgeForcephoto({ band, completeCcds: (await verdict(e, band)).complete, files: await ls(fpDir(site, e)) });

    const bad = await verdict(941225);
    assert.equal(bad.passed, false);
    assert.ok(bad.counts.failed >= 30 && bad.failSteps.some((s) => s.step === 'expose_makeWeight' && s.ccds.length >= 30), JSON.stringify(bad.failSteps));
    const incomplete = await verdict(941226);
    assert.equal(incomplete.passed, false);
    assert.ok(incomplete.counts.incomplete >= 20);

    const partial = await fp(941227);
    assert.equal(partial.outcome, 'partial');
    assert.equal(partial.missingCcds.length, 3);
    assert.equal((await fp(941228)).outcome, 'too-few');
    assert.equal((await fp(941229)).outcome, 'too-many');
    assert.equal((await fp(941230)).outcome, 'too-few');
    assert.equal((await fp(941230)).found, 0);

    // Held: status H in jobsub_q, no results, no RUNEND, ever.
    await waitFor('grid_held', async () => ((await events(site, 'grid_held')).length ? true : undefined));
    await sleep(800);
    assert.match(listed(await jobsubQ(site), ids.get(941231)!) ?? '', /\sH\s/);
    assert.equal((await verdict(941231, 'g')).counts.incomplete, 59);
    // No RUNEND: the results are there and the job has left the queue, but the marker never comes.
    assert.equal(existsSync(runEnd(site, 941232)), false);
    assert.equal(listed(await jobsubQ(site), ids.get(941232)!), undefined);
    assert.ok((await verdict(941232, 'g')).passed);
    for (const [f] of faults) assert.equal(existsSync(path.join(site.faults, f)), false, `${f} consumed`);
    assert.equal((await events(site, 'fault')).filter((e) => String(e.fault).startsWith('grid_')).length, faults.length);
  });

  test('the database stand-in: with WRITEDB=on each exposure\'s complete CCDs put 1-2 candidates in SNCAND, none on a failed CCD nor without templates; with WRITEDB=off none at all', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await setWriteDb(site, 'off');
    await submit(site, [941225]);
    assert.equal((await gridDone(site, 941225)).candidates, 0);
    assert.deepEqual(await sncand(site), [], 'WRITEDB=off: the grid writes nothing to the database');
    assert.match(await readFile(path.join(site.gw, 'mytemp_941225', 'RUN_DIFFIMG_PIPELINE.cmd'), 'utf8'), /NOPROMPT\n$/);
    await setWriteDb(site, 'on');
    await submit(site, [941226, 941227, 941238]);
    for (const e of [941226, 941227, 941238]) await gridDone(site, e);
    assert.match(await readFile(path.join(site.gw, 'mytemp_941226', 'RUN_DIFFIMG_PIPELINE.cmd'), 'utf8'), /NOPROMPT -writeDB\n$/);
    const rows = await sncand(site);
    for (const e of [941226, 941227]) {
      const mine = rows.filter((r) => r[1] === e);
      assert.ok(mine.length >= 1 && mine.length <= 2, `${e}: ${JSON.stringify(mine)}`);
      const v = judgeCcds(await ccdListing(site, e));
      for (const [, , ccd] of mine) assert.ok(v.complete.includes(ccd), `${e}: CCD ${ccd} is complete`);
      assert.equal((await events(site, 'grid_done')).find((d) => d.expnum === e)?.candidates, mine.length);
    }
    assert.equal(rows.filter((r) => r[1] === 941238).length, 0, 'no templates: every CCD failed, no candidate');
    assert.ok(rows.every((r) => Math.floor(r[0] / 100000) === SEASON), 'SNIDs of the season');
  });

  test('a DAG without templates (no RUNMON.sh job) fails on every CCD and writes no RUNEND', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    const ids = await submit(site, [941238]);
    const done = await gridDone(site, 941238);
    assert.equal(done.runend, false);
    const v = judgeCcds(await ccdListing(site, 941238, 'Y'));
    assert.equal(v.counts.failed, 59);
    assert.equal(existsSync(runEnd(site, 941238)), false);
    assert.equal(listed(await jobsubQ(site), ids.get(941238)!), undefined, 'the job has left the queue: that is how its end shows');
  });
});

/** The night before post-processing: the demo's i-band exposures through the grid. */
const NIGHT = [941225, 941226, 941227, 941228, 941229, 941230];

async function gridNight(site: Site, expnums = NIGHT, writeDb: 'on' | 'off' = 'on'): Promise<void> {
  await setWriteDb(site, writeDb);
  await submit(site, expnums);
  for (const e of expnums) await gridDone(site, e);
}

/** postproc_<S>.ini and the complete_exposures list written into the checkout as the workflow will. */
async function writeInputs(site: Site, opts: { expnums?: number[]; outdir?: string; triggerMjd?: number; season?: number } = {}): Promise<{ outdir: string; list: string }> {
  const season = opts.season ?? SEASON;
  const list = completeExposuresFileName(season, new Date());
  await writeFile(path.join(site.pp, list), formatCompleteExposures(opts.expnums ?? NIGHT));
  const outdir = opts.outdir ?? path.join(site.root, 'postproc-out');
  const template = await readFile(path.join(site.pp, 'postproc.ini'), 'utf8');
  const written = writePostprocIni(template, { season, exposuresListfile: list, bands: ['i'], triggerId: 'S200304x', triggerMjd: 58912.05, propid: '2019B-0372', outdir });
  // The writer refuses the template's GW170814 values: a test of the legacy trap plants one afterwards.
  const ini = opts.triggerMjd === undefined ? written : setIniValues(written, 'general', [['triggermjd', String(opts.triggerMjd)]]);
  await writeFile(path.join(site.pp, postprocIniFileName(season)), ini);
  return { outdir, list };
}

/** Paths under a directory, relative, `/`-separated (what decideSkipTo takes). */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(dir, '');
  return out;
}

async function endOf(site: Site, exitCode: number | null | undefined, season = SEASON) {
  const statusText = await readFile(path.join(site.pp, `PostProcStatus${season}.txt`), 'utf8').catch(() => null);
  const output = await readFile(path.join(site.pp, 'postproc_run.out'), 'utf8').catch(() => '');
  return { end: judgePostprocEnd({ exitCode: exitCode ?? null, statusText, output }), output, statusText };
}

describe('the Post-Processing checkout', () => {
  test('make-site.sh installs it next to gw_workflow, its postproc.ini pointing at the site\'s pnfs root', async () => {
    const site = await makeSite();
    for (const f of ['run_postproc.py', 'diffimg_setup.sh', 'update_forcephoto_links.sh', 'forcePhoto_master.pl', 'steplist.txt', 'getSeason.py', 'tableSortTest.html', 'postproc.ini']) {
      assert.ok(existsSync(path.join(site.pp, f)), f);
    }
    assert.ok(((await stat(path.join(site.pp, 'update_forcephoto_links.sh'))).mode & 0o111) !== 0);
    const g = readPostprocGeneral(await readFile(path.join(site.pp, 'postproc.ini'), 'utf8'));
    assert.equal(g.rootdir, site.pnfs);
    assert.equal(g.triggermjd, String(POSTPROC_TEMPLATE_VALUES.triggermjd), 'the GW170814 template values');
    assert.equal(g.ligoid, 'GW170814');
    assert.ok(existsSync(path.join(site.pnfs, 'exp')) && existsSync(path.join(site.pnfs, 'forcephoto', 'images')));
    const config = await readFile(path.join(site.state, 'config.sh'), 'utf8');
    assert.match(config, /^SANDBOX_GRID_SECONDS=1$/m);
    assert.match(config, /^SANDBOX_POSTPROC_SECONDS=0\.3$/m);
    const bad = await execa('bash', [makeSiteScript, path.join(site.root, 'x')], { env: { ...baseEnv, SANDBOX_GRID_SECONDS: 'soon' }, extendEnv: false, reject: false });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /SANDBOX_GRID_SECONDS must be a non-negative number/);
  });

  test('diffimg_setup.sh takes SEASON from the last postproc_*.ini by name, from that name as getSeason.py does (not its [general] season), or leaves it unset', async () => {
    const site = await makeSite();
    const template = await readFile(path.join(site.pp, 'postproc.ini'), 'utf8');
    const ini = (season: number) => template.replace(/^season = 416$/m, `season = ${season}`);
    const seasonAfterSetup = async () => (await inCheckout(site, 'source diffimg_setup.sh >/dev/null; printf "%s|%s" "${SEASON:-}" "${TOPDIR_SNFORCEPHOTO_IMAGES:-}"')).stdout;
    assert.equal(await seasonAfterSetup(), '|', 'no ini: SEASON not set');
    await writeFile(path.join(site.pp, 'postproc_1550.ini'), ini(1550));
    assert.equal(await seasonAfterSetup(), `1550|${site.pp}/forcephoto/images/dp1550`);
    await writeFile(path.join(site.pp, 'postproc_612.ini'), ini(612));
    assert.equal((await seasonAfterSetup()).split('|')[0], '612', 'postproc_612.ini sorts after postproc_1550.ini');
    await writeFile(path.join(site.pp, 'postproc_700.ini'), ini(701));
    assert.equal((await seasonAfterSetup()).split('|')[0], '700', 'the ini\'s file name, not its season');
    const setup = await inCheckout(site, 'source diffimg_setup.sh');
    assert.match(setup.stdout, /^EUPS setup complete$/m);
    assert.equal((await events(site, 'pp_setup')).at(-1)?.inis, 3);
  });

  test('update_forcephoto_links.sh refuses without SEASON; after setup it links the grid\'s forced-photometry files', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    let r = await inCheckout(site, './update_forcephoto_links.sh');
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, 'Error: SEASON not set.');
    await writeInputs(site);
    await inCheckout(site, 'source diffimg_setup.sh >/dev/null'); // the images directory now exists: later grid files need the links script
    await gridNight(site, [941225]);
    const linked = path.join(site.pp, 'forcephoto', 'images', `dp${SEASON}`, NITE);
    assert.deepEqual(await ls(linked), []);
    r = await inCheckout(site, 'source diffimg_setup.sh >/dev/null && ./update_forcephoto_links.sh');
    assert.equal(r.exitCode, 0, r.stdout);
    const files = await ls(linked);
    assert.equal(files.length, (await ls(fpDir(site, 941225))).length);
    assert.equal((await events(site, 'forcephoto_links')).at(-1)?.links, files.length);
  });

  test('run_postproc.py checks its arguments as the real one: argparse\'s errors, SKIPTO 0..7, no --triggerid or --ligoid', async () => {
    const site = await makeSite();
    const py = (args: string) => inCheckout(site, `python3 run_postproc.py ${args}`);
    const table: [string, number, RegExp][] = [
      ['--season 2206 --triggerid S200304x', 2, /error: unrecognized arguments: --triggerid S200304x/],
      ['--season 2206 --ligoid S200304x', 2, /error: unrecognized arguments: --ligoid S200304x/],
      ['--season 2206 --SKIPTO 8', 1, /ValueError: NOT VALID SKIP TO ARGUMENT/],
      ['--season 2206 --SKIPTO -1', 1, /ValueError: NOT VALID SKIP TO ARGUMENT/],
      ['--season 2206 --SKIPTO five', 2, /argument --SKIPTO: invalid int value: 'five'/],
      ['--season S2206', 2, /argument --season: invalid int value: 'S2206'/],
      ['--season 2206 --mjdtrigger soon', 2, /argument --mjdtrigger: invalid float value: 'soon'/],
      ['--season 2206 --checkonly', 2, /argument --checkonly: expected one argument/],
      ['--season 2206 --expnums', 2, /argument --expnums: expected at least one argument/],
      ['--season 2206', 1, /^ConfigParser\.NoSectionError: No section: 'general'$/m],
    ];
    for (const [args, code, message] of table) {
      const r = await py(args);
      assert.equal(r.exitCode, code, `${args}: ${r.stderr}`);
      assert.match(r.stderr, message, args);
    }
    // Only ./postproc_<N>.ini is read, and only under that exact name.
    await writeFile(path.join(site.pp, 'postproc_02206.ini'), await readFile(path.join(site.pp, 'postproc.ini'), 'utf8'));
    assert.match((await py('--season 2206')).stderr, /NoSectionError/);
    const help = await py('--help');
    for (const opt of ['--expnums', '--outputdir', '--season', '--mjdtrigger', '--ups', '--checkonly', '--schema', '--post', '--SKIPTO', '--skip_lightcurves']) assert.match(help.stdout, new RegExp(`${opt}\\b`));
  });

  test('a whole run: status file ends complete, START TIME … END END TIME, masterHTML and candidate pages, the files --SKIPTO needs', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site);
    const { outdir } = await writeInputs(site);
    const r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    const { end, output, statusText } = await endOf(site, r.exitCode);
    assert.equal(end.outcome, 'success', `${end.reason}\n${output}`);
    assert.match(output, /^START TIME \d{8}_\d\d:\d\d:\d\d/);
    assert.match(output.trimEnd().split('\n').at(-1)!, /^END END TIME \d{8}_\d\d:\d\d:\d\d$/);
    assert.doesNotMatch(output, /WARNING/);
    assert.equal(statusText!.split('\n').length, 10, 'nine flags and the run status');
    const master = await readFile(path.join(site.pp, `masterHTML${SEASON}.html`), 'utf8');
    const pages = await ls(path.join(outdir, 'htmls'));
    assert.ok(pages.length > 0);
    // The real WholeHTML's links, relative to the page in the checkout: they open only beside the output directory's files.
    const hrefs = [...master.matchAll(/(?:href|src) ?=\s*"?([^" >]+)/g)].map((m) => m[1]!);
    for (const p of pages) {
      assert.match(p, new RegExp(`^candidate_\\d+_dp${SEASON}\\.html$`));
      assert.ok(hrefs.includes(`htmls/${p}`), `${p} linked from masterHTML as htmls/${p}`);
      assert.equal(existsSync(path.join(site.pp, 'htmls', p)), false, 'not beside the page in the checkout');
    }
    assert.ok(hrefs.includes('../masterHTMLCSS.css'));
    for (const plot of [`fakemltest_${SEASON}.png`, `fullmap_${SEASON}.png`]) {
      assert.ok(hrefs.includes(plot), `${plot} under its bare name`);
      assert.ok(existsSync(path.join(site.pp, plot)) && existsSync(path.join(outdir, plot)), `${plot} in the output directory, copied into the checkout`);
    }
    const files = await listing(outdir);
    for (const f of ['masterlist/expniteband_df.csv', 'masterlist/MasterExposureList_prelim.fits', 'checkoutputs/step0_expnums.txt', 'checkoutputs/step0_a_blacklist.txt', `truthtable${SEASON}/truthplus.tab`, 'mastertableinfo.npy']) {
      assert.ok(files.includes(f), f);
    }
    assert.ok(files.some((f) => /^makedatafiles\/LightCurvesReal\/.+\.dat$/.test(f)));
    assert.equal(decideSkipTo(files, SEASON).skipTo, 6);
    assert.deepEqual((await readFile(path.join(outdir, 'checkoutputs', 'step0_expnums.txt'), 'utf8')).trim().split('\n').map(Number), NIGHT);
    for (const f of [`seasonTime${SEASON}.txt`, 'hostmatchstatus.txt', 'getSeason.txt']) assert.ok(existsSync(path.join(site.pp, f)), `${f} in the checkout`);
    const ends = await events(site, 'postproc_end');
    assert.deepEqual([ends.at(-1)?.exit, ends.at(-1)?.outcome], [0, 'complete']);
    assert.deepEqual((await events(site, 'postproc_step')).map((e) => e.step), [-1, 0, 1, 2, 3, 4, 5, 6, 7]);

    // Resumed at 6 from its own files: the same pages again.
    await rm(path.join(outdir, 'htmls'), { recursive: true });
    const again = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir} --SKIPTO 6`));
    assert.equal((await endOf(site, again.exitCode)).end.outcome, 'success');
    assert.deepEqual((await ls(path.join(outdir, 'htmls'))).sort(), pages.sort());
    // Skipping without the earlier steps' files crashes, as the real one does.
    const empty = path.join(site.root, 'empty-out');
    const crash = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${empty} --SKIPTO 5`));
    assert.equal(crash.exitCode, 1);
    assert.match((await endOf(site, crash.exitCode)).output, /FileNotFoundError: .*expniteband_df\.csv/);
  });

  test('candidates are season-wide, from the database: a list of one exposure gets the pages of every exposure\'s candidates; a list whose exposures hold none ends without candidates, saying so; with WRITEDB=off makeDataFiles crashes (IndexError), a failure', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225, 941226, 941227]);
    const { outdir } = await writeInputs(site, { expnums: [941225] });
    let r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    let { end, output } = await endOf(site, r.exitCode);
    assert.equal(end.outcome, 'success', output);
    assert.deepEqual((await readFile(path.join(outdir, 'checkoutputs', 'step0_expnums.txt'), 'utf8')).trim().split('\n').map(Number), [941225]);
    const snids = [...new Set((await sncand(site)).map((c) => c[0]))].sort();
    assert.ok(new Set((await sncand(site)).map((c) => c[1])).size === 3, 'every exposure has candidates');
    assert.deepEqual((await ls(path.join(outdir, 'htmls'))).sort(), snids.map((s) => `candidate_${s}_dp${SEASON}.html`).sort(), 'pages of the season\'s candidates, not of the list\'s');

    // An exposure with no candidate of its own (its DAG ran with WRITEDB=off): the plots, which keep the list's, are empty.
    await gridNight(site, [941228], 'off');
    const other = await writeInputs(site, { expnums: [941228], outdir: path.join(site.root, 'out-941228') });
    r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${other.outdir}`));
    ({ end, output } = await endOf(site, r.exitCode));
    assert.equal(end.outcome, 'no-candidates', end.reason);
    assert.match(output, /^No candidates remaining, possibly in masterlist df\n(\n)?Step 6 failed due to empty candidate dfs\. Ending PostProc\.$/m);

    const off = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(off, [941225], 'off');
    const offInputs = await writeInputs(off, { expnums: [941225] });
    r = await inCheckout(off, RUN(`--season ${SEASON} --outputdir ${offInputs.outdir}`));
    ({ end, output } = await endOf(off, r.exitCode));
    assert.equal(r.exitCode, 1);
    assert.equal(end.outcome, 'failed', 'SNCAND is empty: a crash, not "no candidates"');
    assert.match(output, /^IndexError: /m);
    assert.doesNotMatch(output, /Step 6 failed due to empty candidate dfs/);
  });

  test('--SKIPTO above 0 reads the earlier pass\'s step0_expnums.txt, not the ini\'s list; data files already in LightCurvesReal end makeDataFiles\' wait at once, and those stale files are combined', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225]);
    const { outdir } = await writeInputs(site, { expnums: [941225] });
    let r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    assert.equal((await endOf(site, r.exitCode)).end.outcome, 'success');
    const realdir = path.join(outdir, 'makedatafiles', 'LightCurvesReal');
    const nobs = async () => Promise.all((await ls(realdir)).map(async (f) => /^NOBS: (\d+)$/m.exec(await readFile(path.join(realdir, f), 'utf8'))?.[1]));
    assert.deepEqual([...new Set(await nobs())], ['1'], 'one epoch: one linked exposure');

    // One more exposure of the season on the grid (no candidate of its own): one more epoch for every light curve.
    await gridNight(site, [941226], 'off');
    await writeInputs(site, { expnums: [941225, 941226] });
    r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir} --SKIPTO 2`));
    const { output } = await endOf(site, r.exitCode);
    assert.equal(r.exitCode, 0, output);
    assert.deepEqual((await readFile(path.join(outdir, 'checkoutputs', 'step0_expnums.txt'), 'utf8')).trim().split('\n').map(Number), [941225], 'the earlier pass\'s list');
    assert.match(output, /^makeDataFiles: \d+ data files in \S+LightCurvesReal, done waiting$/m);
    assert.deepEqual([...new Set(await nobs())], ['1'], 'the stale light curves were combined');
    await rm(realdir, { recursive: true });
    r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir} --SKIPTO 2`));
    assert.equal((await endOf(site, r.exitCode)).end.outcome, 'success');
    assert.deepEqual([...new Set(await nobs())], ['2'], 'without the old files: both epochs');
  });

  test('the legacy traps: the template\'s trigger MJD warns; a blank line drops the list; the template\'s "bands = i ; # …" reads i, as Python 2\'s ConfigParser reads it', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225, 941226]);
    const { outdir, list } = await writeInputs(site, { expnums: [941225, 941226], triggerMjd: POSTPROC_TEMPLATE_VALUES.triggermjd });
    let r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir} --checkonly yes`));
    assert.equal(r.exitCode, 0);
    let out = (await endOf(site, r.exitCode)).output;
    assert.match(out, /^WARNING \(sandbox\): triggermjd is still the template's GW170814 value 57979\.437$/m);
    assert.match(out, /^You gave the --checkonly option\. Stopping Now\.$/m);
    assert.equal((await events(site, 'postproc_warning'))[0]?.key, 'triggermjd');

    await writeFile(path.join(site.pp, list), '941225\n\n941226\n');
    r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    out = (await endOf(site, r.exitCode)).output;
    assert.equal(r.exitCode, 1);
    assert.match(out, /^WARNING: List of exposures file not found or empty\.$/m);
    assert.match(out, /RuntimeError: Need an exposures\.list file or exposures in argument/);

    await writeFile(path.join(site.pp, list), '941225\n941226\n');
    const ini = path.join(site.pp, postprocIniFileName(SEASON));
    await writeFile(ini, (await readFile(ini, 'utf8')).replace(/^bands = i$/m, 'bands = i ; # all for every band'));
    r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    assert.equal(r.exitCode, 0, (await endOf(site, r.exitCode)).output);
    assert.equal((await endOf(site, r.exitCode)).end.outcome, 'success');
    assert.deepEqual((await readFile(path.join(outdir, 'checkoutputs', 'step0_expnums.txt'), 'utf8')).trim().split('\n').map(Number), [941225, 941226], 'both i-band exposures kept');
  });

  test('without diffimg_setup.sh, forcePhoto_master.pl dies of a missing variable and run_postproc.py goes on regardless, as the real one', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225]);
    const { outdir } = await writeInputs(site, { expnums: [941225] });
    const r = await inCheckout(site, `python3 run_postproc.py --season ${SEASON} --outputdir ${outdir} >postproc_run.out 2>&1`);
    const { end, output } = await endOf(site, r.exitCode);
    assert.equal(r.exitCode, 0, output);
    assert.match(output, /^ ERROR: Required ENV variable 'DIFFIMG_HOST' is not defined $/m);
    assert.match(output, /^Run STEP 3: Hostmatch$/m, 'its exit status ignored');
    assert.equal(end.outcome, 'no-candidates', 'nothing linked without the setup, so no candidate: not a failure as far as it says');
    assert.deepEqual(
      findSilentFailures(output).map((f) => f.marker),
      ['Required ENV variable'],
    );
  });

  test('diffimg_setup.sh is not set -u-safe, as the real one: sourced under nounset the shell dies at an unset variable; without it, it sets up', async () => {
    const site = await makeSite();
    await writeInputs(site, { expnums: [941225] });
    const strict = await inCheckout(site, 'set -u; source diffimg_setup.sh; echo "after: $SEASON"');
    assert.notEqual(strict.exitCode, 0);
    assert.match(strict.stderr, /DYLD_LIBRARY_PATH: unbound variable/, 'eups\'s startup expands it first');
    assert.doesNotMatch(strict.stdout, /after:/);
    const lax = await inCheckout(site, 'source diffimg_setup.sh >/dev/null; printf "%s|%s|%s" "$SEASON" "$TOPDIR_TEMPLATES" "$DIFFIMG_HOST"');
    assert.equal(lax.exitCode, 0, lax.stderr);
    assert.equal(lax.stdout, `${SEASON}|${site.pnfs}/WSTemplates|FNAL`);
  });

  test('the python diffimg_setup.sh puts on PATH answers as Python 2.7: its version on stderr, ConfigParser, joblib, fitsio, easyaccess and psycopg2 import; python_missing takes a module away', async () => {
    const site = await makeSite();
    const py = (code: string) => inCheckout(site, `source diffimg_setup.sh >/dev/null && python -c '${code}'`);
    const version = await inCheckout(site, 'source diffimg_setup.sh >/dev/null && python -V');
    assert.deepEqual([version.stdout, version.stderr], ['', 'Python 2.7.15']);
    const all = await py('import ConfigParser, joblib, fitsio, easyaccess, psycopg2; print("ok")');
    assert.equal(all.stdout, 'ok', all.stderr);
    // Python 2 cuts a value at " ;": the template\'s comments do not reach run_postproc.py.
    const ini = await py('import ConfigParser; c = ConfigParser.ConfigParser(); c.read("postproc.ini"); print(c.get("general", "bands") + "|" + c.get("checkoutputs", "steplist"))');
    assert.equal(ini.stdout, 'i|steplist.txt', ini.stderr);
    await writeFile(path.join(site.faults, 'python_missing'), 'easyaccess psycopg2');
    const broken = await py('import easyaccess');
    assert.notEqual(broken.exitCode, 0);
    assert.match(broken.stderr, /^ImportError: No module named easyaccess$/m);
    assert.equal((await py('import fitsio; print("ok")')).stdout, 'ok', 'only the modules named');
    assert.ok(existsSync(path.join(site.faults, 'python_missing')), 'not consumed: the environment stays broken');
  });

  test('forced photometry dies quietly, as the real one: a force job already running, a variable unset, a fatal error are printed, and the run still ends complete', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225, 941226]);
    const { outdir } = await writeInputs(site, { expnums: [941225, 941226] });
    const cases: [string, string, RegExp, string][] = [
      ['forcephoto_running', '', /^ ABORT: force job already running\.$/m, 'ABORT: force job already running'],
      ['forcephoto_env', 'TOPDIR_TEMPLATES', /^ ERROR: Required ENV variable 'TOPDIR_TEMPLATES' is not defined $/m, 'Required ENV variable'],
      ['forcephoto_fatal', '', /^ FATAL ERROR: makeForceList_allCand aborted/m, 'FATAL ERROR'],
    ];
    for (const [fault, content, printed, marker] of cases) {
      await writeFile(path.join(site.faults, fault), content);
      const r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
      const { end, output } = await endOf(site, r.exitCode);
      assert.equal(end.outcome, 'success', `${fault}: ${end.reason}`);
      assert.match(output, printed, fault);
      const found = findSilentFailures(output);
      assert.deepEqual(found.map((f) => f.marker), [marker], fault);
      assert.match(output.split('\n')[found[0]!.line - 1]!, printed, `${fault}: the line number points at it`);
      assert.equal(existsSync(path.join(site.faults, fault)), false, `${fault} consumed`);
    }
    // Without a fault, forcePhoto_master.pl runs to its end: nothing to find.
    const r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    const { end, output } = await endOf(site, r.exitCode);
    assert.equal(end.outcome, 'success');
    assert.match(output, /^\.\/forcePhoto_master\.pl -season 2206 -numepochs_min 0 -ncore 8 -noprompt -SKIP_CORRUPTFILE -writeDB$/m);
    assert.deepEqual(findSilentFailures(output), []);
  });

  test('forcePhoto_master.pl aborts, as the real one, while another forced-photometry perl runs on its machine (another checkout of the site, another season); another site is another machine', async () => {
    const site = await makeSite();
    const elsewhere = await makeSite();
    const second = path.join(site.root, 'Post-Processing-2');
    await execa('cp', ['-a', site.pp, second]);
    const env = { DIFFIMG_HOST: 'sandbox', TOPDIR_SNFORCEPHOTO_OUTPUT: path.join(site.root, 'fp-out'), TOPDIR_SNFORCEPHOTO_IMAGES: 'x', TOPDIR_TEMPLATES: 'x' };
    const force = (cwd: string, season: number) =>
      execa('./forcePhoto_master.pl', ['-season', String(season), '-noprompt'], { cwd, env: { ...baseEnv, ...env }, extendEnv: false, reject: false, all: true });
    const longer = (s: Site) => writeFile(path.join(s.state, 'config.sh'), 'SANDBOX_FORCEPHOTO_SECONDS=4\n', { flag: 'a' });
    // Another site's job: another machine's, so this one runs.
    await longer(elsewhere);
    const theirs = force(elsewhere.pp, 2207);
    await sleep(1000);
    const alone = await force(site.pp, SEASON);
    assert.equal(alone.exitCode, 0, alone.all);
    assert.doesNotMatch(alone.all, /ABORT/);
    // A job of another season in the site's other checkout: this one prints it and aborts; that one goes on.
    await longer(site);
    const first = force(second, 1550);
    await sleep(1000);
    const t0 = Date.now();
    const aborted = await force(site.pp, SEASON);
    assert.notEqual(aborted.exitCode, 0);
    assert.match(aborted.all, /^ ABORT: force job already running\.$/m);
    assert.match(aborted.all, new RegExp(`^USER +${first.pid} +perl \\S*forcePhoto_master\\.pl -season 1550 -noprompt$`, 'm'));
    assert.ok(Date.now() - t0 < 3000, 'it aborts at once, before its own work');
    assert.deepEqual(findSilentFailures(aborted.all).map((f) => f.marker), ['ABORT: force job already running']);
    assert.equal((await first).exitCode, 0);
    assert.equal((await theirs).exitCode, 0);
  });

  test('step 7 opens tableSortTest.html in the checkout: without it the run crashes there, after everything else', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225]);
    const { outdir } = await writeInputs(site, { expnums: [941225] });
    await unlink(path.join(site.pp, 'tableSortTest.html'));
    const r = await inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir}`));
    const { end, output } = await endOf(site, r.exitCode);
    assert.equal(r.exitCode, 1);
    assert.equal(end.outcome, 'failed');
    assert.match(output, /^Run STEP 7: Make htmls\/webpage$/m);
    assert.match(output, /FileNotFoundError: .*'tableSortTest\.html'/);
  });

  test('faults: a crash at step N stops the status file there and resumes with the SKIPTO its files allow; no candidates; a hang', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site);
    const { outdir } = await writeInputs(site);
    const run = (args = '') => inCheckout(site, RUN(`--season ${SEASON} --outputdir ${outdir} ${args}`));

    await writeFile(path.join(site.faults, 'postproc_crash'), '6');
    let r = await run();
    let { end, output } = await endOf(site, r.exitCode);
    assert.equal(r.exitCode, 1);
    assert.equal(end.outcome, 'failed');
    assert.match(output, /RuntimeError: STEP 6 crashed/);
    assert.deepEqual(end.flags, [true, false, true, false, true, true, true, false, false], 'steps up to 5 recorded');
    const decision = decideSkipTo(await listing(outdir), SEASON);
    assert.equal(decision.skipTo, 6, decision.reason);
    r = await run(`--SKIPTO ${decision.skipTo}`);
    assert.equal((await endOf(site, r.exitCode)).end.outcome, 'success');

    await writeFile(path.join(site.faults, 'postproc_crash'), '4');
    r = await run();
    ({ end } = await endOf(site, r.exitCode));
    assert.equal(end.outcome, 'failed');
    assert.match(end.reason, /exited 1 \(status file ends with "incomplete"\)/);

    await writeFile(path.join(site.faults, 'postproc_no_candidates'), '');
    r = await run();
    ({ end, output } = await endOf(site, r.exitCode));
    assert.equal(r.exitCode, 0);
    assert.equal(end.outcome, 'no-candidates', end.reason);
    assert.match(output, /^Step 6 failed due to empty candidate dfs\. Ending PostProc\.\nEND END TIME /m);
    assert.equal((await events(site, 'postproc_end')).at(-1)?.outcome, 'no_candidates');

    await writeFile(path.join(site.faults, 'postproc_hang'), '');
    const hung = run();
    await waitFor('the hang', async () => ((await events(site, 'fault')).some((e) => e.fault === 'postproc_hang') ? true : undefined));
    await sleep(1000);
    assert.equal(hung.exitCode, null, 'still running');
    const pid = (await events(site, 'postproc_start')).at(-1)!.pid as number;
    process.kill(pid, 'SIGTERM');
    await hung;
    const killed = (await events(site, 'postproc_end')).at(-1)!;
    assert.deepEqual([killed.outcome, killed.exit], ['killed', 143]);
    assert.equal((await endOf(site, null)).end.outcome, 'failed');
    for (const f of ['postproc_crash', 'postproc_no_candidates', 'postproc_hang']) assert.equal(existsSync(path.join(site.faults, f)), false, `${f} consumed`);
  });

  test('two seasons in one checkout collide: setup takes the last ini\'s season for both', async () => {
    const site = await makeSite({ SANDBOX_GRID_SECONDS: '0.3' });
    await gridNight(site, [941225]);
    await writeInputs(site, { expnums: [941225] });
    await writeInputs(site, { expnums: [941225], season: 612, outdir: path.join(site.root, 'out612') });
    const r = await inCheckout(site, 'source diffimg_setup.sh >/dev/null && echo "$SEASON"');
    assert.equal(r.stdout.trim(), '612', 'postproc_612.ini is the last by name: the 2206 run would link season 612\'s files');
    await unlink(path.join(site.pp, postprocIniFileName(612)));
  });
});
