/**
 * `desgw doctor` on a real dev server and the sandbox site, run as a person runs it on the DES
 * machine (a separate process, the worker's settings in its environment): a healthy setup, and one
 * whose workers are not running.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
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
    'season source',
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

test('desgw doctor on a healthy setup: every check passes, exit 0', async () => {
  const site = await makeSite();
  await withWorker(server.env, site, async () => {
    const r = await desgw(site, ['doctor']);
    console.log(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.ok(
      [...rows(r.stdout).values()].every((v) => v === 'ok'),
      r.stdout,
    );
    assert.equal(rows(r.stdout).size, 12);
  });
});
