#!/usr/bin/env node
/**
 * `desgw`: the operators' command. `desgw run` starts an image-processing run (the same workflow
 * the Temporal CLI can start) and, with --follow, shows its progress until it ends; `desgw event`
 * runs a GW trigger's campaign over its nights (client/event-command.ts).
 *
 * Exit codes: 0 all exposures submitted; 1 the run finished with failed exposures;
 * 2 the run failed, was terminated, cancelled or timed out; 3 (status) still running; 64 a usage error.
 * Every failure is one line: the innermost cause, then the next step that fits it.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { Command } from 'commander';
import { keyValue, number, positiveInt, season, wholeNumber } from './arguments.js';
import type { ImageProcessingResult } from '../common/contract.js';
import { connectClient } from './connection.js';
import { addEventCommands } from './event-command.js';
import { formatChecks, pollers, runDoctor } from './doctor.js';
import { SITE_TASK_QUEUE } from '../common/contract.js';
import { loadWorkerConfig } from '../workers/config.js';
import { follow } from './follow.js';
import { formatDryRun, formatResult } from './report.js';
import { resumeRun, signalRun, UserError } from './runs.js';
import { dryRunOf, startRun, webUiLink } from './start-run.js';
import { endedLine, whyItEnded } from './execution.js';
import { statusOf } from './status.js';
import {
  followPostProcessing,
  formatPostProcessingResult,
  parseExposures,
  postProcessingOptions,
  startPostProcessing,
} from './post-process.js';
import { proceedSignal } from '../common/messages.js';
import { POST_PROCESSING_WORKFLOW_TYPE } from '../common/post-processing-contract.js';
import type { postProcessing } from '../workflows/post-processing.js';
import { resolve } from 'node:path';

const program = new Command('desgw')
  .description('DESGW image processing on Temporal: DAGMaker and DAG submission for a list of exposures')
  // Set before the commands are added, so they inherit them: a usage error is one line (with
  // commander's "Did you mean --exp-list?" for a near miss) and exits 64; help exits 0.
  .showSuggestionAfterError()
  .configureOutput({
    outputError: (text, write) =>
      write(
        `desgw: ${text
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()} (see --help)\n`,
      ),
  })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 64));

program
  .command('run')
  .description('start an image-processing run for a .list of exposures')
  .requiredOption('--exp-list <file>', '(required) .list file: one exposure number a line')
  .requiredOption('--season <auto|N>', '(required) season to use, or "auto" for a new unused one', season)
  .option('--set <KEY=VALUE>', 'set a dagmaker.rc key for this run (repeatable)', keyValue, {})
  .option('--max-concurrent <n>', 'exposures in DAGMaker/submission at once', positiveInt)
  .option('--gw-workflow <dir>', "gw_workflow directory (default: the worker's)")
  .option('--output-dir <dir>', 'where output.txt and manifest.json go')
  .option('--workflow-id <id>', 'workflow id (default: desgw-season-N or desgw-auto-<time>)')
  .option('--follow', 'show progress until the run ends, then its result')
  .option('--dry-run', 'check the list, exposures, season, rc and environment; run no DAGMaker, reserve nothing')
  .option('--json', 'print the result (or the started run) as JSON')
  .option('--post-process', 'go on to post-processing once the exposures are submitted (needs the trigger flags)')
  .option('--trigger-id <id>', 'post-processing: the GW trigger id, e.g. S240511i')
  .option('--trigger-mjd <mjd>', "post-processing: the trigger's MJD", number)
  .option('--propid <id>', 'post-processing: the DECam proposal id, e.g. 2024A-0001')
  .option('--postproc-dir <dir>', 'post-processing: the Post-Processing checkout (default: beside gw_workflow)')
  .option('--min-complete-ccds <n>', 'post-processing: complete CCDs an exposure needs (default 50)', positiveInt)
  .option('--grid-deadline-hours <h>', 'post-processing: go on with what finished after this long (default 12)', number)
  .addHelpText(
    'after',
    `
Examples:
  desgw run --exp-list sandbox/lists/demo.list --season auto --set WRITEDB=off --follow
  desgw run --exp-list night.list --season auto --post-process --trigger-id S240511i --trigger-mjd 60441.37 --propid 2024A-0001 --follow
  desgw run --exp-list night.list --season 612 --set MIN_NITE=20231001 --max-concurrent 3
  desgw run --exp-list night.list --season 612 --dry-run`,
  )
  .action(async (o) => {
    const client = await connectClient();
    const run = {
      expList: o.expList,
      season: o.season,
      rc: o.set,
      maxConcurrent: o.maxConcurrent,
      gwWorkflowDir: o.gwWorkflow,
      outputDir: o.outputDir,
    };
    if (o.dryRun) {
      const report = await dryRunOf(client, run);
      console.log(o.json ? JSON.stringify(report, null, 2) : formatDryRun(report));
      process.exitCode = report.ok ? 0 : 2;
      return;
    }
    const postProcessing = o.postProcess ? postProcessingOptions(o) : undefined;
    await warnWithoutSiteWorker(client);
    const handle = await startRun(client, {
      ...run,
      workflowId: o.workflowId,
      ...(postProcessing ? { postProcessing } : {}),
    });
    if (!o.follow) return printStarted(handle, o.json, `follow it with: desgw watch ${handle.workflowId}`);
    printLink(client, handle);
    await followToEnd(handle, o.json);
  });

/** The Web UI's page of the run (where Current Details shows), when the UI is known. */
function printLink(client: Client, handle: { workflowId: string; firstExecutionRunId: string }): void {
  const link = webUiLink(handle.workflowId, handle.firstExecutionRunId, client.options.namespace);
  if (link) console.error(`in the Web UI: ${link}`);
}

/** What a command that starts a workflow without following it prints: its ids (JSON), or a line. */
function printStarted(
  handle: { workflowId: string; firstExecutionRunId: string },
  json: boolean | undefined,
  hint: string | null,
  verb = 'started',
): void {
  if (json) console.log(JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId }));
  else console.log(`${verb} ${handle.workflowId}${hint ? ` (${hint})` : ''}`);
}

/**
 * Shows progress until the run ends, prints its result, and sets the exit code from it; a run that
 * did not complete is one line: why, and the next step that fits.
 */
async function followToEnd(handle: WorkflowHandle, json: boolean | undefined): Promise<void> {
  await follow(handle);
  let result: ImageProcessingResult;
  try {
    result = (await handle.result()) as ImageProcessingResult;
  } catch (err) {
    const why = whyItEnded('run', handle.workflowId, err);
    if (json) console.log(JSON.stringify({ workflowId: handle.workflowId, ...why }, null, 2));
    console.error(endedLine({ workflowId: handle.workflowId, type: 'imageProcessing', kind: 'run', ...why }));
    process.exitCode = 2;
    return;
  }
  console.log(json ? JSON.stringify(result, null, 2) : formatResult(result));
  if (result.counts.failed > 0)
    console.error(
      `${result.counts.failed} exposure(s) failed — next: see why above, then desgw resume ${handle.workflowId} --retry-failed`,
    );
  process.exitCode = result.counts.failed > 0 || result.postProcessing?.outcome === 'failed' ? 1 : 0;
}

program
  .command('status')
  .description(
    'where a run (or a post-processing) really stands: running or how it ended and why, the next command, each exposure',
  )
  .argument('<workflowId>')
  .option('--json', 'print the execution and the progress as JSON')
  .addHelpText(
    'after',
    `
Example:
  desgw status desgw-season-612
Exit codes: 0 completed, every exposure submitted; 1 completed with failed exposures (post-processing: no candidates);
2 failed, terminated, cancelled or timed out; 3 still running.`,
  )
  .action(async (id: string, o) => {
    const report = await statusOf(await connectClient(), id);
    console.log(o.json ? JSON.stringify(report.json, null, 2) : report.text);
    process.exitCode = report.exitCode;
  });

program
  .command('watch')
  .description('show the progress of a running run until it ends, then its result')
  .argument('<workflowId>')
  .option('--json', 'print the result as JSON')
  .action(async (id: string, o) => {
    const client = await connectClient();
    const handle = client.workflow.getHandle(id);
    if ((await handle.describe()).type === POST_PROCESSING_WORKFLOW_TYPE)
      return followPostProcessingToEnd(client.workflow.getHandle<typeof postProcessing>(id), o.json);
    await followToEnd(handle, o.json);
  });

program
  .command('resume')
  .description('finish a failed, cancelled or terminated run: same season and rc, only what was not submitted')
  .argument('<workflowId>')
  .option('--retry-failed', 'also retry exposures that failed for good (works on completed runs too)')
  .option('--follow', 'show progress until the run ends')
  .option('--json', 'print the result (or the started run) as JSON')
  .addHelpText('after', '\nExample:\n  desgw resume desgw-season-612 --follow')
  .action(async (id: string, o) => {
    const handle = await resumeRun(await connectClient(), id, o.retryFailed === true);
    if (o.follow) return followToEnd(handle, o.json);
    printStarted(handle, o.json, `follow it with: desgw watch ${id}`, 'resumed');
  });

const SIGNAL_COMMANDS = [
  ['proxy-renewed', 'proxyRenewed', 'tell a run waiting for a grid proxy that it was renewed'],
  ['retry-environment', 'retryEnvironment', 'tell a run waiting for its environment to source setup_img_proc.sh again'],
  [
    'retry-now',
    'retryNow',
    'tell a waiting run to check again now whatever it waits for (proxy, jobsub, DES database, environment)',
  ],
] as const;
for (const [name, signal, description] of SIGNAL_COMMANDS) {
  program
    .command(name)
    .description(`${description} (signal ${signal})`)
    .argument('<workflowId>')
    .action(async (id: string) => {
      await signalRun(await connectClient(), id, signal);
      console.log(`signalled ${signal} to ${id}`);
    });
}

program
  .command('post-process')
  .description(
    'wait for the grid, judge the exposures and run run_postproc.py: for a finished run, an output.txt, or a season and exposures',
  )
  .option('--run <workflowId>', 'a finished image-processing run')
  .option('--output-txt <file>', 'a legacy output.txt (line 3: the NITEs)')
  .option('--season <N>', 'a season, with --exposures', positiveInt)
  .option('--exposures <list>', 'EXPNUM:BAND[:NITE],… (NITE looked up in exposures.list when left out)', parseExposures)
  .requiredOption('--trigger-id <id>', '(required) the GW trigger id, e.g. S240511i')
  .requiredOption('--trigger-mjd <mjd>', "(required) the trigger's MJD", number)
  .requiredOption('--propid <id>', '(required) the DECam proposal id, e.g. 2024A-0001')
  .option('--postproc-dir <dir>', 'the Post-Processing checkout (default: beside gw_workflow)')
  .option('--min-complete-ccds <n>', 'complete CCDs an exposure needs (default 50)', positiveInt)
  .option('--output-dir <dir>', "run_postproc.py's output directory (default: a new one per run, beside the checkout)")
  .option('--grid-deadline-hours <h>', 'go on with what finished after this long (default 12)', number)
  .option('--skip-to <n>', "run_postproc.py's --SKIPTO (default: decided from the output directory)", wholeNumber)
  .option(
    '--workflow-id <id>',
    'workflow id (default desgw-postproc-<trigger>-<time>); the same id again resumes in its output directory',
  )
  .option('--follow', 'show progress until it ends, then its result')
  .option('--json', 'print the result (or the started run) as JSON')
  .addHelpText(
    'after',
    `
Examples:
  desgw post-process --run desgw-season-612 --trigger-id S240511i --trigger-mjd 60441.37 --propid 2024A-0001 --follow
  desgw post-process --output-txt image_proc_outputs/output.txt --trigger-id S240511i --trigger-mjd 60441.37 --propid 2024A-0001
Exit codes: 0 candidates written, 1 no candidates, 2 it failed.`,
  )
  .action(async (o) => {
    const input = {
      ...postProcessingOptions({ ...o, postprocOutputDir: o.outputDir }),
      ...(o.run ? { imageProcessingWorkflowId: o.run } : {}),
      ...(o.outputTxt ? { outputTxt: resolve(o.outputTxt) } : {}),
      ...(o.season !== undefined ? { season: o.season } : {}),
      ...(o.exposures ? { exposures: o.exposures } : {}),
    };
    const handle = await startPostProcessing(await connectClient(), input, o.workflowId);
    if (!o.follow) return printStarted(handle, o.json, `follow it with: desgw watch ${handle.workflowId}`);
    await followPostProcessingToEnd(handle, o.json);
  });

/** Shows a post-processing's progress until it ends, then its result, or why it did not complete. */
async function followPostProcessingToEnd(handle: WorkflowHandle<typeof postProcessing>, json: boolean | undefined) {
  await followPostProcessing(handle);
  try {
    const r = await handle.result();
    console.log(json ? JSON.stringify(r, null, 2) : formatPostProcessingResult(r));
    process.exitCode = r.outcome === 'success' ? 0 : 1;
  } catch (err) {
    const why = whyItEnded('post-processing', handle.workflowId, err);
    const kind = 'post-processing';
    console.error(endedLine({ workflowId: handle.workflowId, type: POST_PROCESSING_WORKFLOW_TYPE, kind, ...why }));
    process.exitCode = 2;
  }
}

program
  .command('proceed')
  .description('tell a post-processing waiting for the grid to go on now with what has finished (signal proceed)')
  .argument('<workflowId>')
  .action(async (id: string) => {
    await (await connectClient()).workflow.getHandle(id).signal(proceedSignal);
    console.log(`signalled proceed to ${id}`);
  });

program
  .command('doctor')
  .description(
    'check everything a night depends on: the server, the namespace, the workers, and (on the DES machine) the site',
  )
  .option('--json', 'print the checks as JSON')
  .addHelpText(
    'after',
    `
Run it on the DES machine with the worker's settings, e.g.:
  set -a; . ~/.config/desgw-worker.env; set +a; desgw doctor
Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 the server could not be reached.`,
  )
  .action(async (o) => {
    const client = await connectClient();
    const checks = await runDoctor(client, client.options.namespace, loadWorkerConfig());
    console.log(o.json ? JSON.stringify(checks, null, 2) : formatChecks(checks));
    process.exitCode = checks.some((c) => c.result === 'FAIL') ? 1 : 0;
  });

/** A run started while no worker of the DES machine polls would only wait: say so at once. */
async function warnWithoutSiteWorker(client: Client): Promise<void> {
  const seen = await pollers(client, client.options.namespace).catch(() => null);
  if (seen && (seen.get(SITE_TASK_QUEUE) ?? 0) === 0) {
    console.error(
      `desgw: warning: no worker polls ${SITE_TASK_QUEUE}: the run will wait until the DES machine's worker runs (desgw doctor)`,
    );
  }
}

program
  .command('cancel')
  .description('cancel a run: its DAGMakers are killed, what was submitted stays recorded')
  .argument('<workflowId>')
  .action(async (id: string) => {
    await (await connectClient()).workflow.getHandle(id).cancel();
    console.log(`cancellation requested for ${id}`);
  });

addEventCommands(program);

try {
  await program.parseAsync();
} catch (err) {
  // One line, no stack trace: what went wrong and, where we know it, what to do.
  const message =
    err instanceof WorkflowNotFoundError
      ? `no run with that workflow id (${err.workflowId})`
      : err instanceof Error
        ? err.message
        : String(err);
  console.error(`desgw: ${message}`);
  process.exit(err instanceof UserError || err instanceof WorkflowNotFoundError ? 64 : 2);
}
