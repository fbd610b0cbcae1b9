/**
 * The `desgw event` command group (issue 21): `start`, `add`, `status`, `watch` and `close` of a
 * GW trigger's campaign, with their options, help and exit codes. The command line is checked
 * (client/event-input.ts) before any server is asked; the calls are client/event.ts's.
 *
 * Exit codes: 0 done (started, every exposure accepted or already held, closed; a campaign that
 * completed with every exposure submitted); 1 an exposure refused, or a campaign that completed
 * with failed exposures or a failed last pass; 2 the campaign refused the request (closed, or
 * ended), failed, was terminated, cancelled or timed out, or the server could not be reached;
 * 3 still running, or no answer in time; 64 a usage error, an unknown trigger, or a campaign that exists.
 */
import type { Command } from 'commander';
import { campaignWorkflowId } from '../common/campaign-contract.js';
import { keyValue, number, positiveInt, positiveNumber, season } from './arguments.js';
import { connectClient } from './connection.js';
import {
  addExposures,
  awaitCampaign,
  campaignStatus,
  closeCampaign,
  NoAnswerError,
  startCampaign,
  watchCampaign,
} from './event.js';
import {
  campaignInput,
  checkTriggerId,
  parseExpnums,
  refuseStartOnlyFlags,
  startFlagsGiven,
  type CampaignFlags,
} from './event-input.js';
import { addExitCode, formatAddAnswer, formatCloseAnswer, formatStarted } from './event-report.js';
import { webUiLink } from './start-run.js';

const EXIT_CODES = `Exit codes: 0 completed, every exposure submitted; 1 completed with failed exposures or a failed last pass;
2 failed, terminated, cancelled or timed out; 3 still running.`;

/** The options that start a campaign: required by `start`, optional for `add` (given, they make it an Update-with-Start). */
function startOptions(cmd: Command, required: boolean): Command {
  const req = required ? '(required) ' : '';
  const add = required ? cmd.requiredOption.bind(cmd) : cmd.option.bind(cmd);
  add('--trigger-mjd <mjd>', `${req}the trigger's MJD: exposures before it are not the event's`, number);
  add('--propid <id>', `${req}the semester's DESGW proposal, e.g. 2024A-0001`, undefined);
  add('--season <auto|N>', `${req}the season, reserved once for all the event's nights, or "auto"`, season);
  return cmd
    .option('--watch-database', "take the event's exposures from SISPI's exposure table as they are made")
    .option('--set <KEY=VALUE>', 'set a dagmaker.rc key for the campaign (repeatable)', keyValue, {})
    .option('--max-concurrent <n>', 'exposures in DAGMaker/submission at once (default 5)', positiveInt)
    .option('--gw-workflow-dir <dir>', "gw_workflow directory (default: the worker's)")
    .option('--output-dir <dir>', 'where the legacy output.txt goes (default: image_proc_outputs/ beside gw_workflow)')
    .option(
      '--no-post-processing',
      'run no post-processing pass (by default passes run as exposures finish on the grid)',
    )
    .option('--post-processing-dir <dir>', 'the Post-Processing checkout (default: beside gw_workflow)')
    .option('--min-complete-ccds <n>', 'complete CCDs an exposure needs (default 50)', positiveInt)
    .option('--grid-deadline-hours <h>', 'after closing, how long to wait for the grid (default 12)', positiveNumber)
    .option(
      '--pass-min-new <n>',
      'a pass runs once this many exposures finished since the last (default 10)',
      positiveInt,
    )
    .option('--pass-growth <f>', '… or this share more than the last pass took (default 0.25)', positiveNumber)
    .option('--pass-stale-minutes <m>', '… or one has waited this long (default 60)', positiveNumber);
}

export function addEventCommands(program: Command): void {
  const event = program
    .command('event')
    .description("an event campaign: one workflow per GW trigger, taking the event's exposures night after night")
    .addHelpText(
      'after',
      `
The campaign of TRIGGER is the workflow ${campaignWorkflowId('TRIGGER')} (type eventCampaign).
Examples:
  desgw event start S250101a --trigger-mjd 60676.12 --propid 2024B-0001 --season auto --watch-database
  desgw event add S250101a 1210450 1210451
  desgw event status S250101a
  desgw event close S250101a --reason "the event is over" --wait`,
    );

  startOptions(
    event
      .command('start')
      .description("start a trigger's campaign (refused when the trigger has one)")
      .argument('<trigger>', 'the GW trigger id, e.g. S250101a'),
    true,
  )
    .addHelpText(
      'after',
      `
Example:
  desgw event start S250101a --trigger-mjd 60676.12 --propid 2024B-0001 --season auto --watch-database --set WRITEDB=on`,
    )
    .action(async (trigger: string, o: CampaignFlags) => {
      const input = campaignInput(trigger, o);
      const client = await connectClient();
      const handle = await startCampaign(client, input);
      const link = webUiLink(handle.workflowId, handle.firstExecutionRunId, client.options.namespace);
      console.log(formatStarted(trigger, handle.workflowId, link));
    });

  startOptions(
    event
      .command('add')
      .description(
        "add exposures to a trigger's campaign; with --trigger-mjd, --propid and --season, start it first when it does not exist",
      )
      .argument('<trigger>', 'the GW trigger id')
      .argument('<expnum...>', 'exposure numbers (or EXPNUM,EXPNUM,…)'),
    false,
  )
    .option('--json', "print the campaign's answer as JSON")
    .addHelpText(
      'after',
      `
Examples:
  desgw event add S250101a 1210450 1210451
  desgw event add S250101a 1210450 --trigger-mjd 60676.12 --propid 2024B-0001 --season auto
Exit codes: 0 every exposure accepted or already held; 1 one was refused (each says why);
2 the campaign refused them (closed, ended); 3 no answer in time (safe to run again); 64 no such campaign.`,
    )
    .action(async (trigger: string, expnums: string[], o: CampaignFlags & { json?: boolean }) => {
      checkTriggerId(trigger);
      const exposures = parseExpnums(expnums);
      let start;
      if (startFlagsGiven(o)) start = campaignInput(trigger, o);
      else refuseStartOnlyFlags(trigger, o);
      const client = await connectClient();
      try {
        const r = await addExposures(client, trigger, exposures, start);
        console.log(o.json ? JSON.stringify(r.answer, null, 2) : formatAddAnswer(r.workflowId, r.answer, r.started));
        if (r.started && r.runId) {
          const link = webUiLink(r.workflowId, r.runId, client.options.namespace);
          if (link) console.error(`in the Web UI: ${link}`);
        }
        process.exitCode = addExitCode(r.answer);
      } catch (err) {
        noAnswer(err);
      }
    });

  event
    .command('status')
    .description("where a trigger's campaign stands: its exposures night by night, its watcher, its passes")
    .argument('<trigger>', 'the GW trigger id')
    .option('--json', 'print the campaignProgress query and the execution as JSON')
    .addHelpText('after', `\nExample:\n  desgw event status S250101a\n${EXIT_CODES}`)
    .action(async (trigger: string, o: { json?: boolean }) => {
      checkTriggerId(trigger);
      const s = await campaignStatus(await connectClient(), trigger, new Date());
      console.log(o.json ? JSON.stringify(s.json, null, 2) : s.text);
      process.exitCode = s.exitCode;
    });

  event
    .command('watch')
    .description("show a trigger's campaign, again every few seconds, until it ends")
    .argument('<trigger>', 'the GW trigger id')
    .option('--every <s>', 'seconds between looks (default 5)', positiveInt)
    .addHelpText('after', `\n${EXIT_CODES}`)
    .action(async (trigger: string, o: { every?: number }) => {
      checkTriggerId(trigger);
      process.exitCode = await watchCampaign(await connectClient(), trigger, process.stdout, (o.every ?? 5) * 1000);
    });

  event
    .command('close')
    .description(
      "close a trigger's campaign: it takes no more exposures, finishes what it holds, runs its last pass and completes",
    )
    .argument('<trigger>', 'the GW trigger id')
    .option('--reason <text>', 'why (kept in its progress and result)')
    .option('--wait', 'wait until it completes, then print its summary (passes, latest page, output files)')
    .addHelpText(
      'after',
      `
Example:
  desgw event close S250101a --reason "no more pointings" --wait
Exit codes: 0 closed (or it had ended, as 'status' says); with --wait, those of 'status' once it has ended;
2 it refused, 3 no answer in time.`,
    )
    .action(async (trigger: string, o: { reason?: string; wait?: boolean }) => {
      checkTriggerId(trigger);
      const client = await connectClient();
      try {
        const r = await closeCampaign(client, trigger, o.reason);
        if ('ended' in r) {
          console.error(`campaign ${r.ended.workflowId} had already ended (${r.ended.state}): nothing to close`);
          const s = await campaignStatus(client, trigger);
          console.log(s.text);
          process.exitCode = s.exitCode;
          return;
        }
        console.log(formatCloseAnswer(trigger, campaignWorkflowId(trigger), r.answer));
        if (o.wait) process.exitCode = await awaitCampaign(client, trigger);
      } catch (err) {
        noAnswer(err);
      }
    });
}

/** No answer in time: one line, exit 3 (the request may still be taken); anything else goes on up. */
function noAnswer(err: unknown): void {
  if (!(err instanceof NoAnswerError)) throw err;
  console.error(`desgw: ${err.message}`);
  process.exitCode = 3;
}
