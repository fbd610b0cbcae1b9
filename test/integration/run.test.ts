/**
 * The durable run end to end: a real dev server, the real activities, the sandbox site's real
 * DAGMaker and jobsub stand-ins, checked through the site's ledger and the files the run writes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ImageProcessingInput, ImageProcessingResult } from '../../common/contract.js';
import { MAX_EXPOSURES_PER_RUN, TASK_QUEUE } from '../../common/contract.js';
import { formatOutputTxt } from '../../common/output-file.js';
import { execa } from 'execa';
import {
  dagmakerIntervals,
  makeSite,
  maxOverlap,
  devServerForThisFile,
  temporalCli,
  withWorker,
  siteConfig,
  workflowBundle,
  type Site,
  range,
} from '../helpers/harness.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import type { Worker } from '@temporalio/worker';
import { LocalSeasonSource } from '../../activities/support/season-source.js';
import { Failure } from '../../common/failures.js';
import { createWorkers, runWorkers } from '../../workers/create.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';

const server = devServerForThisFile();

let counter = 0;
async function run(
  input: ImageProcessingInput,
  id = `test-run-${process.pid}-${++counter}`,
): Promise<ImageProcessingResult> {
  return server.env.client.workflow.execute(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [input],
  });
}

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

describe('a full run on the sandbox site', () => {
  let site: Site;
  let result: ImageProcessingResult;
  const expnums = range(1210400, 12);
  let siteRcBefore: string;

  before(async () => {
    site = await makeSite();
    siteRcBefore = await sha(join(site.gwDir, 'dagmaker.rc'));
    const list = await site.list('night.list', [
      '# S231014 search exposures',
      ...expnums,
      '',
      String(expnums[0]),
      '1210401  # again',
    ]);
    result = await withWorker(server.env, site, () =>
      run({ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'off', TEFF_CUT_i: '0.25', MIN_NITE: '20130101' } }),
    );
  });

  test('every exposure is made and submitted exactly once', async () => {
    assert.equal(result.counts.submitted, expnums.length, JSON.stringify(result.exposures.filter((e) => e.error)));
    assert.deepEqual(result.duplicatesDropped, [1210400, 1210401]);
    const events = await site.ledger();
    for (const e of expnums) {
      assert.equal(
        events.filter((x) => x.event === 'dagmaker_start' && Number(x.expnum) === e).length,
        1,
        `DAGMaker runs for ${e}`,
      );
      assert.equal(
        events.filter((x) => x.event === 'submit' && Number(x.expnum) === e).length,
        1,
        `submissions of ${e}`,
      );
    }
    for (const x of result.exposures) {
      const submit = events.find((ev) => ev.event === 'submit' && Number(ev.expnum) === x.expnum)!;
      assert.equal(x.jobId, submit.jobid, `job id of ${x.expnum}`);
      assert.equal(x.status, 'submitted');
      assert.ok(x.band === 'i' || x.band === 'z');
      assert.equal(x.nite, '20231014');
    }
  });

  test('at most five DAGMakers at once, and five reached', async () => {
    const intervals = dagmakerIntervals(await site.ledger());
    assert.equal(intervals.length, expnums.length);
    assert.equal(maxOverlap(intervals), 5);
  });

  test('no two DAGMakers share a working directory or a scratch file', async () => {
    const events = await site.ledger();
    assert.deepEqual(
      events.filter((e) => e.event === 'clobber'),
      [],
    );
    const cwds = new Set(dagmakerIntervals(events).map((i) => i.cwd));
    assert.equal(cwds.size, expnums.length);
    for (const x of result.exposures) assert.equal(x.workDir, join(result.runDir, `exp_${x.expnum}`));
  });

  test("each DAGMaker read the run's season and rc; the site's dagmaker.rc is untouched", async () => {
    for (const i of dagmakerIntervals(await site.ledger())) assert.equal(i.season, String(result.season));
    assert.ok(result.season >= 101);
    const rc = await readFile(join(result.runDir, 'dagmaker.rc'), 'utf8');
    assert.match(rc, new RegExp(`^SEASON='${result.season}'$`, 'm'));
    assert.match(rc, /^TEFF_CUT_i='0.25'$/m);
    assert.match(rc, /^MIN_NITE='20130101'$/m);
    assert.equal(await sha(join(site.gwDir, 'dagmaker.rc')), siteRcBefore);
    assert.deepEqual(result.rcChanges.map((c) => c.key).sort(), ['MIN_NITE', 'SEASON', 'TEFF_CUT_i', 'WRITEDB']);
  });

  test("each exposure's .dag, DAGMaker output and submission output are where the result says", async () => {
    for (const x of result.exposures) {
      const dag = await readFile(x.dagFile!, 'utf8');
      assert.match(dag, /<parallel>/);
      const searchJobs = dag
        .split('\n')
        .filter((l) => l.includes('file://SEdiff.sh') && l.includes(` -E ${x.expnum} `) && / -c \d+ /.test(l));
      assert.equal(searchJobs.length, 59, `search jobs in ${x.dagFile}`);
      assert.match(await readFile(x.dagmakerOutFile!, 'utf8'), /To submit this DAG do/);
      assert.match(
        await readFile(x.submitOutFile!, 'utf8'),
        new RegExp(`Use job id ${x.jobId!.replace(/\./g, '\\.')} to retrieve output`),
      );
      assert.ok(x.attempts.dagmaker === 1 && x.attempts.submit === 1);
      assert.ok(x.durationsMs.total > 0);
    }
  });

  test('output.txt and manifest.json hand the run to post-processing', async () => {
    const text = await readFile(result.outputFiles.outputTxt, 'utf8');
    assert.equal(text, formatOutputTxt(result.season, result.exposures));
    assert.equal(text.split('\n')[1], String(result.season));
    assert.equal(text.split('\n')[2], '20231014');
    assert.equal(result.outputDir, join(site.root, 'site', 'image_proc_outputs'));
    assert.deepEqual(JSON.parse(await readFile(result.outputFiles.manifest, 'utf8')), result);
  });
});

test('the window refills the moment an exposure finishes, never in batches', async () => {
  const site = await makeSite();
  // One long exposure and several short ones, two at a time: the short ones must stream past the long one.
  await writeFile(join(site.state, 'durations'), '1210400 4\n1210401 0.3\n1210402 0.3\n1210403 0.3\n1210404 0.3\n');
  const list = await site.list('uneven.list', range(1210400, 5));
  const result = await withWorker(server.env, site, () =>
    run({ exposureListFile: list, season: 'auto', maxConcurrent: 2 }),
  );
  assert.equal(result.counts.submitted, 5);
  const iv = new Map(dagmakerIntervals(await site.ledger()).map((i) => [i.expnum, i]));
  const long = iv.get(1210400)!;
  for (const e of [1210402, 1210403, 1210404])
    assert.ok(iv.get(e)!.start < long.end, `${e} started while the long one ran`);
  assert.equal(maxOverlap([...iv.values()]), 2);
  // Each short exposure starts soon after the previous one's submission ended.
  const events = await site.ledger();
  for (const [prev, next] of [
    [1210401, 1210402],
    [1210402, 1210403],
  ] as const) {
    const submitted = events.find((e) => e.event === 'submit' && Number(e.expnum) === prev)!.ts;
    const gap = iv.get(next)!.start - submitted;
    assert.ok(gap < 1.5, `${next} started ${gap.toFixed(2)} s after ${prev} was submitted`);
  }
});

describe('bad input fails at once, names the problem, and writes nothing', () => {
  let site: Site;
  before(async () => {
    site = await makeSite();
  });

  const cases: { name: string; input: (s: Site) => Promise<Partial<ImageProcessingInput>>; error: RegExp }[] = [
    {
      name: 'non-numeric line',
      input: async (s) => ({ exposureListFile: await s.list('a.list', ['941225', '94122six']) }),
      error: /a\.list: line 2: a header or words \(letters; one exposure number per line\)$/,
    },
    {
      name: 'empty list',
      input: async (s) => ({ exposureListFile: await s.list('empty.list', ['# nothing']) }),
      error: /empty\.list: the list holds no exposure number/,
    },
    {
      name: 'missing list file',
      input: async (s) => ({ exposureListFile: join(s.root, 'site', 'lists', 'nope.list') }),
      error: /nope\.list: no such file/,
    },
    {
      name: 'list outside the allowed roots',
      input: async (s) => ({ exposureListFile: join(s.root, 'elsewhere.list') }),
      error:
        /exposure list .*elsewhere\.list is outside the directories this worker reads and writes \(.*\): allow it with DESGW_ALLOWED_ROOTS/,
    },
    {
      name: 'list bigger than a list may be',
      input: async (s) => ({
        exposureListFile: await s.list(
          'huge.list',
          Array.from({ length: 30_000 }, () => '# padding padding padding'),
        ),
      }),
      error: /huge\.list is \d+ bytes, more than the 262144 a list may be/,
    },
    {
      name: 'output directory outside the allowed roots',
      input: async (s) => ({
        exposureListFile: await s.list('u.list', ['941225']),
        outputDir: join(s.root, 'outputs'),
      }),
      error: /output directory .*outputs is outside the directories this worker reads and writes/,
    },
    {
      name: 'exposure unknown even after refresh',
      input: async (s) => ({ exposureListFile: await s.list('b.list', ['941225', '999999']) }),
      error: /exposure 999999 not in .*exposures\.list \(even after refreshing it with getExposureInfo\.sh\)/,
    },
    {
      name: 'season not a number',
      input: async (s) => ({ exposureListFile: await s.list('c.list', ['941225']), season: 'soon' as never }),
      error: /season must be "auto" or a positive integer, not "soon"/,
    },
    {
      name: 'wide-survey season',
      input: async (s) => ({ exposureListFile: await s.list('d.list', ['941225']), season: 5000 }),
      error: /season 5000 is reserved for the wide-survey/,
    },
    {
      name: 'supernova season',
      input: async (s) => ({ exposureListFile: await s.list('e.list', ['941225']), season: 7 }),
      error: /season 7 is reserved for the supernova group/,
    },
    {
      name: 'unknown rc key',
      input: async (s) => ({ exposureListFile: await s.list('f.list', ['941225']), rc: { WRITE_DB: 'off' } }),
      error: /rc key 'WRITE_DB' is not a dagmaker.rc key/,
    },
    {
      name: 'rc value with shell syntax',
      input: async (s) => ({
        exposureListFile: await s.list('g.list', ['941225']),
        rc: { JOBSUB_OPTS: '--cpu=1 $(touch /tmp/desgw-canary)' },
      }),
      error: /rc key 'JOBSUB_OPTS'/,
    },
    {
      name: 'rc value of the wrong form',
      input: async (s) => ({ exposureListFile: await s.list('h.list', ['941225']), rc: { TEFF_CUT_g: '2' } }),
      error: /rc key 'TEFF_CUT_g': '2' is not a number from 0 to 1/,
    },
    {
      name: 'maxConcurrent 0',
      input: async (s) => ({ exposureListFile: await s.list('i.list', ['941225']), maxConcurrent: 0 }),
      error: /maxConcurrent must be an integer of at least 1/,
    },
    {
      name: 'list line with a command separator',
      input: async (s) => ({ exposureListFile: await s.list('k.list', ['941225; touch /tmp/desgw-canary']) }),
      error: /k\.list: line 1: a header or words \(letters; one exposure number per line\)$/,
    },
    {
      name: 'list line with a command substitution',
      input: async (s) => ({ exposureListFile: await s.list('l.list', ['941225', '$(touch /tmp/desgw-canary)']) }),
      error: /l\.list: line 2: /,
    },
    {
      name: 'list line with backticks',
      input: async (s) => ({ exposureListFile: await s.list('m.list', ['`touch /tmp/desgw-canary`']) }),
      error: /m\.list: line 1: /,
    },
    {
      name: 'rc value with a newline',
      input: async (s) => ({
        exposureListFile: await s.list('n.list', ['941225']),
        rc: { TEMP_OPTS: '-C\ntouch /tmp/desgw-canary' },
      }),
      error: /rc key 'TEMP_OPTS'/,
    },
    {
      name: 'rc value with backticks',
      input: async (s) => ({
        exposureListFile: await s.list('o.list', ['941225']),
        rc: { SEARCH_OPTS: '`touch /tmp/desgw-canary`' },
      }),
      error: /rc key 'SEARCH_OPTS'/,
    },
    {
      name: 'rc value with a quote and a separator',
      input: async (s) => ({
        exposureListFile: await s.list('p.list', ['941225']),
        rc: { RESOURCES: "x'; touch /tmp/desgw-canary; '" },
      }),
      error: /rc key 'RESOURCES'/,
    },
    {
      name: 'season not an integer',
      input: async (s) => ({ exposureListFile: await s.list('q.list', ['941225']), season: 612.5 }),
      error: /season must be "auto" or a positive integer, not 612.5/,
    },
    {
      name: 'maxConcurrent not an integer',
      input: async (s) => ({ exposureListFile: await s.list('r.list', ['941225']), maxConcurrent: 2.5 }),
      error: /maxConcurrent must be an integer of at least 1, not 2.5/,
    },
    {
      name: 'rc not an object',
      input: async (s) => ({ exposureListFile: await s.list('s.list', ['941225']), rc: ['WRITEDB=off'] as never }),
      error: /rc must be an object/,
    },
    {
      name: 'more exposures than one run takes',
      input: async (s) => ({ exposureListFile: await s.list('t.list', range(2_000_000, MAX_EXPOSURES_PER_RUN + 1)) }),
      error: new RegExp(
        `t\\.list: ${MAX_EXPOSURES_PER_RUN + 1} exposures, more than the ${MAX_EXPOSURES_PER_RUN} one run takes`,
      ),
    },
    {
      name: 'gw_workflow directory not allowed',
      input: async (s) => ({
        exposureListFile: await s.list('j.list', ['941225']),
        gwWorkflowDir: join(s.root, 'no_such_dir'),
      }),
      error:
        /^gw_workflow directory .*no_such_dir is not one this worker may use: allow it with DESGW_ALLOWED_GW_WORKFLOW_DIRS/,
    },
  ];

  // One worker serves every case; each case is a subtest of its own.
  let workers: Worker[] = [];
  let serving: Promise<unknown> | undefined;
  let rcBefore = '';
  before(async () => {
    rcBefore = await sha(join(site.gwDir, 'dagmaker.rc'));
    await ensureSearchAttributes(server.env.nativeConnection, server.env.namespace ?? 'default');
    workers = await createWorkers({
      connection: server.env.nativeConnection,
      namespace: server.env.namespace ?? 'default',
      config: siteConfig(site),
      seasons: new LocalSeasonSource(join(site.root, 'des_seasons_used.txt')),
      workflowBundle: await workflowBundle(),
    });
    serving = runWorkers(workers);
  });
  after(async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await serving;
  });

  for (const c of cases) {
    test(c.name, async () => {
      const input = { season: 'auto' as const, ...(await c.input(site)) } as ImageProcessingInput;
      const started = Date.now();
      await assert.rejects(run(input), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        const cause = err.cause?.cause ?? err.cause;
        assert.ok(cause instanceof ApplicationFailure);
        assert.equal(cause.type, Failure.InvalidInput);
        assert.equal(cause.nonRetryable, true);
        assert.match(cause.message, c.error);
        return true;
      });
      assert.ok(Date.now() - started < 15_000, 'failed fast');
    });
  }

  test('nothing was written: dagmaker.rc as it was, no DAGMaker, no submission, no run directory, no canary', async () => {
    assert.equal(await sha(join(site.gwDir, 'dagmaker.rc')), rcBefore);
    const events = await site.ledger();
    assert.deepEqual(
      events.filter((e) => e.event === 'dagmaker_start' || e.event === 'submit'),
      [],
    );
    assert.equal(existsSync(join(site.root, 'site', 'desgw_runs')), false, 'no run directory was written');
    assert.equal(existsSync('/tmp/desgw-canary'), false);
  });
});

test('an exposure missing from exposures.list is found by refreshing it once', async () => {
  const site = await makeSite();
  const list = await site.list('late.list', [1210474, 1210475]);
  const result = await withWorker(server.env, site, () => run({ exposureListFile: list, season: 'auto' }));
  assert.equal(result.counts.submitted, 2);
  const events = await site.ledger();
  assert.equal(events.filter((e) => e.event === 'get_exposure_info').length, 1);
});

test('three concurrent auto runs get three distinct seasons, each DAGMaker reading its own', async () => {
  const site = await makeSite();
  await writeFile(join(site.root, 'des_seasons_used.txt'), '# seasons in the DES database\n101\n102\n103\n105\n');
  const lists = await Promise.all([0, 1, 2].map((k) => site.list(`run${k}.list`, range(1210410 + k * 4, 4))));
  const results = await withWorker(server.env, site, () =>
    Promise.all(lists.map((l) => run({ exposureListFile: l, season: 'auto' }))),
  );
  const seasons = results.map((r) => r.season);
  assert.equal(new Set(seasons).size, 3, `seasons ${seasons}`);
  assert.deepEqual(
    [...seasons].sort((a, b) => a - b),
    [104, 106, 107],
  );
  const intervals = dagmakerIntervals(await site.ledger());
  // Three runs of four, each with a window of five, could run twelve at once: the host's five DAGMaker slots hold.
  assert.ok(maxOverlap(intervals) <= 5, `${maxOverlap(intervals)} DAGMakers at once on the host`);
  for (const r of results) {
    for (const x of r.exposures) {
      const i = intervals.find((iv) => iv.expnum === x.expnum)!;
      assert.equal(i.season, String(r.season), `DAGMaker of ${x.expnum} read season ${i.season}, run has ${r.season}`);
    }
  }
});

test('a requested season already reserved is refused; the test seasons can be taken again and again', async () => {
  const site = await makeSite();
  const list = await site.list('one.list', [941225]);
  await withWorker(server.env, site, async () => {
    const first = await run({ exposureListFile: list, season: 777 });
    assert.equal(first.season, 777);
    await assert.rejects(run({ exposureListFile: list, season: 777 }), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(
        String((err.cause?.cause as Error | undefined)?.message ?? err.cause?.message),
        /season 777 is already reserved by run test-run-/,
      );
      return true;
    });
    for (let k = 0; k < 2; k++) assert.equal((await run({ exposureListFile: list, season: 2206 })).season, 2206);
  });
});

test('the Temporal CLI starts a run with the documented JSON input', async () => {
  const site = await makeSite();
  const list = await site.list('cli.list', [941225, 941226]);
  const id = `desgw-cli-${process.pid}`;
  const input = JSON.stringify({ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'off' }, maxConcurrent: 2 });
  await execa(await temporalCli(), [
    'workflow',
    'start',
    '--address',
    server.env.address,
    '--namespace',
    'default',
    '--type',
    'imageProcessing',
    '--task-queue',
    'desgw-image-processing',
    '--workflow-id',
    id,
    '--input',
    input,
  ]);
  const result = await withWorker(
    server.env,
    site,
    () => server.env.client.workflow.getHandle(id).result() as Promise<ImageProcessingResult>,
  );
  assert.equal(result.counts.submitted, 2);
  assert.deepEqual(
    result.exposures.map((e) => `${e.expnum} ${e.band}`),
    ['941225 i', '941226 i'],
  );
  assert.equal(result.nites[0], '20200304');
});
