/**
 * The operators' view, used the way a person would: the desgw command and the Temporal CLI as
 * separate processes against a real dev server, runs found by season, progress, signals, history.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ImageProcessingResult, Progress } from '../../common/contract.js';
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

const desgw = desgwAt(() => server.env.address);
const temporal = temporalAt(() => server.env.address);

test('desgw run --follow runs a season to the end; the run and its children are found by season', async () => {
  const list = await site.list('s612.list', [1210447, 1210448, 1210449]);
  await withWorker(server.env, site, async () => {
    const r = await desgw(['run', '--exp-list', list, '--season', '612', '--set', 'WRITEDB=on', '--follow', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const result = JSON.parse(r.stdout) as ImageProcessingResult;
    assert.equal(result.workflowId, 'desgw-season-612');
    assert.equal(result.counts.submitted, 3);
    assert.match(r.stderr, /done/, 'progress was shown while following');

    const listed = await eventually(
      'the run and its three children in the visibility store',
      async () => {
        const l = await temporal(['workflow', 'list', '--query', 'DesgwSeason=612', '--output', 'json']);
        const ids = (JSON.parse(l.stdout || '[]') as { execution: { workflowId: string } }[]).map(
          (w) => w.execution.workflowId,
        );
        return ids.length === 4 ? ids : null;
      },
      20_000,
      500,
    );
    assert.deepEqual(listed.sort(), [
      'desgw-season-612',
      'desgw-season-612-exp-1210447',
      'desgw-season-612-exp-1210448',
      'desgw-season-612-exp-1210449',
    ]);
    const band = result.exposures.find((e) => e.expnum === 1210447)!.band;
    const one = await temporal([
      'workflow',
      'list',
      '--query',
      `DesgwExposure=1210447 AND DesgwBand="${band}"`,
      '--output',
      'json',
    ]);
    assert.deepEqual(
      (JSON.parse(one.stdout) as { execution: { workflowId: string } }[]).map((w) => w.execution.workflowId),
      ['desgw-season-612-exp-1210447'],
    );
    const done = await temporal([
      'workflow',
      'list',
      '--query',
      'DesgwStatus="done" AND DesgwNite="20231014"',
      '--output',
      'json',
    ]);
    assert.ok(done.stdout.includes('desgw-season-612'));

    const status = await desgw(['status', 'desgw-season-612']);
    assert.equal(status.exitCode, 0, status.stderr);
    assert.match(status.stdout, /run desgw-season-612: done, season 612, 3\/3 done/);
    assert.match(status.stdout, /1210447\s+[iz]\s+submitted\s+\d+\.0@jobsub01\.fnal\.gov/);
    const json = JSON.parse((await desgw(['status', 'desgw-season-612', '--json'])).stdout) as Progress;
    assert.equal(json.counts.submitted, 3);

    // The history reads well: summaries of the child and of its activities.
    const child = await temporal([
      'workflow',
      'show',
      '--workflow-id',
      'desgw-season-612-exp-1210447',
      '--output',
      'json',
    ]);
    assert.match(payloadTexts(child.stdout), /"DAGMaker 1210447 \([iz], 20231014\)"/);
    assert.match(payloadTexts(child.stdout), /"submit 1210447"/);
    assert.match(payloadTexts(child.stdout), /"exposure 1210447 \([iz], 20231014\), season 612"/);
  });
});

/** The text of every payload in a CLI JSON output (summaries are payloads, base64 in `data`). */
function payloadTexts(json: string): string {
  return [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)]
    .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
    .join('\n');
}

test('Temporal CLI recipes: start from a JSON file, query progress, signal, cancel, show history, resume', async () => {
  const list = await site.list('recipes.list', [1210450, 1210451, 1210452, 1210453]);
  await writeFile(join(site.state, 'faults', 'dagmaker_hang.1210453'), '1');
  const input = join(site.root, 'run.json');
  await writeFile(input, JSON.stringify({ exposureListFile: list, season: 613, maxConcurrent: 2 }));
  await withWorker(server.env, site, async () => {
    const started = await temporal([
      'workflow',
      'start',
      '--type',
      'imageProcessing',
      '--task-queue',
      'desgw-image-processing',
      '--workflow-id',
      'desgw-season-613',
      '--input-file',
      input,
    ]);
    assert.equal(started.exitCode, 0, started.stderr);
    const progress = await eventually(
      'the hanging exposure to be making its DAG',
      async () => {
        const q = await temporal([
          'workflow',
          'query',
          '--workflow-id',
          'desgw-season-613',
          '--name',
          'progress',
          '--output',
          'json',
        ]);
        const p = (JSON.parse(q.stdout) as { queryResult: Progress[] }).queryResult[0]!;
        return p.exposures.find((e) => e.expnum === 1210453)?.state === 'making-dag' && p.counts.submitted === 3
          ? p
          : null;
      },
      60_000,
      500,
    );
    assert.equal(progress.season, 613);
    const signalled = await temporal([
      'workflow',
      'signal',
      '--workflow-id',
      'desgw-season-613',
      '--name',
      'proxyRenewed',
    ]);
    assert.equal(signalled.exitCode, 0, signalled.stderr);
    const cancelled = await temporal(['workflow', 'cancel', '--workflow-id', 'desgw-season-613']);
    assert.equal(cancelled.exitCode, 0, cancelled.stderr);
    await eventually(
      'the run to be cancelled',
      async () =>
        (
          await temporal(['workflow', 'describe', '--workflow-id', 'desgw-season-613', '--output', 'json'])
        ).stdout.includes('WORKFLOW_EXECUTION_STATUS_CANCELED'),
      30_000,
      500,
    );
    const history = await temporal(['workflow', 'show', '--workflow-id', 'desgw-season-613']);
    assert.match(history.stdout, /WorkflowExecutionCancelRequested|CancelRequested/);

    // Resume with the Temporal CLI: the same workflow id, the same input with "resume".
    const resumed = await temporal([
      'workflow',
      'execute',
      '--type',
      'imageProcessing',
      '--task-queue',
      'desgw-image-processing',
      '--workflow-id',
      'desgw-season-613',
      '--input',
      JSON.stringify({ exposureListFile: list, season: 613, maxConcurrent: 2, resume: {} }),
      '--output',
      'json',
    ]);
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    const result = (JSON.parse(resumed.stdout) as { result: ImageProcessingResult }).result;
    assert.equal(result.counts.submitted, 4);
    assert.equal(result.exposures.filter((e) => e.resumed).length, 3);
    const events = await site.ledger();
    for (const e of [1210450, 1210451, 1210452, 1210453])
      assert.equal(events.filter((x) => x.event === 'submit' && Number(x.expnum) === e).length, 1);
  });
});

test('desgw follows the conventions of a command-line tool', async () => {
  for (const cmd of ['run', 'status', 'watch', 'resume', 'proxy-renewed', 'retry-environment', 'cancel']) {
    const h = await desgw([cmd, '--help']);
    assert.equal(h.exitCode, 0, `${cmd} --help`);
    assert.match(h.stdout, /Usage: desgw /);
  }
  const usage = await desgw(['run', '--exp-list', 'x.list', '--season', 'soon']);
  assert.equal(usage.exitCode, 64);
  assert.match(usage.stderr, /use "auto" or a season number/);
  const missing = await desgw(['status', 'desgw-no-such-run']);
  assert.equal(missing.exitCode, 64);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
});

test('desgw run --dry-run checks everything, runs no DAGMaker and reserves nothing', async () => {
  const list = await site.list('dry.list', [1210460, 1210461]);
  await withWorker(server.env, site, async () => {
    const startsBefore = (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length;
    const ok = await desgw(['run', '--exp-list', list, '--season', '700', '--set', 'MIN_NITE=20230101', '--dry-run']);
    assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /dry run: everything checks out/);
    assert.match(ok.stdout, /season:\s+700/);
    assert.match(ok.stdout, /\+MIN_NITE='20230101'/);
    assert.match(ok.stdout, /jobsub_submit_dag at .*grid\/bin\/jobsub_submit_dag/);
    // Nothing reserved: a real run may still take 700.
    const again = await desgw(['run', '--exp-list', list, '--season', '700', '--dry-run', '--json']);
    assert.equal(JSON.parse(again.stdout).season, 700);
    const bad = await desgw(['run', '--exp-list', list, '--season', '612', '--set', 'WRITE_DB=on', '--dry-run']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stdout, /problem: rc key 'WRITE_DB' is not a dagmaker.rc key/);
    const taken = await desgw(['run', '--exp-list', list, '--season', '612', '--dry-run']);
    assert.equal(taken.exitCode, 2);
    assert.match(taken.stdout, /problem: season 612 is already reserved by run desgw-season-612/);
    assert.equal(
      (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length,
      startsBefore,
      'no DAGMaker ran',
    );
  });
});

test('temporal workflow reset replays a finished run from its first task: it is not taken for a rerun, and nothing is submitted twice', async () => {
  const list = await site.list('reset.list', [1210460, 1210461]);
  await withWorker(server.env, site, async () => {
    const id = `reset-${process.pid}`;
    const first = await desgw([
      'run',
      '--exp-list',
      list,
      '--season',
      'auto',
      '--workflow-id',
      id,
      '--follow',
      '--json',
    ]);
    assert.equal(first.exitCode, 0, first.stderr);
    const before = JSON.parse(first.stdout) as ImageProcessingResult;
    const reset = await temporal([
      'workflow',
      'reset',
      '--workflow-id',
      id,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'runbook test',
    ]);
    assert.equal(reset.exitCode, 0, reset.stderr);
    const after = (await server.env.client.workflow.getHandle(id).result()) as ImageProcessingResult;
    assert.equal(after.season, before.season, 'the same season');
    assert.deepEqual(
      after.exposures.map((e) => [e.expnum, e.status, e.jobId]),
      before.exposures.map((e) => [e.expnum, 'submitted', e.jobId]),
      'the same job ids',
    );
    const events = await site.ledger();
    for (const e of [1210460, 1210461]) {
      assert.equal(
        events.filter((x) => x.event === 'submit' && Number(x.expnum) === e).length,
        1,
        `submissions of ${e}`,
      );
    }
  });
});

test('post-processing from desgw and from the Temporal CLI: a finished run, by its workflow id', async () => {
  const trigger = ['--trigger-id', 'S240511i', '--trigger-mjd', '60441.37', '--propid', '2024A-0001'];
  await withWorker(server.env, site, async () => {
    const input = {
      imageProcessingWorkflowId: 'desgw-season-612',
      triggerId: 'S240511i',
      triggerMjd: 60441.37,
      propid: '2024A-0001',
    };
    const started = await temporal([
      'workflow',
      'start',
      '--type',
      'postProcessing',
      '--task-queue',
      'desgw-image-processing',
      '--workflow-id',
      'pp-cli-612',
      '--input',
      JSON.stringify(input),
    ]);
    assert.equal(started.exitCode, 0, started.stderr);
    const result = await temporal(['workflow', 'result', '--workflow-id', 'pp-cli-612', '--output', 'json']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /"outcome":\s*"success"/);
    const query = await temporal([
      'workflow',
      'query',
      '--workflow-id',
      'pp-cli-612',
      '--name',
      'postProcessingProgress',
    ]);
    assert.equal(query.exitCode, 0, query.stderr);
    assert.match(query.stdout, /"phase":\s*"done"/);

    const r = await desgw([
      'post-process',
      '--run',
      'desgw-season-612',
      ...trigger,
      '--workflow-id',
      'pp-desgw-612',
      '--follow',
      '--json',
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const pp = JSON.parse(r.stdout) as { outcome: string; season: number; masterHtml: string };
    assert.equal(pp.outcome, 'success');
    assert.equal(pp.season, 612);
    assert.match(pp.masterHtml, /\/index\.html$/);
    const status = await desgw(['status', 'pp-desgw-612']);
    assert.equal(status.exitCode, 0, status.stderr);
    assert.match(status.stdout, /^post-processing pp-desgw-612: done season 612: 3 of 3 DAGs finished/m);
  });
  const noPropid = await desgw(['post-process', '--run', 'desgw-season-612', ...trigger.slice(0, 4)]);
  assert.equal(noPropid.exitCode, 64);
  assert.match(noPropid.stderr, /--propid/);
});
