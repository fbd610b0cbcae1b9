/**
 * `make demo`: a Temporal dev server (persisted under .temporal/, with its Web UI), a worker against
 * the embedded sandbox DES site, and one run of the sample exposure list, followed to the end.
 * Stops what it started unless KEEP=1.
 */
import { Connection } from '@temporalio/client';
import { execa, type ResultPromise } from 'execa';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectClient } from '../client/connection.js';
import { follow } from '../client/follow.js';
import { formatResult } from '../client/report.js';
import { followPostProcessing, formatPostProcessingResult } from '../client/post-process.js';
import { startRun } from '../client/start-run.js';
import { REPO_ROOT } from '../workers/config.js';
import { WORKER_NODE_FLAGS } from '../workers/node-flags.js';
import { startDevArgs } from './dev-server-args.js';

const port = Number(process.env.DESGW_DEMO_PORT ?? 7233);
const uiPort = Number(process.env.DESGW_DEMO_UI_PORT ?? 8233);
const address = `localhost:${port}`;
// The demo's client and worker talk to its dev server (plain gRPC, namespace default), whatever
// TEMPORAL_* variables or a temporal.toml profile say about other servers.
const devServerEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_'))),
  TEMPORAL_ADDRESS: address,
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_CONFIG_FILE: join(REPO_ROOT, '.temporal', 'no-such-temporal.toml'), // absent: no profile is read
};
const keep = process.env.KEEP === '1';
/** The demo's GW trigger: the sample list's event, S200224ca (2020-02-24 22:22:34 UTC); the proposal id is a stand-in. */
const TRIGGER = { triggerId: 'S200224ca', triggerMjd: 58903.932, propid: 'DEMO-2020A' };
const started: ResultPromise[] = [];

async function reachable(): Promise<boolean> {
  try {
    const c = await Connection.connect({ address, connectTimeout: 1000 });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

async function stopAll(): Promise<void> {
  for (const p of started.reverse()) {
    p.kill('SIGTERM');
    await p.catch(() => undefined);
  }
}

try {
  const temporal = (await execa(join(REPO_ROOT, 'scripts', 'ensure-temporal.sh'), { stderr: 'inherit' })).stdout.trim();
  if (await reachable()) {
    console.log(`using the Temporal server already at ${address}`);
  } else {
    await mkdir(join(REPO_ROOT, '.temporal'), { recursive: true });
    console.log(
      `starting the Temporal dev server on ${address} (Web UI http://localhost:${uiPort}, data in .temporal/dev.db)`,
    );
    const server = execa(temporal, startDevArgs(port, uiPort, join(REPO_ROOT, '.temporal', 'dev.db')), {
      stdout: 'ignore',
      stderr: 'inherit',
      reject: false,
    });
    started.push(server);
    for (let i = 0; !(await reachable()); i++) {
      if (i > 60) throw new Error('the dev server did not come up within 60 s');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  console.log('starting the worker (npm run worker) against the sandbox DES site in .site/');
  // Post-processing looks for finished DAGs every 10 s here (60 s by default; jobsub_q at most once a minute either way).
  const env: NodeJS.ProcessEnv = { DESGW_GRID_POLL_S: '10', ...devServerEnv };
  delete env.DESGW_GW_WORKFLOW_DIR;
  delete env.DESGW_PNFS_ROOT;
  const worker = execa('node', [...WORKER_NODE_FLAGS, join(REPO_ROOT, 'dist', 'workers', 'main.js')], {
    env,
    extendEnv: false,
    stdout: 'inherit',
    stderr: 'inherit',
    reject: false,
  });
  started.push(worker);

  const client = await connectClient(devServerEnv);
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
  const ui = `http://localhost:${uiPort}/namespaces/default/workflows/${handle.workflowId}/${handle.firstExecutionRunId}/user-metadata`;
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
    await Promise.all(started);
  }
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
