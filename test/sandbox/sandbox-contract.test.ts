/**
 * Contract tests of the bash sandbox site (sandbox/): the stand-ins must honour the legacy
 * contracts (arguments, files, messages, exit codes), keep the ledger and fire each fault once.
 * Every test works on a fresh site made by sandbox/make-site.sh in a temporary directory.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readLedger, waitFor as waitForIt, type LedgerEvent } from '../helpers/sandbox-ledger.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const makeSiteScript = path.join(repoRoot, 'sandbox', 'make-site.sh');

/** The test process's environment without anything that could point at another site. */
const baseEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('DESGW_') && !e[0].startsWith('SANDBOX_'),
  ),
);
const fastEnv = {
  SANDBOX_SETUP_SECONDS: '0.1',
  SANDBOX_DAGMAKER_MIN_SECONDS: '0.2',
  SANDBOX_DAGMAKER_MAX_SECONDS: '0.4',
  SANDBOX_SUBMIT_SECONDS: '0.05',
  SANDBOX_EXPINFO_SECONDS: '0.1',
};

const SUBMIT_CMD = (expnum: number): string =>
  'jobsub_submit_dag -G des --role=desgw --need-storage-modify /des/persistent/gw/exp ' +
  `--need-storage-modify /des/persistent/gw/forcephoto file://desgw_pipeline_${expnum}.dag`;
const SEARCH_CCDS = Array.from({ length: 62 }, (_, i) => i + 1).filter((c) => c !== 2 && c !== 31 && c !== 61);

interface Site {
  root: string;
  gw: string;
  state: string;
  faults: string;
}
const tmpDirs: string[] = [];
after(async () => {
  for (const dir of tmpDirs) {
    // A submitted DAG's grid run still writes into the site's pnfs: stop it before removing the site.
    const gridRun = path.join(dir, 'lib', 'grid-run.sh');
    if (existsSync(gridRun)) {
      await execa('bash', [gridRun, 'stop-all'], { env: { ...baseEnv, DESGW_SANDBOX_ROOT: dir }, extendEnv: false, reject: false });
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'desgw-sandbox-test-'));
  tmpDirs.push(dir);
  return dir;
}

async function makeSite(): Promise<Site> {
  const root = await tempDir();
  const r = await execa('bash', [makeSiteScript, root], { env: { ...baseEnv, ...fastEnv }, extendEnv: false, reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  return { root, gw: path.join(root, 'gw_workflow'), state: path.join(root, 'state'), faults: path.join(root, 'state', 'faults') };
}

/** Runs `cmd args…` in `cwd` after sourcing the site's setup_img_proc.sh (its output discarded). */
function inSetup(site: Site, cwd: string, cmd: string, args: string[] = []) {
  return execa('bash', ['-c', 'source "$0" >/dev/null && exec "$@"', path.join(site.gw, 'setup_img_proc.sh'), cmd, ...args], {
    cwd,
    env: baseEnv,
    extendEnv: false,
    reject: false,
  });
}
const dagmaker = (site: Site, args: string[], cwd = site.gw) => inSetup(site, cwd, './DAGMaker.sh', args);

const ledger = (site: Site): Promise<LedgerEvent[]> => readLedger(site.state);
const events = async (site: Site, name: string) => (await ledger(site)).filter((e) => e.event === name);

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> =>
  waitForIt(what, probe, timeoutMs);

function lastLines(text: string, n: number): string[] {
  return text.trimEnd().split('\n').slice(-n);
}

/** A per-exposure working directory of symlinks to the gw_workflow files, with its own dagmaker.rc. */
async function workDir(site: Site, name: string): Promise<string> {
  const dir = path.join(site.root, 'runs', name);
  await mkdir(dir, { recursive: true });
  for (const f of ['DAGMaker.sh', 'DAGMaker_proxyuser.sh', 'SEdiff.sh', 'RUNMON.sh', 'exposures.list', 'SE_blacklist.txt', 'getExposureInfo.sh']) {
    await symlink(path.join(site.gw, f), path.join(dir, f));
  }
  await copyFile(path.join(site.gw, 'dagmaker.rc'), path.join(dir, 'dagmaker.rc'));
  return dir;
}

interface Block {
  kind: 'parallel' | 'serial';
  jobs: string[];
}
interface ParsedDag {
  blocks: Block[];
}
function parseDag(text: string): ParsedDag {
  const blocks: Block[] = [];
  let open = null as Block | null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^<(\/?)(parallel|serial)>$/.exec(line);
    if (m) {
      if (m[1] === '') {
        assert.equal(open, null, 'nested block');
        open = { kind: m[2] as 'parallel' | 'serial', jobs: [] };
      } else {
        assert.equal(open?.kind, m[2], 'mismatched close tag');
        blocks.push(open!);
        open = null;
      }
      continue;
    }
    assert.ok(open, `job outside a block: ${line}`);
    assert.match(line, /^jobsub /);
    open.jobs.push(line);
  }
  assert.equal(open, null, 'unclosed block');
  return { blocks };
}
const flag = (job: string, f: string): string | undefined => new RegExp(`(?:^| )${f} (\\S+)`).exec(job)?.[1];

describe('make-site.sh', () => {
  test('instantiates the layout and refuses to overwrite without --force', async () => {
    const site = await makeSite();
    for (const f of ['DAGMaker.sh', 'DAGMaker_proxyuser.sh', 'setup_img_proc.sh', 'getExposureInfo.sh', 'SEdiff.sh', 'RUNMON.sh']) {
      assert.ok(((await stat(path.join(site.gw, f))).mode & 0o111) !== 0, `${f} executable`);
    }
    for (const f of ['jobsub_submit_dag', 'jobsub_q', 'voms-proxy-info']) {
      assert.ok(((await stat(path.join(site.root, 'grid', 'bin', f))).mode & 0o111) !== 0, `${f} executable`);
    }
    for (const f of ['.pgpass', '.desservices.ini', '.wgetrc-desdm']) assert.ok(existsSync(path.join(site.root, 'home', f)));
    assert.ok(existsSync(path.join(site.root, 'telescope', 'exposures.tsv')));
    assert.equal(await readFile(path.join(site.state, 'ledger.jsonl'), 'utf8'), '');
    assert.ok(existsSync(site.faults));
    const config = await readFile(path.join(site.state, 'config.sh'), 'utf8');
    assert.match(config, /^SANDBOX_SETUP_SECONDS=0\.1$/m);
    assert.match(config, /^SANDBOX_DAGMAKER_MAX_SECONDS=0\.4$/m);
    const pw = /^SANDBOX_DB_PASSWORD=(\S+)$/m.exec(config)?.[1];
    assert.ok(pw && pw.length >= 12);
    assert.match(await readFile(path.join(site.root, 'home', '.desservices.ini'), 'utf8'), new RegExp(`\\[db-dessci\\][^[]*passwd = ${pw}`));

    const again = await execa('bash', [makeSiteScript, site.root], { env: baseEnv, extendEnv: false, reject: false });
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /already exists/);
    await writeFile(path.join(site.faults, 'setup_fail'), '1\n');
    const forced = await execa('bash', [makeSiteScript, '--force', site.root], { env: { ...baseEnv, ...fastEnv }, extendEnv: false, reject: false });
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.ok(!existsSync(path.join(site.faults, 'setup_fail')), 'state reset by --force');
  });
});

describe('setup_img_proc.sh', () => {
  test('is noisy, exports the site and logs to the ledger', async () => {
    const site = await makeSite();
    const r = await execa(
      'bash',
      ['-c', 'source ./setup_img_proc.sh && printf "%s\\n" "ROOT=$DESGW_SANDBOX_ROOT" "HOME2=$DESGW_SANDBOX_HOME" "ENV=$CONDA_DEFAULT_ENV" "PW=$DESGW_SANDBOX_DB_PASSWORD" "JOBSUB=$(command -v jobsub_submit_dag)"'],
      { cwd: site.gw, env: baseEnv, extendEnv: false, reject: false },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(r.stdout.split('\n').length >= 30, 'noisy');
    assert.match(r.stdout, /Setting up eups/);
    assert.match(r.stdout, new RegExp(`^ROOT=${site.root}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^HOME2=${site.root}/home$`, 'm'));
    assert.match(r.stdout, /^ENV=des18a$/m);
    assert.match(r.stdout, /^PW=sbx-fake-\w+$/m);
    assert.match(r.stdout, new RegExp(`^JOBSUB=${site.root}/grid/bin/jobsub_submit_dag$`, 'm'));
    assert.equal((await events(site, 'setup')).length, 1);
  });

  test('setup_fail fires the given number of times, then is gone', async () => {
    const site = await makeSite();
    await writeFile(path.join(site.faults, 'setup_fail'), '2\n');
    const run = () =>
      execa('bash', ['-c', 'source ./setup_img_proc.sh >/dev/null; echo "rc=$?"'], { cwd: site.gw, env: baseEnv, extendEnv: false, reject: false });
    for (const remaining of ['1', null]) {
      const r = await run();
      assert.match(r.stdout, /rc=1/);
      assert.match(r.stderr, /Transport endpoint is not connected/);
      assert.equal(existsSync(path.join(site.faults, 'setup_fail')) ? (await readFile(path.join(site.faults, 'setup_fail'), 'utf8')).trim() : null, remaining);
    }
    assert.match((await run()).stdout, /rc=0/);
    assert.deepEqual((await events(site, 'fault')).map((e) => [e.fault, e.remaining]), [['setup_fail', 1], ['setup_fail', 0]]);
  });

  test('setup_hang never returns until killed, once', async () => {
    const site = await makeSite();
    await writeFile(path.join(site.faults, 'setup_hang'), '');
    const proc = execa('bash', ['-c', 'source ./setup_img_proc.sh >/dev/null; echo returned'], { cwd: site.gw, env: baseEnv, extendEnv: false, reject: false });
    await waitFor('setup_hang to fire', async () => ((await events(site, 'fault')).length ? true : undefined));
    await sleep(300);
    assert.equal(proc.exitCode, null, 'still running');
    proc.kill('SIGTERM');
    const r = await proc;
    assert.doesNotMatch(r.stdout, /returned/);
    assert.ok(!existsSync(path.join(site.faults, 'setup_hang')));
  });
});

describe('DAGMaker.sh', () => {
  test('without setup: setup: command not found, exit 127', async () => {
    const site = await makeSite();
    const r = await execa('./DAGMaker.sh', ['941225'], { cwd: site.gw, env: baseEnv, extendEnv: false, reject: false });
    assert.equal(r.exitCode, 127);
    assert.match(r.stderr, /setup: command not found/);
    assert.deepEqual(await ledger(site), []);
  });

  test('argument, credential and band errors', async () => {
    const site = await makeSite();
    let r = await dagmaker(site, []);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /^Error, an exposure number must be supplied$/m);
    r = await dagmaker(site, ['94122x']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /^Error, exposure number must be a number; you entered 94122x\.$/m);

    for (const f of ['.pgpass', '.desservices.ini', '.wgetrc-desdm']) {
      const p = path.join(site.root, 'home', f);
      await rename(p, `${p}.away`);
      r = await dagmaker(site, ['941225']);
      await rename(`${p}.away`, p);
      assert.equal(r.exitCode, 2, f);
      assert.match(r.stdout, new RegExp(`^Error: ~/${f.replace('.', '\\.')} not found\\.$`, 'm'));
    }
    assert.deepEqual(await events(site, 'dagmaker_start'), []);

    // 1210475 is known to the telescope but not yet to gw_workflow/exposures.list
    r = await dagmaker(site, ['1210475']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /^Error with setting band\. Check exposures\.list to see if there is a problem with this exposure\. Exiting\.\.\.$/m);
    const end = (await events(site, 'dagmaker_end'))[0];
    assert.equal(end?.exit, 1);
    assert.equal(end?.expnum, 1210475);
  });

  test('success: DAG blocks, DAGMaker.DONE, final lines and ledger with the rc SEASON', async () => {
    const site = await makeSite();
    const rcPath = path.join(site.gw, 'dagmaker.rc');
    await writeFile(rcPath, (await readFile(rcPath, 'utf8')).replace(/^SEASON=.*$/m, 'SEASON=2208'));
    const r = await dagmaker(site, ['941225']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.deepEqual(lastLines(r.stdout, 2), ['To submit this DAG do', SUBMIT_CMD(941225)]);
    assert.equal((await readFile(path.join(site.gw, 'mytemp_941225', 'DAGMaker.DONE'), 'utf8')).trim(), SUBMIT_CMD(941225));
    for (const f of ['search_941225.dag', 'copy_pairs_for_941225.sh', 'dummyjob.sh']) assert.ok(existsSync(path.join(site.gw, f)), f);

    const dag = parseDag(await readFile(path.join(site.gw, 'desgw_pipeline_941225.dag'), 'utf8'));
    assert.deepEqual(dag.blocks.map((b) => b.kind), ['parallel', 'parallel', 'serial']);
    const [templates, search, runmon] = dag.blocks as [Block, Block, Block];
    assert.match(templates.jobs[0]!, /^jobsub -n --group=des .*file:\/\/dummyjob\.sh$/);
    const templateExps = templates.jobs.slice(1).map((j) => {
      assert.match(j, /file:\/\/SEdiff\.sh -r 4 -p 01 -E \d+ -b i -n \d{8} -S dp2208 /);
      return Number(flag(j, '-E'));
    });
    // same band, earlier nite, close by, t_eff >= 0.2, not blacklisted (176410, 626303), not t_eff 0.12 (626301)
    assert.deepEqual(templateExps, [289215, 289216, 289218, 289219, 416012, 626302]);
    assert.equal(search.jobs.length, 59);
    assert.deepEqual(search.jobs.map((j) => Number(flag(j, '-c'))), SEARCH_CCDS);
    for (const j of search.jobs) assert.match(j, /file:\/\/SEdiff\.sh -r 4 -p 01 -E 941225 -b i -n 20200304 -c \d+ -S dp2208 /);
    assert.equal(search.jobs.every((j) => j.includes('--memory=3000MB') && j.includes('usage_model=DEDICATED,OPPORTUNISTIC,OFFSITE')), true);
    assert.equal(runmon.jobs.length, 1);
    assert.match(runmon.jobs[0]!, /file:\/\/RUNMON\.sh -E 941225 .*-S dp2208$/);

    const start = (await events(site, 'dagmaker_start'))[0]!;
    const end = (await events(site, 'dagmaker_end'))[0]!;
    assert.equal(start.expnum, 941225);
    assert.equal(start.season, '2208');
    assert.equal(start.cwd, site.gw);
    assert.equal(start.script, 'DAGMaker.sh');
    assert.equal(end.pid, start.pid);
    assert.equal(end.exit, 0);
    assert.equal(end.season, '2208');
    assert.equal(end.done, true);
  });

  test('no templates: warnings, still success, no RUNMON block', async () => {
    const site = await makeSite();
    const r = await dagmaker(site, ['941238']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /There appear to be no templates for this exposure 941238/);
    assert.match(r.stdout, /^NO TEMPLATE IMAGES, DIFFIMG WILL FAIL$/m);
    assert.deepEqual(lastLines(r.stdout, 2), ['To submit this DAG do', SUBMIT_CMD(941238)]);
    const dag = parseDag(await readFile(path.join(site.gw, 'desgw_pipeline_941238.dag'), 'utf8'));
    assert.deepEqual(dag.blocks.map((b) => [b.kind, b.jobs.length]), [['parallel', 1], ['parallel', 59]]);
    assert.ok(existsSync(path.join(site.gw, 'mytemp_941238', 'DAGMaker.DONE')));
  });

  test('a missing exposures.list is regenerated with getExposureInfo.sh', async () => {
    const site = await makeSite();
    await unlink(path.join(site.gw, 'exposures.list'));
    const r = await dagmaker(site, ['1210475']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal((await events(site, 'get_exposure_info')).length, 1);
    assert.ok(existsSync(path.join(site.gw, 'mytemp_1210475', 'DAGMaker.DONE')));
  });

  test('two DAGMakers in the same directory clobber each other; in separate directories they do not', async () => {
    const site = await makeSite();
    await writeFile(path.join(site.state, 'durations'), '941225 1.0\n941226 1.0\n941227 1.0\n941228 1.0\n');
    const same = await Promise.all([dagmaker(site, ['941225']), dagmaker(site, ['941226'])]);
    for (const r of same) assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const clobbers = await events(site, 'clobber');
    assert.ok(clobbers.length >= 1, 'a clobber event');
    for (const c of clobbers) {
      assert.ok([941225, 941226].includes(c.expnum as number));
      assert.ok(['tempoverlap.list', 'dummyjob.sh'].includes(c.file as string));
      assert.equal(typeof c.found, 'string');
    }
    assert.match(same.map((r) => r.stdout).join('\n'), /Warning: (tempoverlap\.list|dummyjob\.sh) was changed by another process/);

    await writeFile(path.join(site.state, 'ledger.jsonl'), '');
    const dirs = await Promise.all([workDir(site, '941227'), workDir(site, '941228')]);
    const separate = await Promise.all([dagmaker(site, ['941227'], dirs[0]), dagmaker(site, ['941228'], dirs[1])]);
    for (const r of separate) assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.deepEqual(await events(site, 'clobber'), []);
    // everything was written in the working directories, nothing in gw_workflow
    assert.ok(existsSync(path.join(dirs[0], 'mytemp_941227', 'DAGMaker.DONE')));
    assert.ok(existsSync(path.join(dirs[1], 'desgw_pipeline_941228.dag')));
    assert.ok(!existsSync(path.join(site.gw, 'desgw_pipeline_941227.dag')));
    assert.deepEqual((await events(site, 'dagmaker_start')).map((e) => e.cwd).sort(), [...dirs].sort());
  });

  test('ledger strings are JSON-escaped', async () => {
    const site = await makeSite();
    const dir = await workDir(site, 'odd "name" \\ here');
    const r = await dagmaker(site, ['941229'], dir);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal((await events(site, 'dagmaker_end'))[0]?.cwd, dir);
  });

  test('DAGMaker_proxyuser.sh needs a proxy and says which script ran', async () => {
    const site = await makeSite();
    const dir = await workDir(site, 'proxyuser');
    await writeFile(path.join(site.faults, 'proxy_expired'), '');
    let r = await inSetup(site, dir, './DAGMaker_proxyuser.sh', ['941230']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /no valid grid proxy.*voms-proxy-init/);
    assert.deepEqual(await events(site, 'dagmaker_start'), []);
    await unlink(path.join(site.faults, 'proxy_expired'));
    r = await inSetup(site, dir, './DAGMaker_proxyuser.sh', ['941230']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.deepEqual(lastLines(r.stdout, 2), ['To submit this DAG do', SUBMIT_CMD(941230)]);
    assert.equal((await events(site, 'dagmaker_end'))[0]?.script, 'DAGMaker_proxyuser.sh');
  });
});

describe('DAGMaker faults', () => {
  test('dagmaker_fail: ORA-12170, exit 3, as many times as asked', async () => {
    const site = await makeSite();
    const fault = path.join(site.faults, 'dagmaker_fail.941225');
    await writeFile(fault, '2\n');
    let r = await dagmaker(site, ['941225']);
    assert.equal(r.exitCode, 3);
    assert.match(r.stdout, /ORA-12170: TNS:Connect timeout occurred/);
    assert.equal((await readFile(fault, 'utf8')).trim(), '1');
    r = await dagmaker(site, ['941225']);
    assert.equal(r.exitCode, 3);
    assert.ok(!existsSync(fault));
    r = await dagmaker(site, ['941225']);
    assert.equal(r.exitCode, 0);
    assert.deepEqual((await events(site, 'fault')).map((e) => [e.fault, e.remaining, e.expnum]), [
      ['dagmaker_fail.941225', 1, 941225],
      ['dagmaker_fail.941225', 0, 941225],
    ]);
    assert.deepEqual((await events(site, 'dagmaker_end')).map((e) => e.exit), [3, 3, 0]);
  });

  test('no_search_image, dagmaker_cpfail and dagmaker_nodone fire once each', async () => {
    const site = await makeSite();
    for (const f of ['no_search_image.941226', 'dagmaker_cpfail.941227', 'dagmaker_nodone.941228']) await writeFile(path.join(site.faults, f), '');
    let r = await dagmaker(site, ['941226']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /^Cannot proceed without the search image!$/m);
    r = await dagmaker(site, ['941227']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /^cp failed!$/m);

    r = await dagmaker(site, ['941228']);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /Error copying input files to dCache/);
    assert.equal((await stat(path.join(site.gw, 'desgw_pipeline_941228.dag'))).size, 0, 'DAG left empty');
    assert.ok(!existsSync(path.join(site.gw, 'mytemp_941228', 'DAGMaker.DONE')));
    assert.equal((await events(site, 'dagmaker_end')).at(-1)?.done, false);

    assert.deepEqual((await events(site, 'fault')).map((e) => e.fault), ['no_search_image.941226', 'dagmaker_cpfail.941227', 'dagmaker_nodone.941228']);
    for (const e of [941226, 941227, 941228]) {
      r = await dagmaker(site, [String(e)]);
      assert.equal(r.exitCode, 0, `${e} after its fault was consumed`);
      assert.ok(existsSync(path.join(site.gw, `mytemp_${e}`, 'DAGMaker.DONE')));
    }
  });

  test('dagmaker_hang: hangs with an empty DAG until killed', async () => {
    const site = await makeSite();
    await writeFile(path.join(site.faults, 'dagmaker_hang.941229'), '1');
    const proc = dagmaker(site, ['941229']);
    await waitFor('the hang fault', async () => ((await events(site, 'fault')).length ? true : undefined));
    await sleep(300);
    assert.equal(proc.exitCode, null, 'still running');
    assert.equal((await stat(path.join(site.gw, 'desgw_pipeline_941229.dag'))).size, 0);
    proc.kill('SIGTERM');
    const r = await proc;
    assert.ok(r.exitCode === 143 || r.signal === 'SIGTERM', `ended by the signal (${r.exitCode}, ${r.signal})`);
    assert.equal((await events(site, 'dagmaker_end'))[0]?.exit, 143);
    assert.ok(!existsSync(path.join(site.faults, 'dagmaker_hang.941229')));
    assert.equal((await dagmaker(site, ['941229'])).exitCode, 0);
  });
});

describe('grid tools', () => {
  test('voms-proxy-info', async () => {
    const site = await makeSite();
    const vpi = (args: string[]) => inSetup(site, site.gw, 'voms-proxy-info', args);
    assert.equal((await vpi(['-exists'])).exitCode, 0);
    assert.equal((await vpi(['-exists', '-valid', '24:00'])).exitCode, 0);
    assert.ok(Number((await vpi(['-timeleft'])).stdout.trim()) > 24 * 3600);
    assert.match((await vpi(['-identity'])).stdout, /^\/DC=org\/DC=cilogon\/.*CN=/);
    assert.match((await vpi([])).stdout, /^timeleft {2}: \d+:\d\d:\d\d$/m);
    await writeFile(path.join(site.faults, 'proxy_expired'), '');
    let r = await vpi(['-exists']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /Proxy not found/);
    r = await vpi(['-exists', '-valid', '1:00']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /Proxy not valid for the requested time/);
    assert.ok(existsSync(path.join(site.faults, 'proxy_expired')), 'not consumed');
  });

  test('jobsub_submit_dag and jobsub_q', async () => {
    const site = await makeSite();
    assert.equal((await dagmaker(site, ['941225'])).exitCode, 0);
    const submit = (args: string[]) => inSetup(site, site.gw, 'jobsub_submit_dag', args);
    const good = SUBMIT_CMD(941225).split(' ').slice(1);
    const jobsTsv = path.join(site.state, 'jobs.tsv');
    const jobLines = async () => (existsSync(jobsTsv) ? (await readFile(jobsTsv, 'utf8')).split('\n').filter(Boolean) : []);

    // every call prints jobsub_lite's token lines first, on standard output, whatever the outcome
    const chatter = /^Attempting to get token from https:\/\/htvaultprod\.fnal\.gov:8200 \.\.\. succeeded\nStoring bearer token in \/tmp\/bt_token_des_\w+_\d+(\n|$)/;

    // usage errors (argparse: exit 2) and bad DAGs (`Error: <Exception>: …` on stderr, exit 1)
    let r = await submit(['file://desgw_pipeline_941225.dag']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^Error: NameError: jobsub_submit_dag needs -G group/m);
    r = await submit(['-G', 'des', '--role=desgw']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^usage: jobsub_submit /m);
    await writeFile(path.join(site.gw, 'desgw_pipeline_941226.dag'), '');
    r = await submit(['-G', 'des', '--role=desgw', 'file://desgw_pipeline_941226.dag']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, chatter);
    assert.match(r.stderr, /^\n\nError: RuntimeError: Error: file desgw_pipeline_941226\.dag: no jobs in DAG\n/);
    await writeFile(path.join(site.gw, 'desgw_pipeline_941227.dag'), '<parallel>\njobsub -n --group=des file://missing.sh\n</parallel>\n');
    r = await submit(['-G', 'des', '--role=desgw', 'file://desgw_pipeline_941227.dag']);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^Error: FileNotFoundError: .*'missing\.sh'/m);

    // expired proxy, then renewed
    await writeFile(path.join(site.faults, 'proxy_expired'), '');
    r = await submit(good);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^Error: PermissionError: Cigetcert failed to get proxy/m);
    await unlink(path.join(site.faults, 'proxy_expired'));

    // no Kerberos ticket: htgettoken fails (not consumed)
    await writeFile(path.join(site.faults, 'token_expired'), '');
    r = await submit(good);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /\.\.\. failed$/m);
    assert.match(r.stderr, /htgettoken: Failure getting token[\s\S]*Error: PermissionError: Failed attempting 'htgettoken/);
    await unlink(path.join(site.faults, 'token_expired'));

    // the token vault answers 503, once
    await writeFile(path.join(site.faults, 'submit_fail.941225'), '1');
    r = await submit(good);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, chatter);
    assert.match(r.stderr, /HTTPError: Service Unavailable: 503/);
    assert.equal((await events(site, 'submit_failed'))[0]?.expnum, 941225);

    // the schedd is down while the switch is there: condor_submit fails, jobsub_lite exits 0 all the same
    await writeFile(path.join(site.faults, 'jobsub_down'), 'schedd');
    r = await submit(good);
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /^ERROR: Failed to connect to queue manager jobsub01\.fnal\.gov$/m);
    assert.match(r.stderr, /^Error: condor_submit exited with failed status code 1$/m);
    assert.doesNotMatch(r.stdout, /Use job id/);
    let q = await inSetup(site, site.gw, 'jobsub_q', ['-G', 'des', '--user', 'desgw']);
    assert.equal(q.exitCode, 0, 'jobsub_q exits 0 when a schedd does not answer');
    assert.match(q.stdout, /^-- Failed to fetch ads from: /m);
    await writeFile(path.join(site.faults, 'jobsub_down'), 'vault');
    r = await submit(good);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /503 Server Error: Service Unavailable/);
    await unlink(path.join(site.faults, 'jobsub_down'));
    assert.deepEqual(await jobLines(), [], 'nothing recorded by failures');

    // success
    r = await submit(good);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, chatter);
    const first = /^Use job id (\d+\.0@jobsub01\.fnal\.gov) to retrieve output$/m.exec(r.stdout)?.[1];
    assert.ok(first, r.stdout);
    assert.match(r.stdout, new RegExp(`^1 job\\(s\\) submitted to cluster ${first.split('.')[0]}\\.$`, 'm'));
    const sub = (await events(site, 'submit'))[0]!;
    assert.deepEqual([sub.jobid, sub.expnum, sub.dag, sub.cwd, sub.role], [first, 941225, 'desgw_pipeline_941225.dag', site.gw, 'desgw']);
    assert.deepEqual((await jobLines())[0]?.split('\t').slice(0, 4), [first, '941225', 'desgw_pipeline_941225.dag', site.gw]);

    // slow after record: the job is recorded before any output
    await writeFile(path.join(site.faults, 'submit_slow_after_record.941225'), '1');
    const slow = submit(good);
    await waitFor('the second job record', async () => ((await jobLines()).length === 2 ? true : undefined));
    assert.equal(slow.exitCode, null, 'still running after recording');
    r = await slow;
    assert.equal(r.exitCode, 0);
    const second = /Use job id (\S+) to retrieve output/.exec(r.stdout)?.[1];
    assert.equal(Number(second?.split('.')[0]), Number(first.split('.')[0]) + 1);

    // jobsub_q shows each DAG as jobsub_lite does: its DAGMan row never names the DAG
    q = await inSetup(site, site.gw, 'jobsub_q', ['-G', 'des', '--user', 'desgw']);
    assert.equal(q.exitCode, 0, q.stderr);
    assert.match(q.stdout, chatter);
    assert.match(q.stdout, /^JOBSUBJOBID\s+OWNER\s+SUBMITTED\s+RUNTIME\s+ST\s+PRIO\s+SIZE\s+COMMAND$/m);
    for (const id of [first, second!]) {
      assert.match(q.stdout, new RegExp(`^${id.replace(/\./g, '\\.')}\\s+desgw\\s.*\\sR\\s.*dagman_wrapper\\.sh -p 0 -f -l \\. -Lockfi$`, 'm'));
    }
    assert.doesNotMatch(q.stdout, /desgw_pipeline/);
    assert.match(q.stdout, /^4 total; 0 completed, 0 removed, 0 idle, 4 running, 0 held, 0 suspended$/m);
    const none = await inSetup(site, site.gw, 'jobsub_q', ['-G', 'des', '--user', 'nobody']);
    assert.doesNotMatch(none.stdout, /dagman_wrapper/);
  });

  test('getExposureInfo.sh regenerates exposures.list from the telescope table', async () => {
    const site = await makeSite();
    const before = await readFile(path.join(site.gw, 'exposures.list'), 'utf8');
    assert.doesNotMatch(before, /^1210475 /m);
    await unlink(path.join(site.gw, 'exposures.list'));
    const r = await inSetup(site, site.gw, './getExposureInfo.sh');
    assert.equal(r.exitCode, 0, r.stderr);
    const regenerated = await readFile(path.join(site.gw, 'exposures.list'), 'utf8');
    assert.equal(regenerated, await readFile(path.join(site.root, 'telescope', 'exposures.tsv'), 'utf8'));
    assert.match(regenerated, /^EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT$/m);
    for (const e of [1210475, 1210479, 941239, 941240]) assert.match(regenerated, new RegExp(`^${e} `, 'm'));
    const iList = await readFile(path.join(site.gw, 'exposures_i.list'), 'utf8');
    assert.ok(iList.split('\n').filter(Boolean).every((l) => l.split(/\s+/)[5] === 'i'));
    const ev = (await events(site, 'get_exposure_info'))[0];
    assert.equal(ev?.rows, regenerated.trimEnd().split('\n').length - 1);
  });
});
