/**
 * The operators' console as a new DESGW operator uses it: `desgw` and the Temporal CLI as separate
 * processes against a real dev server, a real worker and the sandbox site. Each case is one promise
 * of the console: why a run failed, its real state, what to do next, and that nothing starts over
 * or rewrites a run that exists.
 */
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ImageProcessingResult } from '../../common/contract.js';
import {
  temporalAt,
  desgwAt,
  devServerForThisFile,
  eventually,
  makeSite,
  withWorker,
  type Site,
} from '../helpers/harness.js';

const server = devServerForThisFile();
let site: Site;
before(async () => {
  site = await makeSite();
});

const desgw = desgwAt(() => server.env.address, { DESGW_WEB_UI: 'http://ui.test' });
const temporal = temporalAt(() => server.env.address);
const lines = (text: string) => text.trim().split('\n');
/** The README's Temporal CLI recipe: start an imageProcessing run with this input (and flags). */
const cliStart = (workflowId: string, input: object, ...flags: string[]) =>
  temporal([
    'workflow',
    'start',
    '--type',
    'imageProcessing',
    '--task-queue',
    'desgw-image-processing',
    '--workflow-id',
    workflowId,
    ...flags,
    '--input',
    JSON.stringify(input),
  ]);
const idsWhere = async (query: string) =>
  (
    JSON.parse((await temporal(['workflow', 'list', '--query', query, '--output', 'json'])).stdout || '[]') as {
      execution: { workflowId: string; runId: string };
    }[]
  ).map((w) => w.execution);

test('a run that fails on its input says why on one line, and to fix it and start again, in run --follow, status, the published status and post-process', async () => {
  const outside = join(tmpdir(), `desgw-console-${process.pid}.list`);
  await writeFile(outside, '1210447\n');
  const id = `console-badlist-${process.pid}`;
  await withWorker(server.env, site, async () => {
    const r = await desgw(['run', '--exp-list', outside, '--season', 'auto', '--workflow-id', id, '--follow']);
    assert.equal(r.exitCode, 2, r.stderr);
    const last = lines(r.stderr).at(-1)!;
    assert.match(last, new RegExp(`^run ${id} failed: .*exposure list.* — next: fix it, then start a new run`));
    assert.doesNotMatch(r.stderr, /Activity task failed/);

    const status = await desgw(['status', id]);
    assert.equal(status.exitCode, 2, status.stdout);
    assert.match(lines(status.stdout)[0]!, new RegExp(`^run ${id} failed: .*exposure list.* — next: fix it`));
    assert.doesNotMatch(status.stdout, /validating, 0\/0 done/);

    const failed = await eventually('DesgwStatus="failed" to find the run', async () =>
      (await idsWhere('DesgwStatus="failed"')).some((w) => w.workflowId === id),
    );
    assert.ok(failed);
    const details = await temporal(['workflow', 'metadata', '--workflow-id', id]);
    assert.match(details.stdout, /Failed:.*exposure list/);
    assert.match(details.stdout, /Next:.*fix it, then start a new run/);

    const pp = await desgw(['post-process', '--run', id, '--trigger-id', 'S240511i', '--trigger-mjd', '60441.37']);
    assert.equal(pp.exitCode, 64, 'a missing --propid is a usage error');
    const pp2 = await desgw([
      'post-process',
      '--run',
      id,
      '--trigger-id',
      'S240511i',
      '--trigger-mjd',
      '60441.37',
      '--propid',
      '2024A-0001',
      '--follow',
    ]);
    assert.equal(pp2.exitCode, 2, pp2.stderr);
    const ppLast = lines(pp2.stderr).at(-1)!;
    assert.match(ppLast, /failed: .*handed nothing to post-process: finish it first \(desgw resume/);
    assert.doesNotMatch(pp2.stderr, /post-process it once it has finished|Activity task failed/);
    assert.match(ppLast, /— next: fix it, then start a new post-processing/);
  });
  await rm(outside, { force: true });
});

test('status of a terminated or cancelled run says so, with the reason and the resume command, and no exposure reads as still in flight', async () => {
  const list = await site.list('console-stop.list', [1210450, 1210451]);
  await withWorker(server.env, site, async () => {
    for (const how of ['terminated', 'cancelled'] as const) {
      // Each hang fires once: both exposures stay in DAGMaker until the run is stopped.
      await site.fault('dagmaker_hang.1210450');
      await site.fault('dagmaker_hang.1210451');
      const id = `console-${how}-${process.pid}`;
      const started = await desgw(['run', '--exp-list', list, '--season', 'auto', '--workflow-id', id]);
      assert.equal(started.exitCode, 0, started.stderr);
      assert.match(started.stdout, new RegExp(`follow it with: desgw watch ${id}`));
      await eventually('both exposures in DAGMaker', async () => {
        const s = await desgw(['status', id]);
        return s.exitCode === 3 && /making DAG 2/.test(s.stdout);
      });
      if (how === 'terminated')
        await temporal(['workflow', 'terminate', '--workflow-id', id, '--reason', 'operator stopped the night']);
      else assert.equal((await desgw(['cancel', id])).exitCode, 0);
      const status = await eventually(`desgw status to read ${how}`, async () => {
        const s = await desgw(['status', id]);
        return s.exitCode === 2 ? s : null;
      });
      const first = lines(status.stdout)[0]!;
      assert.match(first, new RegExp(`^run ${id} ${how}: .* — next: to finish it: desgw resume ${id}$`));
      if (how === 'terminated') assert.match(first, /operator stopped the night/);
      assert.doesNotMatch(status.stdout, /making-dag|making DAG [1-9]/);
      assert.match(status.stdout, /cancelled 2/);
    }
  });
});

test('desgw run over a completed run is refused in one line with the resume command and starts nothing; so is the Temporal CLI recipe', async () => {
  const list = await site.list('console-650.list', [1210452, 1210453]);
  await withWorker(server.env, site, async () => {
    const first = await desgw(['run', '--exp-list', list, '--season', '650', '--set', 'WRITEDB=off', '--follow']);
    assert.equal(first.exitCode, 0, first.stderr);
    assert.match(first.stderr, /in the Web UI: http:\/\/ui\.test\/namespaces\/default\/workflows\/desgw-season-650\//);
    const before = await idsWhere('WorkflowId="desgw-season-650"');
    assert.equal(before.length, 1);

    const again = await desgw(['run', '--exp-list', list, '--season', '650', '--set', 'WRITEDB=off']);
    assert.equal(again.exitCode, 64, again.stdout);
    assert.equal(lines(again.stderr).length, 1, again.stderr);
    assert.match(
      again.stderr,
      /run desgw-season-650 already exists \(completed\): nothing started; .*desgw resume desgw-season-650/,
    );
    assert.doesNotMatch(again.stdout, /started/);

    const input = { exposureListFile: list, season: 650, rc: { WRITEDB: 'off' } };
    const viaCli = await cliStart('desgw-season-650', input, '--id-reuse-policy', 'RejectDuplicate');
    // The server refuses a new execution (the CLI may answer with the existing run's id): none is made.
    const after = await idsWhere('WorkflowId="desgw-season-650"');
    assert.deepEqual(after, before, `no new execution: ${viaCli.stdout} ${viaCli.stderr}`);
    const status = await desgw(['status', 'desgw-season-650']);
    assert.equal(status.exitCode, 0, status.stdout);
    assert.match(status.stdout, /^run desgw-season-650 completed: 2 of 2 exposures submitted$/m);
  });
});

test("a resume whose list or rc is not the run's is refused naming the difference and changes no file; resuming a completed run changes nothing", async () => {
  const list = await site.list('console-651.list', [1210454, 1210455]);
  const other = await site.list('console-651b.list', [1210454, 1210455, 1210456]);
  const id = 'desgw-season-651';
  await withWorker(server.env, site, async () => {
    const first = await desgw([
      'run',
      '--exp-list',
      list,
      '--season',
      '651',
      '--set',
      'WRITEDB=off',
      '--follow',
      '--json',
    ]);
    assert.equal(first.exitCode, 0, first.stderr);
    const result = JSON.parse(first.stdout) as ImageProcessingResult;
    const files = [
      join(result.runDir, 'dagmaker.rc'),
      result.outputFiles.outputTxt,
      result.outputFiles.manifest,
      result.outputFiles.latestOutputTxt!,
    ];
    const snapshot = async () =>
      Promise.all(files.map(async (f) => `${f} ${(await stat(f)).mtimeMs} ${await readFile(f, 'utf8')}`));
    const before = await snapshot();
    const submitsBefore = (await site.ledger()).filter((e) => e.event === 'submit').length;

    // The README's Temporal CLI resume recipe, with another list and rc.
    const drift = { exposureListFile: other, season: 651, rc: { WRITEDB: 'on' }, resume: {} };
    const started = await cliStart(id, drift);
    assert.equal(started.exitCode, 0, started.stderr);
    const refused = await temporal(['workflow', 'result', '--workflow-id', id]);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stdout + refused.stderr, /resume of run desgw-season-651 refused, nothing was changed/);
    assert.match(refused.stdout + refused.stderr, /the list has exposures the run did not \(1210456\)/);
    assert.match(refused.stdout + refused.stderr, /rc WRITEDB is 'on', the run had 'off'/);
    assert.deepEqual(await snapshot(), before, 'no file changed');

    // desgw resume takes the run's own input, whatever execution came since; with nothing left it writes nothing.
    const resumed = await desgw(['resume', id, '--retry-failed', '--follow', '--json']);
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    const r = JSON.parse(resumed.stdout) as ImageProcessingResult;
    assert.deepEqual(
      r.exposures.map((e) => [e.expnum, e.status, e.resumed]),
      [
        [1210454, 'submitted', true],
        [1210455, 'submitted', true],
      ],
    );
    assert.deepEqual(
      await snapshot(),
      before,
      'resuming a completed run rewrote nothing, not even the legacy output.txt',
    );
    assert.equal((await site.ledger()).filter((e) => e.event === 'submit').length, submitsBefore);
  });
});

test('a wait says when it re-checks and which desgw command carries it on, never a bare signal name; quick retries show their attempt and last failure', async () => {
  const list = await site.list('console-wait.list', [1210457]);
  const id = `console-wait-${process.pid}`;
  await site.fault('submit_fail.1210457', '2');
  await withWorker(
    server.env,
    site,
    async () => {
      const started = await desgw(['run', '--exp-list', list, '--season', 'auto', '--workflow-id', id]);
      assert.equal(started.exitCode, 0, started.stderr);
      const retrying = await eventually(
        'the submission in its quick retries',
        async () => {
          const s = await desgw(['status', id]);
          return /submitting \(attempt 2 of 6: /.test(s.stdout) ? s : null;
        },
        60_000,
        300,
      );
      assert.equal(retrying.exitCode, 3, 'a running run is not a success yet');
      const retryDetails = await eventually('Current Details to show the attempt', async () => {
        const d = (await temporal(['workflow', 'metadata', '--workflow-id', id])).stdout;
        return /exposure 1210457: submitting \(attempt 2 of 6: /.test(d) ? d : null;
      });
      assert.ok(retryDetails);
      const done = await desgw(['watch', id]);
      assert.equal(done.exitCode, 0, done.stderr);

      const proxyList = await site.list('console-proxy.list', [1210458]);
      const proxyId = `console-proxy-${process.pid}`;
      await site.fault('proxy_expired');
      await desgw(['run', '--exp-list', proxyList, '--season', 'auto', '--workflow-id', proxyId]);
      const waiting = await eventually('the run to wait for a proxy', async () => {
        const s = await desgw(['status', proxyId]);
        return /WAITING FOR PROXY/.test(s.stdout) && /last re-check/.test(s.stdout) ? s : null;
      });
      assert.match(waiting.stdout, /Re-checked every 2 s\. Renew it .*then: desgw proxy-renewed /);
      assert.match(waiting.stdout, /last re-check \S+: nothing changed/);
      assert.doesNotMatch(waiting.stdout, /signal proxyRenewed|signal retryEnvironment/);
      const details = (await temporal(['workflow', 'metadata', '--workflow-id', proxyId])).stdout;
      const next = details.indexOf(`Next:** desgw proxy-renewed ${proxyId}`);
      assert.ok(next > 0, details);
      assert.ok(next < details.indexOf('submitted 0'), 'what to do comes before the counts and any output');
      await rm(join(site.state, 'faults', 'proxy_expired'));
      assert.equal((await desgw(['proxy-renewed', proxyId])).exitCode, 0);
      assert.equal((await desgw(['watch', proxyId])).exitCode, 0);
    },
    { timing: { retryInitialIntervalS: 2, proxyRecheckS: 2 } },
  );
});

test('status follows a run into its post-processing, repeating its wait line and the proceed command', async () => {
  const list = await site.list('console-pp.list', [1210459, 1210460]);
  const id = `console-pp-${process.pid}`;
  await site.fault('grid_held.1210460');
  await withWorker(server.env, site, async () => {
    const trigger = ['--trigger-id', 'S240511i', '--trigger-mjd', '60441.37', '--propid', '2024A-0001'];
    const started = await desgw([
      'run',
      '--exp-list',
      list,
      '--season',
      'auto',
      '--workflow-id',
      id,
      '--set',
      'WRITEDB=on',
      '--post-process',
      ...trigger,
    ]);
    assert.equal(started.exitCode, 0, started.stderr);
    let last = '';
    const s = await eventually(
      'the run to show its post-processing waiting for the grid',
      async () => {
        const r = await desgw(['status', id]);
        last = r.stdout + r.stderr;
        return /then post-processing .*waiting-for-grid/.test(r.stdout) && /desgw proceed /.test(r.stdout) ? r : null;
      },
      90_000,
      500,
    ).catch((err: Error) => assert.fail(`${err.message}; last status: ${last}`));
    assert.match(s.stdout, new RegExp(`then post-processing ${id}-postproc: waiting-for-grid`));
    assert.match(s.stdout, new RegExp(`desgw proceed ${id}-postproc`));
    await temporal(['workflow', 'terminate', '--workflow-id', `${id}-postproc`, '--reason', 'test over']);
    await temporal(['workflow', 'terminate', '--workflow-id', id, '--reason', 'test over']);
  });
});

test('usage errors are one line with a suggestion for a near miss, and --help marks the required options', async () => {
  const r = await desgw(['run', '--exp-list', 'x.list', '--season', 'auto', '--max-concurent', '3']);
  assert.equal(r.exitCode, 64);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /unknown option '--max-concurent'.*Did you mean --max-concurrent\?/);
  const help = await desgw(['run', '--help']);
  assert.match(help.stdout, /--exp-list <file>\s+\(required\)/);
  assert.match(help.stdout, /--season <auto\|N>\s+\(required\)/);
});

test('a dry run is marked DesgwStatus=dry-run, so the workflow list can leave dry runs out', async () => {
  const list = await site.list('console-dry.list', [1210461]);
  await withWorker(server.env, site, async () => {
    const r = await desgw(['run', '--exp-list', list, '--season', 'auto', '--dry-run']);
    assert.equal(r.exitCode, 0, r.stderr);
    const dry = await eventually('the dry run in the list', async () => {
      const l = await idsWhere('DesgwStatus="dry-run"');
      return l.length > 0 ? l : null;
    });
    assert.ok(dry.every((w) => w.workflowId.startsWith('desgw-dry-run-')));
    assert.equal((await idsWhere('DesgwStatus!="dry-run" AND WorkflowId STARTS_WITH "desgw-dry-run-"')).length, 0);
  });
});
