/**
 * The trust boundary on a real dev server: workflow input never chooses the code the DES worker
 * runs or the files it reads. A gw_workflow directory the worker's settings do not allow is refused
 * before anything in it runs; a "list" that is really a credentials file is refused without a line
 * of it reaching the history or the worker's log.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ImageProcessingInput } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { devServerForThisFile, makeSite, spawnWorker, exportedHistory, withWorker } from '../helpers/harness.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { postProcessing } from '../../workflows/post-processing.js';
import type { PostProcessingInput } from '../../common/post-processing-contract.js';
import { refreshExposuresList } from '../../activities/support/refresh-exposures.js';

const server = devServerForThisFile();
let counter = 0;
const run = (input: ImageProcessingInput) =>
  server.env.client.workflow.execute(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: `trust-${process.pid}-${++counter}`,
    args: [input],
  });

/** The run's refusal: an InvalidInput failure of one line. */
async function refusal(input: ImageProcessingInput): Promise<string> {
  return refused(run(input), 'the run');
}

/** The message of the one-line InvalidInput failure `execution` ends with. */
async function refused(execution: Promise<unknown>, what: string): Promise<string> {
  const err = await execution.then(
    () => assert.fail(`${what} was not refused`),
    (e: unknown) => e,
  );
  const cause = err instanceof WorkflowFailedError ? err.cause?.cause : undefined;
  assert.ok(cause instanceof ApplicationFailure, String(err));
  assert.equal(cause.type, 'InvalidInput');
  assert.doesNotMatch(cause.message, /\n/, 'one line');
  return cause.message;
}

test('a gw_workflow directory the worker does not allow is refused, however it is named, and nothing in it runs', async () => {
  const site = await makeSite();
  // A copy of the site's directory whose scripts would leave a canary, and whose exposures.list
  // lacks the exposure (so that a refresh would source its setup_img_proc.sh).
  const evil = join(site.root, 'elsewhere', 'gw_workflow');
  const canary = join(site.root, 'canary');
  await cp(site.gwDir, evil, { recursive: true });
  const touch = `#!/bin/bash\ntouch '${canary}'\n`;
  for (const script of ['setup_img_proc.sh', 'DAGMaker_proxyuser.sh', 'DAGMaker.sh', 'getExposureInfo.sh']) {
    await writeFile(join(evil, script), touch);
    await chmod(join(evil, script), 0o755);
  }
  await writeFile(
    join(evil, 'exposures.list'),
    'EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT\n',
  );
  const link = join(site.root, 'site', 'gw_link');
  await symlink(evil, link);
  const list = await site.list('trust.list', [941225]);
  await withWorker(server.env, site, async () => {
    for (const named of [evil, link, join(site.gwDir, '..', '..', 'elsewhere', 'gw_workflow')]) {
      const message = await refusal({ exposureListFile: list, season: 'auto', gwWorkflowDir: named });
      assert.equal(
        message,
        `gw_workflow directory ${named} is not one this worker may use: allow it with DESGW_ALLOWED_GW_WORKFLOW_DIRS in the worker's settings`,
      );
    }
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(existsSync(canary), false, 'no script of the refused directory ran');
});

test("a list that is really a .desservices.ini is refused, and its password is nowhere in the history or the worker's log", async () => {
  const site = await makeSite();
  const ini = join(site.root, 'site', 'home', '.desservices.ini');
  const password = /^passwd = (.+)$/m.exec(await readFile(ini, 'utf8'))?.[1];
  assert.ok(password && password.length >= 8, 'the site has a password planted');
  // The same file outside the directories the worker reads.
  const away = join(site.root, 'home', '.desservices.ini');
  await mkdir(join(site.root, 'home'));
  await cp(ini, away);
  const worker = spawnWorker(site, server.env.address, 'worker');
  try {
    const inside = await refusal({ exposureListFile: ini, season: 'auto' });
    assert.match(
      inside,
      /\.desservices\.ini: line \d+: a configuration line \(a \[section\] or key = value: is this the right file\? one exposure number per line\)/,
    );
    const outside = await refusal({ exposureListFile: away, season: 'auto' });
    assert.match(
      outside,
      /^exposure list .*home\/\.desservices\.ini is outside the directories this worker reads and writes .*: allow it with DESGW_ALLOWED_ROOTS in the worker's settings$/,
    );
  } finally {
    worker.kill('SIGTERM');
    await worker;
  }
  for (const id of [`trust-${process.pid}-${counter - 1}`, `trust-${process.pid}-${counter}`]) {
    const history = await exportedHistory(server.env.address, id);
    assert.ok(history.json.length > 1000, 'an exported history');
    assert.ok(
      history.payloads.includes('one exposure number per line') || history.payloads.includes('outside the directories'),
      'the refusal is in the history',
    );
    assert.ok(
      !history.json.includes(password) && !history.payloads.includes(password),
      `the password is not in ${id}'s history`,
    );
  }
  const log = await readFile(join(site.root, 'worker.log'), 'utf8');
  assert.match(log, /desgw worker on /);
  assert.ok(!log.includes(password), "the password is not in the worker's log");
});

/** A post-processing's refusal: an InvalidInput failure of one line. */
function postProcessingRefusal(input: PostProcessingInput): Promise<string> {
  const execution = server.env.client.workflow.execute(postProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: `trust-pp-${process.pid}-${++counter}`,
    args: [input],
  });
  return refused(execution, 'the post-processing');
}

test("a post-processing's input chooses neither the environment jobsub_q runs with nor a checkout the worker does not list", async () => {
  const site = await makeSite();
  const trigger = { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' };
  const exposures = [{ expnum: 1210447, band: 'i', nite: '20231014' }];
  // An "environment" whose PATH leads to a jobsub_q of the starter's choosing.
  const evil = join(site.root, 'evil');
  await mkdir(join(evil, 'bin'), { recursive: true });
  const canary = join(site.root, 'jobsub_q-ran');
  await writeFile(join(evil, 'bin', 'jobsub_q'), `#!/bin/bash\ntouch ${canary}\n`);
  await chmod(join(evil, 'bin', 'jobsub_q'), 0o755);
  await writeFile(join(evil, 'environment.json'), JSON.stringify({ PATH: join(evil, 'bin') }), { mode: 0o600 });
  // A checkout under the gw_workflow directory's parent, but not one the worker lists.
  const copy = join(site.root, 'site', 'Post-Processing-copy');
  await cp(join(site.root, 'site', 'Post-Processing'), copy, { recursive: true });
  await withWorker(server.env, site, async () => {
    const env = await postProcessingRefusal({
      ...trigger,
      season: 612,
      exposures,
      envFile: join(evil, 'environment.json'),
    });
    assert.match(env, /^envFile .*evil\/environment\.json is not a run's own environment/);
    const checkout = await postProcessingRefusal({ ...trigger, season: 612, exposures, postProcessingDir: copy });
    assert.match(
      checkout,
      /Post-Processing checkout .*Post-Processing-copy is not one this worker may use .*DESGW_POSTPROC_DIRS/,
    );
  });
  assert.equal(existsSync(canary), false, 'the jobsub_q of the input never ran');
});

test("the site's scripts never see the worker's secrets: getExposureInfo.sh runs without DESGW_DB_PASSWORD or TEMPORAL_*", async () => {
  const gw = await mkdtemp(join(tmpdir(), 'desgw-scrub-'));
  const names = join(gw, '..', `${basename(gw)}-names`);
  await writeFile(join(gw, 'setup_img_proc.sh'), 'export SITE_SET=1\n');
  await writeFile(
    join(gw, 'getExposureInfo.sh'),
    `#!/bin/bash\nenv | cut -d= -f1 > ${names}\nprintf 'EXPNUM NITE\\n1 20231014\\n' > exposures.list\n`,
  );
  await chmod(join(gw, 'getExposureInfo.sh'), 0o755);
  const saved = { ...process.env };
  Object.assign(process.env, { DESGW_DB_PASSWORD: 'pw-canary', TEMPORAL_API_KEY: 'key-canary' });
  try {
    await refreshExposuresList(gw);
  } finally {
    for (const k of ['DESGW_DB_PASSWORD', 'TEMPORAL_API_KEY']) if (saved[k] === undefined) delete process.env[k];
  }
  const seen = (await readFile(names, 'utf8')).split('\n');
  assert.ok(seen.includes('SITE_SET') && seen.includes('PATH'), 'it ran with the sourced environment');
  assert.deepEqual(
    seen.filter((n) => /^(DESGW_|TEMPORAL_)/.test(n)),
    [],
  );
  await rm(gw, { recursive: true, force: true });
  await rm(names, { force: true });
});
