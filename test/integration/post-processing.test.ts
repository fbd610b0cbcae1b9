/**
 * Post-processing end to end on a real dev server, the real activities and the sandbox site: its
 * grid "runs" each submitted DAG (CCD outputs, FAILs, forced photometry, RUNEND), its
 * Post-Processing checkout behaves like the real one (diffimg_setup.sh takes SEASON from the last
 * ini, the links script refuses without it, run_postproc.py checks its arguments and ini). Checked
 * through the site's ledger and the files written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, chmod, readFile, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { execa } from 'execa';
import type { ImageProcessingResult } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { leftOutWarning } from '../../common/exposure-gate.js';
import { leftOutOf, verdictsOf } from '../helpers/verdicts.js';
import { pageLinks } from '../../common/postproc-page.js';
import { readPostprocGeneral } from '../../common/postproc-ini.js';
import { Failure } from '../../common/failures.js';
import { postProcessingProgressQuery, proceedSignal } from '../../common/messages.js';
import type { PostProcessingInput, PostProcessingResult } from '../../common/post-processing-contract.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { postProcessing } from '../../workflows/post-processing.js';
import {
  devServerForThisFile,
  eventually,
  FAST,
  makeSite,
  range,
  spawnWorker,
  withWorker,
  type Site,
} from '../helpers/harness.js';

const server = devServerForThisFile();
const TRIGGER = { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' };

let counter = 0;
const nextId = (what: string) => `test-pp-${what}-${process.pid}-${++counter}`;

function startPostProcessing(input: PostProcessingInput, id = nextId('pp')) {
  return server.env.client.workflow.start(postProcessing, { taskQueue: TASK_QUEUE, workflowId: id, args: [input] });
}

/** What python3's configparser reads from an ini (run_postproc.py's own reader). */
async function readWithConfigparser(file: string): Promise<Record<string, string>> {
  const py = `import configparser, json, sys
c = configparser.ConfigParser()
c.read(sys.argv[1])
print(json.dumps(dict(c['general'])))`;
  return JSON.parse((await execa('python3', ['-c', py, file])).stdout) as Record<string, string>;
}

const failureOf = (err: unknown) => {
  assert.ok(err instanceof WorkflowFailedError, String(err));
  const cause = (err.cause as { cause?: unknown })?.cause ?? err.cause;
  assert.ok(cause instanceof ApplicationFailure, String(cause));
  return cause;
};

describe('a whole night on the sandbox: image processing, the grid, post-processing', () => {
  let site: Site;
  let result: ImageProcessingResult;
  let pp: PostProcessingResult;
  const expnums = range(1210400, 4);
  const bad = expnums[1]!;

  before(async () => {
    site = await makeSite({ ...FAST, gridSeconds: 2, postprocSeconds: 1 });
    await site.fault(`grid_bad.${bad}`);
    const list = await site.list('night.list', expnums);
    const id = nextId('night');
    result = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: id,
        args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' }, postProcessing: TRIGGER }],
      }),
    );
    pp = await server.env.client.workflow.getHandle(`${id}-postproc`).result();
  });

  test('the run goes on to post-processing, which ends with the candidate page', () => {
    assert.equal(result.counts.submitted, expnums.length);
    assert.equal(result.postProcessing?.outcome, 'success', JSON.stringify(result.postProcessing));
    assert.equal(result.postProcessing?.masterHtml, pp.masterHtml);
    assert.ok(pp.masterHtml && existsSync(pp.masterHtml), pp.masterHtml);
    assert.equal(pp.season, result.season);
  });

  test("the page the result names opens: every link of it is to a file beside it, and so are the candidate links and plots of run_postproc.py's own page copied there; the result names htmls/, the light curves with their .dat count, the combined fits, the truth table and checkoutputs.csv", async () => {
    const page = pp.masterHtml!;
    assert.equal(page, join(pp.outputDir, 'index.html'));
    const links = pageLinks(await readFile(page, 'utf8'));
    assert.ok(links.length > 0);
    for (const l of links) assert.ok(existsSync(join(dirname(page), decodeURIComponent(l))), `${l} opens`);
    const copy = join(pp.outputDir, `masterHTML${pp.season}.html`);
    assert.ok(links.includes(`masterHTML${pp.season}.html`), 'the real page, copied');
    assert.equal(
      await readFile(copy, 'utf8'),
      await readFile(join(pp.postProcessingDir, `masterHTML${pp.season}.html`), 'utf8'),
      'copied as written',
    );
    const real = pageLinks(await readFile(copy, 'utf8'));
    const candidates = real.filter((l) => l.startsWith('htmls/'));
    assert.ok(candidates.length > 0);
    for (const l of [...candidates, ...real.filter((x) => x.endsWith('.png') && x !== 'Arrow.png')])
      assert.ok(existsSync(join(pp.outputDir, l)), `${l} opens beside the copy`);
    assert.ok(
      candidates.some((l) => !existsSync(join(pp.postProcessingDir, l))),
      'in the checkout the same links do not open',
    );
    const o = pp.outputs!;
    assert.equal(o.htmlsDir, join(pp.outputDir, 'htmls'));
    assert.equal(o.candidatePages, candidates.length);
    assert.equal(o.lightCurvesDir, join(pp.outputDir, 'makedatafiles', 'LightCurvesReal'));
    assert.ok(o.datFiles >= o.candidatePages && o.datFiles > 0, JSON.stringify(o));
    assert.equal(o.combinedFits, join(pp.outputDir, 'makedatafiles', 'datafiles_combined.fits'));
    assert.equal(o.truthPlus, join(pp.outputDir, `truthtable${pp.season}`, 'truthplus.tab'));
    assert.equal(o.checkoutputsCsv, join(pp.outputDir, 'checkoutputs', 'checkoutputs.csv'));
  });

  test('post-processing starts only once every DAG has finished, and within two minutes of the last', async () => {
    const events = await site.ledger();
    const done = events.filter((e) => e.event === 'grid_done');
    assert.equal(done.length, expnums.length);
    const lastDone = Math.max(...done.map((e) => e.ts));
    const start = events.find((e) => e.event === 'postproc_start');
    assert.ok(start, 'run_postproc.py started');
    assert.ok(start.ts > lastDone, 'after the last DAG');
    assert.ok(start.ts - lastDone < 120, `${start.ts - lastDone} s after the last DAG`);
    assert.ok((await verdictsOf(pp)).every((e) => e.finished === 'runend'));
  });

  test('the environment is set up in order in the checkout: diffimg_setup.sh, the links, run_postproc.py', async () => {
    const events = await site.ledger();
    const setup = events.findIndex((e) => e.event === 'pp_setup');
    const links = events.findIndex((e) => e.event === 'forcephoto_links');
    const start = events.findIndex((e) => e.event === 'postproc_start');
    assert.ok(setup >= 0 && setup < links && links < start, `${setup} < ${links} < ${start}`);
    assert.equal(events[setup]!.season, String(result.season));
    assert.equal(events[start]!.cwd, pp.postProcessingDir);
    assert.ok(!events.some((e) => e.event === 'postproc_warning'), 'no template value left');
  });

  test('an exposure failing its CCDs is left out, with its counts and the FAIL steps seen in verdicts.json, and its reason code in the result', async () => {
    const verdicts = await verdictsOf(pp);
    assert.equal(pp.verdicts!.file, join(pp.outputDir, 'verdicts.json'));
    const v = verdicts.find((e) => e.expnum === bad)!;
    assert.equal(v.passed, false);
    assert.ok(v.ccds!.failed >= 30, JSON.stringify(v.ccds));
    assert.ok(
      v.ccds!.failSteps.some((s) => s.step === 'RUN05_expose_makeWeight'),
      JSON.stringify(v.ccds),
    );
    assert.equal(v.code, 'ccds');
    assert.deepEqual(pp.verdicts!.leftOut, [{ code: 'ccds', expnums: [bad] }]);
    for (const e of verdicts.filter((x) => x.expnum !== bad)) {
      assert.equal(e.passed, true, e.reason);
      assert.ok(e.ccds!.complete >= 50);
      assert.ok(e.forcephoto!.outcome === 'complete' || e.forcephoto!.outcome === 'partial');
    }
  });

  test('the list holds the passing exposures one a line, and the ini the trigger, read back by configparser', async () => {
    const passing = expnums.filter((e) => e !== bad);
    assert.equal(await readFile(pp.listFile, 'utf8'), passing.map((e) => `${e}\n`).join(''));
    const general = await readWithConfigparser(pp.iniFile);
    assert.equal(general.season, String(result.season));
    assert.equal(general.triggerid, 'S240511i');
    assert.equal(general.ligoid, 'S240511i');
    assert.equal(general.triggermjd, '60441.37');
    assert.equal(general.propid, '2024A-0001');
    const bands = [...new Set(result.exposures.filter((e) => e.expnum !== bad).map((e) => e.band))];
    assert.equal(general.bands, bands.join(','));
    assert.equal(general.outdir, pp.outputDir);
    assert.equal(general.exposures_listfile, pp.listFile.split('/').pop());
    // The copies run_postproc.py read are in the checkout.
    assert.equal(
      await readFile(join(pp.postProcessingDir, pp.iniFile.split('/').pop()!), 'utf8'),
      await readFile(pp.iniFile, 'utf8'),
    );
    const template = await readFile(join(pp.postProcessingDir, 'postproc.ini'), 'utf8');
    for (const section of template.match(/^\[[^\]]+\]/gm) ?? [])
      assert.ok((await readFile(pp.iniFile, 'utf8')).includes(section), `${section} kept`);
  });

  test('the wait is gentle: a stat per pending exposure per poll, jobsub_q at most once a minute', async () => {
    const calls = (await site.ledger()).filter((e) => e.event === 'jobsub_q');
    assert.equal(pp.grid.jobsubQCalls, calls.length);
    assert.ok(pp.grid.jobsubQCalls <= 1 + Math.floor(pp.grid.waitedS / 60), JSON.stringify(pp.grid));
    // Judging: a listing per directory, and (the submission known) a stat per file: a tarball and at most one FAIL per CCD, a .fits and a .psf.
    assert.ok(
      pp.grid.pnfsReads <= pp.grid.polls * expnums.length + expnums.length * (60 + 4 * 59),
      JSON.stringify(pp.grid),
    );
    console.log(`# grid wait: ${JSON.stringify(pp.grid)}`);
  });

  test('a second post-processing of the same run (by its workflow id) waits for the checkout, then runs', async () => {
    await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=4\n');
    const [a, b] = await withWorker(server.env, site, async () => {
      const first = await startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId });
      await eventually('the first post-processing to start run_postproc.py', async () => {
        const events = await site.ledger();
        return events.filter((e) => e.event === 'postproc_start').length >= 2;
      });
      const second = await startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId });
      const waiting = await eventually('the second to wait for the checkout', async () => {
        const p = await second.query(postProcessingProgressQuery);
        return p.phase === 'waiting-for-checkout' && p;
      });
      assert.match(waiting.waitingFor!.message, new RegExp(first.workflowId));
      return Promise.all([first.result(), second.result()]);
    });
    assert.equal(a.outcome, 'success');
    assert.equal(b.outcome, 'success');
    const runs = (await site.ledger()).filter((e) => e.event === 'postproc_start' || e.event === 'postproc_end');
    const last4 = runs.slice(-4).map((e) => e.event);
    assert.deepEqual(last4, ['postproc_start', 'postproc_end', 'postproc_start', 'postproc_end'], 'one at a time');
    await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=1\n');
  });

  test('no candidates is its own outcome: no page, not a failure; the result says which cause run_postproc.py saw, and the counts', async () => {
    await site.fault('postproc_no_candidates');
    const r = await withWorker(server.env, site, () =>
      startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId }).then((h) => h.result()),
    );
    assert.equal(r.outcome, 'no-candidates');
    assert.equal(r.masterHtml, undefined);
    assert.equal(r.noCandidates?.cause, 'below-ml-cut');
    assert.equal(r.noCandidates?.said, 'no detection is above [plots] mlscore_cut');
    assert.equal(r.outputs?.candidatePages, 0);
    assert.ok((r.outputs?.datFiles ?? 0) > 0, 'light curves were made, none passed the cut');
    assert.equal(existsSync(join(r.outputDir, 'index.html')), false);
  });

  test('run_postproc.py crashing is run again with the --SKIPTO its own output directory allows', async () => {
    await site.fault('postproc_crash', '6');
    const r = await withWorker(server.env, site, () =>
      startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId }).then((h) => h.result()),
    );
    assert.equal(r.outcome, 'success');
    assert.ok(r.skipTo === 5 || r.skipTo === 6, String(r.skipTo));
    const starts = (await site.ledger()).filter((e) => e.event === 'postproc_start' && e.outdir === r.outputDir);
    assert.equal(starts.length, 2);
    assert.equal(starts[0]!.skipto, 0, 'the first from the start (no --SKIPTO)');
    assert.equal(starts[1]!.skipto, r.skipTo);
  });

  test('diffimg_setup.sh is sourced without nounset, then the python on PATH is checked: a module it cannot import fails the post-processing before run_postproc.py, naming the module', async () => {
    const starts = async () => (await site.ledger()).filter((e) => e.event === 'postproc_start').length;
    const setups = async () => (await site.ledger()).filter((e) => e.event === 'pp_setup').length;
    const [startsBefore, setupsBefore] = [await starts(), await setups()];
    await site.fault('python_missing', 'psycopg2');
    try {
      const err = await withWorker(server.env, site, () =>
        startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId })
          .then((h) => h.result())
          .then(
            () => null,
            (e: unknown) => e,
          ),
      );
      const cause = failureOf(err);
      assert.equal(cause.type, Failure.PostprocFailed);
      assert.match(
        cause.message,
        /^the python on PATH after sourcing diffimg_setup\.sh \(\/\S+\/sandbox-bin\/python, Python 2\.7\.15\) cannot import psycopg2; its output: /,
      );
      assert.equal(
        await setups(),
        setupsBefore + 1,
        'diffimg_setup.sh sourced (it is not set -u-safe), once: not retried',
      );
      assert.equal(await starts(), startsBefore, 'run_postproc.py never started');
    } finally {
      await unlink(join(site.state, 'faults', 'python_missing'));
    }
  });

  test('forced photometry that died is loud: a FATAL ERROR, then a required variable unset, each fail the post-processing naming the line and the marker, though run_postproc.py ended complete', async () => {
    for (const [fault, content, marker] of [
      ['forcephoto_fatal', '1', 'FATAL ERROR'],
      ['forcephoto_env', 'TOPDIR_TEMPLATES', 'Required ENV variable'],
    ] as const) {
      await site.fault(fault, content);
      const id = nextId(fault);
      const err = await withWorker(server.env, site, () =>
        startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId }, id)
          .then((h) => h.result())
          .then(
            () => null,
            (e: unknown) => e,
          ),
      );
      const cause = failureOf(err);
      assert.equal(cause.type, Failure.PostprocFailed, fault);
      const m = new RegExp(
        `^postproc_run\\.out line (\\d+): "${marker}" \\(.*the pass failed; its output: (\\S+)$`,
      ).exec(cause.message);
      assert.ok(m, cause.message);
      const lines = (await readFile(m[2]!, 'utf8')).split('\n');
      assert.ok(lines[Number(m[1]) - 1]!.includes(marker), `line ${m[1]} of ${m[2]} holds it`);
      const ends = (await site.ledger()).filter(
        (e) => e.event === 'postproc_end' && e.season === String(result.season),
      );
      assert.equal(ends.at(-1)!.outcome, 'complete', 'run_postproc.py itself ended complete');
      const starts = (await site.ledger()).filter((e) => e.event === 'postproc_start' && String(e.outdir).endsWith(id));
      assert.equal(starts.length, 1, 'not run again: it would die the same way');
    }
  });

  test('another force job running on the machine: the pass is run again from step 2, forced photometry included, and ends complete', async () => {
    await site.fault('forcephoto_running');
    const r = await withWorker(server.env, site, () =>
      startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId }).then((h) => h.result()),
    );
    assert.equal(r.outcome, 'success');
    const starts = (await site.ledger()).filter((e) => e.event === 'postproc_start' && e.outdir === r.outputDir);
    assert.deepEqual(
      starts.map((e) => e.skipto),
      [0, 2],
      'from the start, then --SKIPTO 2 though the first pass ended complete',
    );
    assert.equal(r.skipTo, 2);
    // The log keeps both passes, each after its header: the first aborted forced photometry, the last did not.
    const log = (await readFile(r.logFile, 'utf8')).split(/^==== desgw: a pass of /m).slice(1);
    assert.equal(log.length, 2, 'two passes, each after its header');
    assert.match(log[0]!, /force job already running/);
    assert.doesNotMatch(log[1]!, /force job already running/, "the last pass's forced photometry ran");
    assert.equal(existsSync(join(r.outputDir, '.desgw-rerun-forcephoto')), false, 'the rerun mark is cleared');
  });

  test('a legacy output.txt as the legacy writer wrote it: Python-quoted items and a PROPID on line 3; the NITEs looked up, and the result says how it was read', async () => {
    const submitted = result.exposures.filter((e) => e.status === 'submitted');
    const legacy = join(site.root, 'site', 'lists', 'legacy-output.txt');
    await writeFile(
      legacy,
      `[${submitted.map((e) => `'${e.expnum} ${e.band}'`).join(', ')}]\n${result.season}\n2024A-0001\n`,
    );
    const r = await withWorker(server.env, site, () =>
      startPostProcessing({ ...TRIGGER, outputTxt: legacy }).then((h) => h.result()),
    );
    assert.equal(r.outcome, 'success');
    assert.deepEqual(
      (await verdictsOf(r)).map((e) => [e.expnum, e.nite]),
      submitted.map((e) => [e.expnum, e.nite]),
      'every NITE found in exposures.list',
    );
    assert.ok(r.warnings, 'it says how it read the file');
    assert.ok(
      r.warnings.some((w) => /^outputTxt line 1 holds the legacy writer's Python-quoted items/.test(w)),
      r.warnings.join('\n'),
    );
    assert.ok(
      r.warnings.some((w) =>
        /^outputTxt line 3 is a PROPID \(2024A-0001\), not a NITE: the NITEs were looked up in \S+exposures\.list/.test(
          w,
        ),
      ),
      r.warnings.join('\n'),
    );
  });

  test("from a legacy output.txt, NITE on its third line; another season's ini in the checkout is set aside and put back", async () => {
    // diffimg_setup.sh takes SEASON from the last postproc_*.ini: postproc_9.ini sorts after ours.
    const stale = join(pp.postProcessingDir, 'postproc_9.ini');
    await writeFile(stale, '[general]\nseason = 9\n');
    const r = await withWorker(server.env, site, () =>
      startPostProcessing({ ...TRIGGER, outputTxt: result.outputFiles.outputTxt }).then((h) => h.result()),
    );
    assert.equal(r.outcome, 'success');
    assert.deepEqual(leftOutOf(r), [bad]);
    assert.equal(await readFile(stale, 'utf8'), '[general]\nseason = 9\n', 'put back as it was');
    const setups = (await site.ledger()).filter((e) => e.event === 'pp_setup');
    assert.equal(setups.at(-1)!.season, String(r.season));
    assert.deepEqual(
      r.warnings,
      [leftOutWarning(r.season, [{ expnum: bad }])],
      'our own output.txt: nothing to say of it',
    );
  });

  test('DESGW_POSTPROC_WRAPPER runs the whole post-processing shell: the wrapper is given bash -c and the script; one that cannot run is refused before the wait', async () => {
    const wrapper = join(site.root, 'sl7-wrapper.sh');
    const record = join(site.root, 'sl7-wrapper.args');
    await writeFile(
      wrapper,
      `#!/bin/bash\n# What a container wrapper does: run its arguments (here, record them first).\nprintf '%s\\n' "$#" "$1" "$2" "$4" "$5" >'${record}'\nexec "$@"\n`,
      { mode: 0o755 },
    );
    const r = await withWorker(
      server.env,
      site,
      () => startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId }).then((h) => h.result()),
      { postprocWrapper: wrapper },
    );
    assert.equal(r.outcome, 'success');
    // bash -c SCRIPT, then the script's nine arguments after its $0.
    assert.deepEqual((await readFile(record, 'utf8')).trim().split('\n'), [
      '13',
      'bash',
      '-c',
      'desgw-postproc',
      String(result.season),
    ]);
    await chmod(wrapper, 0o644);
    const err = await withWorker(
      server.env,
      site,
      () =>
        startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: result.workflowId })
          .then((h) => h.result())
          .then(
            () => null,
            (e: unknown) => e,
          ),
      { postprocWrapper: wrapper },
    );
    const cause = failureOf(err);
    assert.equal(cause.type, Failure.EnvironmentFailed);
    assert.equal(
      cause.message,
      `DESGW_POSTPROC_WRAPPER ${wrapper} is not an executable file (the worker's settings): post-processing cannot run`,
    );
  });
});

describe('waiting for the grid: proceed, the deadline, and what is refused', () => {
  let site: Site;
  const expnums = range(1210410, 3);
  const held = expnums[2]!;
  let runId: string;
  let seasonOf: number;
  /** Runs a post-processing that must fail, and returns why. */
  const failureOfRun = (input: PostProcessingInput) =>
    withWorker(server.env, site, () =>
      startPostProcessing(input)
        .then((h) => h.result())
        .then(
          () => null,
          (e: unknown) => e,
        ),
    ).then(failureOf);

  before(async () => {
    site = await makeSite({ ...FAST, gridSeconds: 1, postprocSeconds: 0.5 });
    await site.fault(`grid_held.${held}`);
    const list = await site.list('held.list', expnums);
    runId = nextId('held');
    seasonOf = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: runId,
        args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' } }],
      }),
    ).then((r) => r.season);
  });

  test('progress shows N of M finished; proceed goes on with what finished and names what it left out', async () => {
    const r = await withWorker(server.env, site, async () => {
      const h = await startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: runId });
      const p = await eventually('two of three DAGs finished', async () => {
        const q = await h.query(postProcessingProgressQuery);
        return q.phase === 'waiting-for-grid' && q.finished === 2 && q;
      });
      assert.equal(p.total, 3);
      assert.deepEqual(p.pending, [held]);
      await h.signal(proceedSignal);
      return h.result();
    });
    assert.equal(r.proceededBecause, 'proceed-signal');
    assert.deepEqual(r.verdicts!.leftOut, [{ code: 'not-finished', expnums: [held] }]);
    assert.equal((await verdictsOf(r)).find((v) => v.expnum === held)?.reason, 'its DAG had not finished on the grid');
    assert.equal(r.outcome, 'success');
  });

  test('after gridDeadlineHours it goes on by itself', async () => {
    const r = await withWorker(server.env, site, () =>
      startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: runId, gridDeadlineHours: 0.001 }).then((h) =>
        h.result(),
      ),
    );
    assert.equal(r.proceededBecause, 'deadline');
    assert.deepEqual(leftOutOf(r), [held]);
  });

  test('when no exposure passes, it fails saying why by reason code, with the exposures and the verdicts file, and run_postproc.py is not started', async () => {
    const starts = async () => (await site.ledger()).filter((e) => e.event === 'postproc_start').length;
    const before = await starts();
    const cause = await failureOfRun({
      ...TRIGGER,
      season: seasonOf,
      exposures: [{ expnum: held, band: 'i' }],
      gridDeadlineHours: 0.0005,
    });
    assert.equal(cause.type, Failure.NoExposurePassed);
    assert.match(
      cause.message,
      new RegExp(`1 left out: not-finished 1 \\(${held}\\); every verdict in \\S+/verdicts\\.json`),
    );
    assert.equal(await starts(), before);
  });

  test('a run without its trigger facts is refused, naming each, before anything waits', async () => {
    const cause = await failureOfRun({ imageProcessingWorkflowId: runId } as PostProcessingInput);
    assert.equal(cause.type, Failure.InvalidInput);
    for (const key of ['triggerId', 'triggerMjd', 'propid']) assert.match(cause.message, new RegExp(key));
  });

  test("the template's GW170814 values are refused, and an image-processing run asking for post-processing without them fails before DAGMaker", async () => {
    const list = await site.list('one.list', [expnums[0]!]);
    const before = (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length;
    const err = await withWorker(server.env, site, () =>
      server.env.client.workflow
        .execute(imageProcessing, {
          taskQueue: TASK_QUEUE,
          workflowId: nextId('no-trigger'),
          args: [
            {
              exposureListFile: list,
              season: 'auto',
              postProcessing: { triggerId: 'S240511i', triggerMjd: 57979.437, propid: '2024A-0001' },
            },
          ],
        })
        .then(
          () => null,
          (e: unknown) => e,
        ),
    );
    const cause = failureOf(err);
    assert.equal(cause.type, Failure.InvalidInput);
    assert.match(cause.message, /postProcessing\.triggerMjd 57979\.437 is the template's GW170814 value/);
    assert.equal((await site.ledger()).filter((e) => e.event === 'dagmaker_start').length, before);
  });

  test("a run asking for post-processing while DAGMaker would see WRITEDB=off (the site's dagmaker.rc, or the run's rc) is refused before DAGMaker, naming WRITEDB: candidates come only from the database", async () => {
    const list = await site.list('one-off.list', [expnums[0]!]);
    const before = (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length;
    for (const rc of [undefined, { WRITEDB: 'off' }]) {
      const err = await withWorker(server.env, site, () =>
        server.env.client.workflow
          .execute(imageProcessing, {
            taskQueue: TASK_QUEUE,
            workflowId: nextId('writedb-off'),
            args: [{ exposureListFile: list, season: 'auto', ...(rc ? { rc } : {}), postProcessing: TRIGGER }],
          })
          .then(
            () => null,
            (e: unknown) => e,
          ),
      );
      const cause = failureOf(err);
      assert.equal(cause.type, Failure.InvalidInput);
      assert.match(
        cause.message,
        new RegExp(
          `postProcessing needs WRITEDB=on, and this run's DAGMaker would see WRITEDB=off \\(${rc ? "this run's rc" : '\\S+/gw_workflow/dagmaker\\.rc'}\\): run_postproc\\.py takes its candidates only from the DES database`,
        ),
      );
    }
    assert.equal((await site.ledger()).filter((e) => e.event === 'dagmaker_start').length, before);
  });

  test('post-processing a run whose dagmaker.rc had WRITEDB=off says so up front, and makeDataFiles crashing on the empty database is a failure, not "no candidates"', async () => {
    const list = await site.list('off.list', [1210415]);
    const off = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: nextId('off-run'),
        args: [{ exposureListFile: list, season: 'auto' }],
      }),
    );
    const { h, err, p } = await withWorker(server.env, site, async () => {
      const handle = await startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: off.workflowId });
      const e = await handle.result().then(
        () => null,
        (x: unknown) => x,
      );
      return { h: handle, err: e, p: await handle.query(postProcessingProgressQuery) };
    });
    const cause = failureOf(err);
    assert.equal(cause.type, Failure.PostprocFailed);
    assert.match(
      cause.message,
      /^makeDataFiles found no candidate of season \d+ in the DES database \(postproc_run\.out line \d+: IndexError in makedatafiles\)/,
    );
    const starts = (await site.ledger()).filter(
      (e) => e.event === 'postproc_start' && String(e.outdir).endsWith(h.workflowId),
    );
    assert.equal(starts.length, 1, 'not run again: it would crash the same way');
    assert.ok(
      p.warnings?.some((w) =>
        new RegExp(
          `^WRITEDB=off in \\S+/dagmaker\\.rc: the grid wrote none of this run's candidates to the DES database`,
        ).test(w),
      ),
      JSON.stringify(p.warnings),
    );
  });

  test('a checkout outside the allowed directories is refused and its scripts never run', async () => {
    const elsewhere = join(site.root, '..');
    const cause = await failureOfRun({ ...TRIGGER, imageProcessingWorkflowId: runId, postProcessingDir: elsewhere });
    assert.equal(cause.type, Failure.InvalidInput);
    assert.match(cause.message, /is not one this worker may use .*DESGW_POSTPROC_DIRS/);
  });
});

test('a worker restart during run_postproc.py is not counted against its retries: it runs again, and a crash after that still gets its retry', async () => {
  const site = await makeSite({ ...FAST, gridSeconds: 0.5, postprocSeconds: 0.5 });
  const list = await site.list('restart.list', [1210420, 1210421]);
  const run = await withWorker(server.env, site, () =>
    server.env.client.workflow.execute(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: nextId('restart-run'),
      args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' } }],
    }),
  );
  await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=60\n');
  const first = spawnWorker(site, server.env.address, 'worker-1', { DESGW_SHUTDOWN_GRACE_S: '1' });
  const handle = await startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: run.workflowId });
  await eventually('run_postproc.py to run', async () =>
    (await site.ledger()).some((e) => e.event === 'postproc_start'),
  );
  first.kill('SIGTERM');
  await first;
  await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=0.5\n');
  await site.fault('postproc_crash', '6');
  const second = spawnWorker(site, server.env.address, 'worker-2');
  try {
    const r = await handle.result();
    assert.equal(r.outcome, 'success');
    const ends = (await site.ledger()).filter((e) => e.event === 'postproc_end').map((e) => e.outcome);
    assert.deepEqual(ends, ['killed', 'error', 'complete'], 'stopped by the restart, crashed, then run to the end');
  } finally {
    second.kill('SIGTERM');
    await second;
  }
});

test('a second pass after proceed, with the list grown by the exposure that was still on the grid, runs from step 0 in a fresh directory and covers the new exposure', async () => {
  const site = await makeSite({ ...FAST, gridSeconds: 0.5, postprocSeconds: 0.5 });
  const [early, late] = [1210430, 1210431];
  // The late exposure's DAG takes long enough for a first pass to run before it finishes.
  await writeFile(join(site.state, 'grid_durations'), `${late} 40\n`);
  const list = await site.list('grown.list', [early, late]);
  const run = await withWorker(server.env, site, () =>
    server.env.client.workflow.execute(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: nextId('grown-run'),
      args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' } }],
    }),
  );
  const outputDir = join(site.root, 'site', 'postproc_outputs', `grown-${process.pid}`);
  const input = { ...TRIGGER, imageProcessingWorkflowId: run.workflowId, outputDir };
  const first = await withWorker(server.env, site, async () => {
    const h = await startPostProcessing(input);
    await eventually(
      'the early DAG to finish',
      async () => (await h.query(postProcessingProgressQuery)).finished === 1,
    );
    await h.signal(proceedSignal);
    return h.result();
  });
  assert.deepEqual(leftOutOf(first), [late]);
  await eventually('the late DAG to finish', async () =>
    (await site.ledger()).some((e) => e.event === 'grid_done' && e.expnum === late),
  );
  const second = await withWorker(server.env, site, () => startPostProcessing(input).then((h) => h.result()));
  assert.equal(second.outcome, 'success');
  assert.equal(second.skipTo, null, second.skipReason);
  assert.match(
    second.skipReason ?? '',
    /^the list differs from the earlier pass's checkoutputs\/step0_expnums\.txt \(1 new \(1210431\)\)/,
  );
  assert.deepEqual(second.movedAside, [join(outputDir, 'earlier-pass-1')]);
  assert.deepEqual(
    (await readFile(join(outputDir, 'checkoutputs', 'step0_expnums.txt'), 'utf8')).trim().split('\n').map(Number),
    [early, late],
  );
  // The late exposure's candidates (the grid wrote them to the sandbox's SNCAND) have their pages.
  const lateCandidates = (await readFile(join(site.state, 'db', 'SNCAND.tsv'), 'utf8'))
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((c) => c[0] === String(run.season) && c[2] === String(late))
    .map((c) => c[1]!);
  assert.ok(lateCandidates.length > 0);
  for (const snid of lateCandidates)
    assert.ok(existsSync(join(outputDir, 'htmls', `candidate_${snid}_dp${run.season}.html`)), `${snid}'s page`);
  assert.ok(existsSync(join(outputDir, 'earlier-pass-1', 'checkoutputs', 'step0_expnums.txt')), 'the first pass kept');
});

describe("where the grid wrote: the run's DESTCACHE and SCHEMA, a RUNEND of this DAG, what else ends the wait", () => {
  let site: Site;
  before(async () => {
    site = await makeSite({ ...FAST, gridSeconds: 0.5, postprocSeconds: 0.5 });
  });

  test("a run with DESTCACHE=scratch is waited for and judged under /pnfs/des/scratch/gw, and the ini's rootdir and the links follow it", async () => {
    const list = await site.list('scratch.list', [1210440, 1210441]);
    const id = nextId('scratch');
    const run = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: id,
        args: [
          {
            exposureListFile: list,
            season: 'auto',
            rc: { WRITEDB: 'on', DESTCACHE: 'scratch' },
            postProcessing: TRIGGER,
          },
        ],
      }),
    );
    const pp = (await server.env.client.workflow.getHandle(`${id}-postproc`).result()) as PostProcessingResult;
    const scratch = join(site.root, 'site', 'pnfs', 'des', 'scratch', 'gw');
    assert.ok(existsSync(join(scratch, 'exp', '20231014', '1210440', `dp${run.season}`)), 'the grid wrote there');
    assert.equal(pp.outcome, 'success', JSON.stringify(pp.verdicts));
    const verdicts = await verdictsOf(pp);
    assert.ok(
      verdicts.every((e) => e.passed && e.finished === 'runend'),
      JSON.stringify(verdicts),
    );
    assert.equal(readPostprocGeneral(await readFile(pp.iniFile, 'utf8')).rootdir, scratch);
    assert.match(
      await readFile(pp.logFile, 'utf8'),
      new RegExp(`^desgw: ROOTDIR=${scratch} \\(the run's grid root`, 'm'),
    );
    const links = (await site.ledger()).filter(
      (e) => e.event === 'forcephoto_links' && e.season === String(run.season),
    );
    assert.ok(Number(links.at(-1)?.links) > 0, 'the forced photometry linked from the scratch area');
  });

  test("an earlier DAG's RUNEND of the same exposure and season does not end the wait: the new DAG's does", async () => {
    const list = await site.list('again.list', [1210440]);
    const first = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: nextId('first-dag'),
        args: [{ exposureListFile: list, season: 2206, rc: { WRITEDB: 'on' } }],
      }),
    );
    await eventually('the first DAG to finish', async () =>
      (await site.ledger()).some((e) => e.event === 'grid_done' && e.jobid === first.exposures[0]!.jobId),
    );
    const runEnd = join(
      site.root,
      'site',
      'pnfs',
      'des',
      'persistent',
      'gw',
      'exp',
      '20231014',
      '1210440',
      'dp2206',
      'RUNEND_monDiffimg.LOG',
    );
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(runEnd, anHourAgo, anHourAgo);
    await writeFile(join(site.state, 'grid_durations'), '1210440 8\n');
    const second = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: nextId('second-dag'),
        args: [{ exposureListFile: list, season: 2206, rc: { WRITEDB: 'on' } }],
      }),
    );
    assert.equal(second.season, first.season);
    const r = await withWorker(server.env, site, async () => {
      const h = await startPostProcessing({ ...TRIGGER, imageProcessingWorkflowId: second.workflowId });
      const waiting = await eventually('three looks at the grid, the old RUNEND there', async () => {
        const p = await h.query(postProcessingProgressQuery);
        return p.phase === 'waiting-for-grid' && p.grid.polls >= 3 && p;
      });
      assert.deepEqual(waiting.pending, [1210440]);
      assert.match(
        waiting.waitingFor!.message,
        /1210440: a RUNEND older than this run's submission \(an earlier DAG's\) is not counted/,
      );
      return h.result();
    });
    assert.equal(r.outcome, 'success');
    const done = (await site.ledger()).find((e) => e.event === 'grid_done' && e.jobid === second.exposures[0]!.jobId);
    assert.ok(done && Date.parse(r.finishedAt) / 1000 > done.ts, 'after the new DAG finished');
    await writeFile(join(site.state, 'grid_durations'), '');
  });

  test('an exposure without a job id to ask jobsub_q about: the progress says only the deadline ends its wait if its DAG ends without RUNEND', async () => {
    await site.fault('grid_no_runend.1210443');
    const list = await site.list('norunend.list', [1210443]);
    const run = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: nextId('no-runend'),
        args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' } }],
      }),
    );
    const message = await withWorker(server.env, site, async () => {
      const h = await startPostProcessing({
        ...TRIGGER,
        season: run.season,
        exposures: [{ expnum: 1210443, band: run.exposures[0]!.band }],
      });
      const p = await eventually('the wait', async () => {
        const q = await h.query(postProcessingProgressQuery);
        return q.phase === 'waiting-for-grid' && q.waitingFor && q;
      });
      await h.terminate('test over');
      return p.waitingFor!.message;
    });
    assert.match(
      message,
      /1210443: no run environment to ask jobsub_q with, so if its DAG ends without RUNEND \(no templates, a failed search node\) only the deadline ends the wait/,
    );
  });
});
