/**
 * The Post-Processing environment check desgw doctor calls (activities/support/postproc-environment.ts)
 * against the sandbox site's checkout: the same sourcing of diffimg_setup.sh and python check the
 * post-processing shell does, the database section easyaccess will read, the files the run opens
 * hours in; and what it does while a post-processing holds the checkout.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { checkPostprocEnvironment, CHECKOUT_LOCK } from '../../activities/support/postproc-environment.js';
import { ensureSandboxSite } from '../../workers/sandbox-site.js';
import { makeSite, siteConfig } from '../helpers/harness.js';

test("on a whole sandbox checkout: python 2.7 imports the five modules, [db-destest] is in easyaccess's file, the files the run opens later are there", async () => {
  const site = await makeSite();
  const checkout = join(site.root, 'site', 'Post-Processing');
  const c = await checkPostprocEnvironment(siteConfig(site), checkout);
  assert.equal(c.ok, true, c.detail);
  assert.equal(c.version, 'Python 2.7.15');
  assert.match(c.python ?? '', /\/Post-Processing\/sandbox-bin\/python$/);
  assert.match(c.detail, /imports ConfigParser, joblib, fitsio, easyaccess, psycopg2/);
  assert.match(c.detail, /\/site\/home\/\.desservices\.ini has \[db-destest\]/);
  assert.match(c.detail, /forcePhoto_master\.pl, steplist\.txt, getSeason\.py, tableSortTest\.html there/);
});

test('what it finds wanting, each named on one line: a module the python lacks, a missing database section, files the run opens hours in; never a word of the secrets file', async () => {
  const site = await makeSite();
  const checkout = join(site.root, 'site', 'Post-Processing');
  const ini = join(site.root, 'site', 'home', '.desservices.ini');
  const text = await readFile(ini, 'utf8');
  const password = /^\[db-dessci\][^[]*?^passwd = (\S+)$/m.exec(text)![1]!;
  await writeFile(ini, text.replace(/^\[db-destest\][^[]*/m, ''));
  await site.fault('python_missing', 'easyaccess');
  await unlink(join(checkout, 'tableSortTest.html'));
  await chmod(join(checkout, 'forcePhoto_master.pl'), 0o644);
  const c = await checkPostprocEnvironment(siteConfig(site), checkout);
  assert.equal(c.ok, false);
  assert.deepEqual(c.problems, [
    'the checkout lacks forcePhoto_master.pl (executable), tableSortTest.html, which the run opens hours in',
    `the python on PATH after sourcing diffimg_setup.sh (${c.python}, Python 2.7.15) cannot import easyaccess`,
    `${ini} has no [db-destest] section: postproc.ini's [general] db is destest`,
  ]);
  assert.equal(c.detail, c.problems.join('; '));
  assert.ok(!c.detail.includes(password), 'the password is never said');
  assert.ok(!c.detail.includes('desgw_sandbox'), 'nor the user');
});

test('while a post-processing holds the checkout, its environment is not sourced under it: it says so, and checks the rest', async () => {
  const site = await makeSite();
  const checkout = join(site.root, 'site', 'Post-Processing');
  const holder = execa('flock', [join(checkout, CHECKOUT_LOCK), 'sleep', '30'], { reject: false });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const before = (await site.ledger()).filter((e) => e.event === 'pp_setup').length;
    const c = await checkPostprocEnvironment(siteConfig(site), checkout);
    assert.equal(c.ok, true, c.detail);
    assert.match(
      c.detail,
      /^environment not checked, nor easyaccess's file it names: a post-processing is running in the checkout; forcePhoto_master\.pl, steplist\.txt, getSeason\.py, tableSortTest\.html there$/,
    );
    assert.equal(c.version, undefined);
    assert.equal(
      (await site.ledger()).filter((e) => e.event === 'pp_setup').length,
      before,
      'diffimg_setup.sh not sourced',
    );
  } finally {
    holder.kill('SIGTERM');
    await holder;
  }
});

test('DESGW_POSTPROC_WRAPPER that cannot run is the first thing said', async () => {
  const site = await makeSite();
  const checkout = join(site.root, 'site', 'Post-Processing');
  const c = await checkPostprocEnvironment(
    siteConfig(site, { postprocWrapper: join(site.root, 'no-such-wrapper') }),
    checkout,
  );
  assert.equal(c.ok, false);
  assert.match(c.problems[0]!, /^DESGW_POSTPROC_WRAPPER \S+no-such-wrapper is not an executable file/);
});

test("an embedded sandbox site made before its checkout's python stood in for Python 2.7 is made again, not used", async () => {
  const root = await mkdtemp(join(tmpdir(), 'desgw-old-site-'));
  try {
    await ensureSandboxSite(root);
    await writeFile(join(root, 'state', 'made-before'), '');
    assert.equal(await ensureSandboxSite(root), join(root, 'gw_workflow'));
    assert.ok(existsSync(join(root, 'state', 'made-before')), 'a current site is kept as it is');
    await rm(join(root, 'Post-Processing', 'sandbox-py27'), { recursive: true });
    await ensureSandboxSite(root);
    assert.ok(existsSync(join(root, 'Post-Processing', 'sandbox-py27', 'ConfigParser.py')));
    assert.equal(existsSync(join(root, 'state', 'made-before')), false, 'made again');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
