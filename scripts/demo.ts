/**
 * `make demo`: a Temporal dev server (persisted under .temporal/, with its Web UI), a worker against
 * the embedded sandbox DES site, and one run of the sample exposure list, followed to the end.
 * Stops what it started unless KEEP=1.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectClient } from '../client/connection.js';
import { follow } from '../client/follow.js';
import { formatResult } from '../client/report.js';
import { followPostProcessing, formatPostProcessingResult } from '../client/post-process.js';
import { startRun } from '../client/start-run.js';
import { REPO_ROOT } from '../workers/config.js';
import { demoServer, ensureDevServer, Started, startSandboxWorker } from './demo-support.js';

const server = demoServer();
const keep = process.env.KEEP === '1';
/** The demo's GW trigger: the sample list's event, S200224ca (2020-02-24 22:22:34 UTC); the proposal id is a stand-in. */
const TRIGGER = { triggerId: 'S200224ca', triggerMjd: 58903.932, propid: 'DEMO-2020A' };
const started = new Started();

try {
  await ensureDevServer(server, started);

  console.log('starting the worker (npm run worker) against the sandbox DES site in .site/');
  // Post-processing looks for finished DAGs every 10 s here (60 s by default; jobsub_q at most once a minute either way).
  startSandboxWorker(server, started, { DESGW_GRID_POLL_S: '10' });

  const client = await connectClient(server.env);
  const list = join(REPO_ROOT, 'sandbox', 'lists', 'demo.list');
  console.log(
    `\n$ desgw run --exp-list sandbox/lists/demo.list --season auto --set WRITEDB=on --post-process ` +
      `--trigger-id ${TRIGGER.triggerId} --trigger-mjd ${TRIGGER.triggerMjd} --propid ${TRIGGER.propid} --follow`,
  );
  const nightStarted = Date.now();
  const handle = await startRun(client, {
    expList: list,
    season: 'auto',
    // Post-processing takes its candidates from the DES database (the sandbox's stand-in): WRITEDB=on.
    rc: { WRITEDB: 'on' },
    postProcessing: TRIGGER,
  });
  const ui = `${server.ui}/namespaces/default/workflows/${handle.workflowId}/${handle.firstExecutionRunId}/user-metadata`;
  console.log(`watch it in the Web UI: ${ui}\n`);
  // The run's own progress, then its post-processing's (the grid wait, run_postproc.py) once it starts.
  const postHandle = client.workflow.getHandle(`${handle.workflowId}-postproc`);
  const closed = handle.result().then(
    () => true,
    () => true,
  );
  const followPost = (async () => {
    while (
      !(await postHandle.describe().then(
        () => true,
        () => false,
      ))
    ) {
      if (await Promise.race([closed, new Promise<false>((r) => setTimeout(() => r(false), 1000))])) return;
    }
    await followPostProcessing(postHandle);
  })();
  await Promise.all([follow(handle), followPost]);
  const result = await handle.result();
  console.log('\n' + formatResult(result));
  console.log(`\n${result.outputFiles.outputTxt}:\n${await readFile(result.outputFiles.outputTxt, 'utf8')}`);
  const post = await postHandle.result();
  console.log(formatPostProcessingResult(post));
  const nightS = Math.round((Date.now() - nightStarted) / 1000);
  console.log(
    `\nthe night took ${nightS} s: image processing, ${post.grid.waitedS} s waiting for the grid ` +
      `(${post.grid.jobsubQCalls} jobsub_q calls, ${post.grid.pnfsReads} /pnfs reads), then run_postproc.py`,
  );
  if (post.masterHtml) console.log(`the candidate page: ${post.masterHtml}`);
  console.log(`Web UI of this run: ${ui}`);
  if (keep) {
    console.log('\nKEEP=1: the dev server and the worker keep running; Ctrl-C stops them.');
    await started.untilEnded();
  }
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await started.stopAll();
}
