/**
 * `desgw doctor` on a real dev server and the sandbox site, run as a person runs it on the DES
 * machine (a separate process, the worker's settings in its environment): a healthy setup, one
 * whose workers are not running, one whose schedd is down, one whose proxy has expired, and the
 * seasons used as each source holds them.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { execa } from 'execa';
import { SEASON_REGISTRY_WORKFLOW_ID, SEASON_REGISTRY_WORKFLOW_TYPE, TASK_QUEUE } from '../../common/contract.js';
import { claimSeasonUpdate } from '../../common/messages.js';
import { REPO_ROOT } from '../../workers/config.js';
import { sandboxPnfsRoot } from '../../workers/sandbox-site.js';
import { devServerForThisFile, makeSite, withWorker, type Site } from '../helpers/harness.js';

const server = devServerForThisFile();

const desgw = (site: Site, args: string[]) =>
  execa('node', [join(REPO_ROOT, 'dist', 'client', 'desgw.js'), ...args], {
    env: {
      TEMPORAL_ADDRESS: server.env.address,
      DESGW_GW_WORKFLOW_DIR: site.gwDir,
      DESGW_LOCAL_SEASONS_FILE: join(site.root, 'des_seasons_used.txt'),
      DESGW_PNFS_ROOT: sandboxPnfsRoot(site.gwDir),
    },
    reject: false,
  });
const rows = (stdout: string) =>
  new Map(stdout.split('\n').map((l) => [l.split(/\s{2,}/)[0]!, l.split(/\s{2,}/)[1]!] as const));

test('desgw doctor with no worker running: the pollers fail, the site checks pass, exit 1; desgw run warns at once', async () => {
  const site = await makeSite();
  const r = await desgw(site, ['doctor']);
  console.log(r.stdout.replace(/^/gm, '# '));
  assert.equal(r.exitCode, 1, r.stderr);
  const result = rows(r.stdout);
  for (const queue of ['desgw-image-processing', 'desgw-site', 'desgw-dagmaker']) {
    assert.equal(result.get(`pollers on ${queue}`), 'FAIL', queue);
  }
  for (const check of [
    'server reachable',
    'setup_img_proc.sh sources',
    'grid tools on PATH',
    'grid proxy',
    'jobsub_q',
    'seasons used',
    'Post-Processing checkout',
    'pnfs root',
  ]) {
    assert.equal(result.get(check), 'ok', check);
  }
  assert.match(r.stdout, /pollers on desgw-site\s+FAIL\s+none in the last minute: is its worker running\?/);

  const list = join(site.root, 'site', 'lists', 'demo.list');
  const run = await desgw(site, [
    'run',
    '--exp-list',
    list,
    '--season',
    'auto',
    '--workflow-id',
    `doctor-${process.pid}`,
  ]);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(
    run.stderr,
    /warning: no worker polls desgw-site: the run will wait until the DES machine's worker runs/,
  );
  await server.env.client.workflow.getHandle(`doctor-${process.pid}`).terminate('test');
});

test('desgw doctor on a healthy setup: every check passes, jobsub_q says what it listed and how long it took, exit 0', async () => {
  const site = await makeSite();
  // A DAG of the user's in the sandbox's queue (jobs.tsv: jobid expnum dag cwd submitted status owner role).
  const owner = process.env.USER ?? userInfo().username;
  const submitted = Math.floor(Date.now() / 1000);
  await appendFile(
    join(site.state, 'jobs.tsv'),
    `48213001.0@jobsub01.fnal.gov\t941225\tdesgw_pipeline_941225.dag\t${site.gwDir}\t${submitted}\tR\t${owner}\tAnalysis\n`,
  );
  await withWorker(server.env, site, async () => {
    const r = await desgw(site, ['doctor']);
    console.log(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.ok(
      [...rows(r.stdout).values()].every((v) => v === 'ok'),
      r.stdout,
    );
    assert.equal(rows(r.stdout).size, 14);
    // The Post-Processing checkout as a pass sources it: the python it leaves imports what run_postproc.py needs.
    assert.match(r.stdout, /^Post-Processing environment\s+ok\s+/m);
    assert.match(
      r.stdout,
      /^jobsub_q\s+ok\s+answered for -G des in (\d+ ms|\d+\.\d s) \(limit 120 s\): 1 DAG \(2 jobs\) listed$/m,
    );
  });
  assert.equal((await site.ledger()).filter((e) => e.event === 'jobsub_q').length, 1, 'one jobsub_q listing');
});

test('desgw doctor with a schedd down: jobsub_q fails naming the schedd, exit 1', async () => {
  const site = await makeSite();
  await site.fault('jobsub_down', 'schedd');
  await withWorker(server.env, site, async () => {
    const r = await desgw(site, ['doctor']);
    console.log(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    const failed = [...rows(r.stdout)].filter(([, v]) => v === 'FAIL').map(([k]) => k);
    assert.deepEqual(failed, ['jobsub_q'], r.stdout);
    assert.match(r.stdout, /^jobsub_q\s+FAIL\s+schedd jobsub01\.fnal\.gov did not answer/m);
    // One line: the tool's output is judged, never dumped.
    assert.doesNotMatch(r.stdout, /SECMAN|131\.225\.240\.140|bt_token/);
  });
});

test("desgw doctor with the proxy expired: the advice names the renew command and desgw proxy-renewed, never a bare signal's name", async () => {
  const site = await makeSite();
  await site.fault('proxy_expired');
  const r = await desgw(site, ['doctor']);
  console.log(r.stdout.replace(/^/gm, '# '));
  assert.equal(r.exitCode, 1, r.stderr);
  const proxy = r.stdout.split('\n').find((l) => l.startsWith('grid proxy'));
  assert.match(proxy ?? '', /^grid proxy\s+FAIL\s+/);
  assert.ok(proxy!.includes('kx509; voms-proxy-init -rfc -noregen -voms des:/des/Role=Analysis -valid 24:00'), proxy);
  assert.match(proxy!, /desgw proxy-renewed <workflowId>/);
  assert.doesNotMatch(r.stdout, /proxyRenewed|retryNow|retryEnvironment|\bsignal\b/);
});

test("desgw doctor's seasons used counts the database's, the season registry's and the run directories' seasons, each", async () => {
  const site = await makeSite();
  await writeFile(join(site.root, 'des_seasons_used.txt'), '1500\n1501\n');
  const runs = join(site.root, 'site', 'desgw_runs');
  // A run that claimed 1601 (its season.json, as reserveSeason writes it) and one of before season.json (dagmaker.rc).
  await mkdir(join(runs, 'run-a'), { recursive: true });
  await writeFile(
    join(runs, 'run-a', 'season.json'),
    JSON.stringify({ season: 1601, owner: 'run-a', reservedAt: new Date().toISOString() }),
  );
  await mkdir(join(runs, 'run-b'), { recursive: true });
  await writeFile(join(runs, 'run-b', 'dagmaker.rc'), 'SEASON=1602\nWRITEDB=off\n');
  await withWorker(server.env, site, async () => {
    for (const [owner, season] of [
      ['run-a', 1601],
      ['run-c', 1603],
    ] as const) {
      await server.env.client.workflow.executeUpdateWithStart(claimSeasonUpdate, {
        args: [{ owner, season, shared: false }],
        startWorkflowOperation: new WithStartWorkflowOperation(SEASON_REGISTRY_WORKFLOW_TYPE, {
          workflowId: SEASON_REGISTRY_WORKFLOW_ID,
          taskQueue: TASK_QUEUE,
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    }
    try {
      const r = await desgw(site, ['doctor']);
      console.log(r.stdout.replace(/^/gm, '# '));
      assert.match(
        r.stdout,
        /^seasons used\s+ok\s+database 2, registry 2, run directories 2 \(5 distinct\); the database's from local file \S+des_seasons_used\.txt$/m,
      );
    } finally {
      await server.env.client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID).terminate('test');
    }
  });
});

test('desgw doctor with the season registry running but no workflow worker: seasons used fails saying so, with the other counts', async () => {
  const site = await makeSite();
  await writeFile(join(site.root, 'des_seasons_used.txt'), '1500\n');
  // Started, never run: no workflow worker polls, so its reservations query cannot be answered.
  await server.env.client.workflow.start(SEASON_REGISTRY_WORKFLOW_TYPE, {
    workflowId: SEASON_REGISTRY_WORKFLOW_ID,
    taskQueue: TASK_QUEUE,
  });
  try {
    const r = await desgw(site, ['doctor']);
    console.log(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      r.stdout,
      /^seasons used\s+FAIL\s+database 1, registry unread, run directories 0 \(1 distinct without the registry\); the season registry's reservations query failed .*: is the workflow worker running\?$/m,
    );
  } finally {
    await server.env.client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID).terminate('test');
  }
});
