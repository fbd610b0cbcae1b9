/**
 * The operators' console and DAGMaker's warnings, end to end on a real dev server, the real
 * activities and the sandbox site: an exposure without templates (941238, Y) is made and submitted
 * (DAGMaker exits 0 but says `NO TEMPLATE IMAGES, DIFFIMG WILL FAIL`); `desgw status`, run as the
 * operator runs it, shows it submitted with that warning; the sandbox grid fails it on every CCD,
 * and post-processing's verdict points back to the warning, which it learns from the manifest the
 * run wrote in its run directory.
 */
import { verdictsOf } from '../helpers/verdicts.js';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { execa } from 'execa';
import { formatResult } from '../../client/report.js';
import type { ImageProcessingResult } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { progressQuery } from '../../common/messages.js';
import type { PostProcessingResult } from '../../common/post-processing-contract.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { REPO_ROOT } from '../../workers/config.js';
import { devServerForThisFile, eventually, FAST, makeSite, withWorker, type Site } from '../helpers/harness.js';

const server = devServerForThisFile();
const TRIGGER = { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' };
const WITH_TEMPLATES = 941225;
const NO_TEMPLATES = 941238;

describe('an exposure DAGMaker warned will fail, in the console and in post-processing', () => {
  let site: Site;
  let status: { stdout: string; stderr: string; exitCode?: number };
  let result: ImageProcessingResult;
  let pp: PostProcessingResult;

  before(async () => {
    site = await makeSite({ ...FAST, gridSeconds: 1, postprocSeconds: 1 });
    // The exposure without templates is through the grid (its job has left jobsub_q) before
    // post-processing first asks: its DAG has no RUNMON job, so it never writes a RUNEND.
    await writeFile(join(site.state, 'durations'), `${WITH_TEMPLATES} 4\n`);
    await writeFile(join(site.state, 'grid_durations'), `${NO_TEMPLATES} 0.2\n`);
    const list = await site.list('night.list', [WITH_TEMPLATES, NO_TEMPLATES]);
    const id = `test-warn-${process.pid}`;
    await withWorker(server.env, site, async () => {
      const handle = await server.env.client.workflow.start(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: id,
        args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' }, postProcessing: TRIGGER }],
      });
      await eventually('the exposure without templates to be submitted', async () => {
        const p = await handle.query(progressQuery);
        return p.exposures.find((e) => e.expnum === NO_TEMPLATES)?.state === 'submitted';
      });
      status = await execa('node', [join(REPO_ROOT, 'dist', 'client', 'desgw.js'), 'status', id], {
        env: { TEMPORAL_ADDRESS: server.env.address },
        reject: false,
      });
      result = await handle.result();
      pp = await server.env.client.workflow.getHandle(`${id}-postproc`).result();
    });
  });

  test('desgw status shows the exposure without templates submitted with the warning that its diffimg will fail, the other without a warning', () => {
    assert.equal(status.exitCode, 3, `desgw status of a running run exits 3: ${status.stderr}`);
    const rows = status.stdout.split('\n');
    const warned = rows.find((l) => l.startsWith(`${NO_TEMPLATES} `));
    assert.match(
      warned ?? '',
      /^941238 +Y +submitted \(warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL\) +\d+\.0@jobsub01\.fnal\.gov$/,
      status.stdout,
    );
    const other = rows.find((l) => l.startsWith(`${WITH_TEMPLATES} `));
    assert.match(
      other ?? '',
      /^941225 +i +(making-dag|submitting|submitted) +(-|\d+\.0@jobsub01\.fnal\.gov)$/,
      status.stdout,
    );
  });

  test("the run's summary shows the exposure submitted with its warning, and explains TRIES", () => {
    const lines = formatResult(result).split('\n');
    assert.match(
      lines.find((l) => l.startsWith(`${NO_TEMPLATES} `)) ?? '',
      /^941238 +Y +20200304 +submitted \(warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL\) +\d+\.0@jobsub01\.fnal\.gov +1\+1 /,
    );
    assert.match(lines.find((l) => l.startsWith(`${WITH_TEMPLATES} `)) ?? '', /^941225 +i +20200304 +submitted +\d/);
    assert.ok(lines.some((l) => l.startsWith('TRIES: DAGMaker attempts + submission attempts')));
  });

  test("post-processing's verdict on the exposure points back to DAGMaker's warning; the exposure it did not warn of passes without one", async () => {
    const verdicts = await verdictsOf(pp);
    const v = verdicts.find((x) => x.expnum === NO_TEMPLATES)!;
    assert.equal(v.finished, 'left-queue', 'its job left jobsub_q without a RUNEND');
    assert.equal(v.passed, false);
    assert.equal(v.ccds?.failed, 59, JSON.stringify(v.ccds));
    assert.match(v.reason ?? '', /^DAGMaker warned: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL; 0\/59 complete, 59 failed/);
    assert.deepEqual(pp.verdicts!.leftOut, [{ code: 'no-templates', expnums: [NO_TEMPLATES] }]);
    const passed = verdicts.find((x) => x.expnum === WITH_TEMPLATES)!;
    assert.equal(passed.passed, true, passed.reason);
    assert.doesNotMatch(passed.reason ?? '', /DAGMaker warned/);
    assert.equal(result.postProcessing?.outcome, 'success', JSON.stringify(result.postProcessing));
  });
});
