/**
 * The `desgw event` commands and the README's Temporal CLI recipes against a real campaign, used
 * the way a person uses them: each command its own process, against a real dev server, a worker
 * with the real activities, the sandbox site and the sandbox telescope (SISPI's exposure table on a
 * real PostgreSQL). What each prints and its exit code are the specification.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AddExposuresAnswer, CampaignProgress, EventCampaignResult } from '../../common/campaign-contract.js';
import { campaignWorkflowId } from '../../common/campaign-contract.js';
import { mjdOf, nightOf } from '../../common/exposure-admission.js';
import { insertExposure, planNight, writeRawImage, type TelescopeExposure } from '../../scripts/telescope-feeder.js';
import {
  desgwAt,
  devServerForThisFile,
  eventually,
  makeSite,
  type Overrides,
  type Site,
  temporalAt,
  withWorker,
} from '../helpers/harness.js';
import { startTelescope, type Telescope } from '../helpers/telescope.js';

const server = devServerForThisFile();
const desgw = desgwAt(() => server.env.address);
const temporal = temporalAt(() => server.env.address);
const PROPID = '2026B-0888';
let telescope: Telescope;
let nextExpnum = 1_450_000;
let triggers = 0;

before(async () => {
  telescope = await startTelescope();
});
after(async () => {
  await telescope?.remove();
});

/** A new trigger (each campaign its own), its MJD an hour ago, and `start`'s options for it. */
function trigger() {
  const triggerId = `S26${process.pid % 1000}cmd${++triggers}`;
  const triggerMjd = Number(mjdOf(new Date(Date.now() - 3600_000).toISOString()).toFixed(5));
  return {
    triggerId,
    workflowId: campaignWorkflowId(triggerId),
    start: ['--trigger-mjd', String(triggerMjd), '--propid', PROPID, '--season', 'auto'],
  };
}

/** The worker's settings for a campaign: the telescope's table, polled twice a second, and its DTS. */
function campaignSettings(site: Site): Overrides {
  return {
    checkProxy: false,
    exposureDbUrl: telescope.readerUrl,
    exposurePollS: 0.5,
    dtsRoot: join(site.root, 'dts'),
    rawDirs: [],
  };
}

/**
 * `count` of tonight's exposures in the telescope's table with their raw images at Fermilab, each
 * pointed where one of the site's S231014r exposures was (from 1210400 on), in its band, so that
 * DAGMaker finds templates and the grid's results pass.
 */
async function tonight(site: Site, count: number, change: Partial<TelescopeExposure> = {}) {
  const siteList = await readFile(join(site.gwDir, 'exposures.list'), 'utf8');
  const lines = new Map(siteList.split('\n').map((l) => [l.split(/\s+/)[0], l.split(/\s+/)] as const));
  const first = nextExpnum;
  nextExpnum += count;
  const rows = planNight({
    dtsRoot: '',
    propid: PROPID,
    start: new Date(Date.now() - 60_000),
    cadenceS: 1,
    rawLagS: 0,
    count,
    firstExpnum: first,
  }).map((r, k) => {
    const like = lines.get(String(1210400 + k))!;
    return { ...r, ra: Number(like[3]), declination: Number(like[4]), filter: like[5]!, ...change };
  });
  for (const r of rows) {
    await insertExposure(telescope.owner, r);
    await writeRawImage(join(site.root, 'dts'), r.id, nightOf(r.date.toISOString()));
  }
  return rows;
}

/** The lines of a command's output, without blank ones. */
const linesOf = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

test('desgw event: start starts the campaign once (a second start exits 64 in one line naming it); add answers each exposure accepted, held or refused (exit 0, or 1 with a refusal); status shows the night table and exits 3 while it runs; close --wait and watch end 0 with the summary; status after exits 0', async () => {
  const site = await makeSite();
  await withWorker(
    server.env,
    site,
    async () => {
      const t = trigger();
      const started = await desgw([
        'event',
        'start',
        t.triggerId,
        ...t.start,
        '--set',
        'WRITEDB=on',
        '--pass-min-new',
        '2',
      ]);
      assert.equal(started.exitCode, 0, started.stderr);
      assert.match(
        started.stdout,
        new RegExp(`^started ${t.workflowId} \\(add exposures: desgw event add ${t.triggerId} `),
      );

      const again = await desgw(['event', 'start', t.triggerId, ...t.start, '--set', 'WRITEDB=on']);
      assert.equal(again.exitCode, 64);
      assert.equal(again.stdout, '');
      assert.deepEqual(linesOf(again.stderr), [
        `desgw: trigger ${t.triggerId} already has a campaign: ${t.workflowId} (running); nothing started; see it: desgw event status ${t.triggerId}`,
      ]);

      const [a, b] = await tonight(site, 2);
      const [otherProposal] = await tonight(site, 1, { propid: '2026B-0001' });
      const unknown = ++nextExpnum;
      const nite = nightOf(a!.date.toISOString());

      const added = await desgw(['event', 'add', t.triggerId, String(a!.id), String(b!.id)]);
      assert.equal(added.exitCode, 0, added.stderr);
      assert.deepEqual(linesOf(added.stdout), [
        `campaign ${t.workflowId}: 2 accepted, 0 already held, 0 refused`,
        `accepted  ${a!.id} ${a!.filter} ${nite}`,
        `accepted  ${b!.id} ${b!.filter} ${nite}`,
      ]);

      const mixed = await desgw(['event', 'add', t.triggerId, `${a!.id},${otherProposal!.id}`, String(unknown)]);
      assert.equal(mixed.exitCode, 1, mixed.stderr);
      const mixedLines = linesOf(mixed.stdout);
      assert.equal(mixedLines[0], `campaign ${t.workflowId}: 0 accepted, 1 already held, 2 refused`);
      assert.match(
        mixedLines[1]!,
        new RegExp(`^held      ${a!.id} (waiting-for-raw-image|queued|making-dag|submitting|submitted|grid-finished)$`),
      );
      assert.match(
        mixedLines.find((l) => l.includes(String(otherProposal!.id)))!,
        new RegExp(
          `^refused   ${otherProposal!.id} exposure ${otherProposal!.id}: propid is 2026B-0001, not the campaign's ${PROPID}$`,
        ),
      );
      assert.match(
        mixedLines.find((l) => l.includes(String(unknown)))!,
        new RegExp(`^refused   ${unknown} exposure ${unknown} is not in SISPI's exposure table`),
      );
      assert.equal(mixedLines.length, 4);

      const running = await desgw(['event', 'status', t.triggerId]);
      assert.equal(running.exitCode, 3, running.stderr);
      const shown = running.stdout;
      assert.match(
        shown,
        new RegExp(
          `^campaign ${t.workflowId} \\(trigger ${t.triggerId}, propid ${PROPID}\\): (open|closing), season \\d+\\n  2 exposure\\(s\\): `,
        ),
      );
      assert.match(
        shown,
        new RegExp(`\\nnight ${nite}: 2 exposure\\(s\\)\\nEXPNUM +BAND +STATE +SEEN \\(UTC\\) +LATENCY +JOB ID\\n`),
      );
      for (const r of [a!, b!])
        assert.match(shown, new RegExp(`\\n${r.id} +${r.filter} +[a-z-]+ +\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d `));
      assert.match(shown, /\nwatcher: not watching the exposure table \(exposures come by desgw event add\)\n/);
      assert.match(shown, /\npasses: /);

      // watch follows it (a line per change off a terminal) until it ends.
      const watching = desgw(['event', 'watch', t.triggerId, '--every', '1']);
      const closed = await desgw(['event', 'close', t.triggerId, '--reason', 'the event is over', '--wait']);
      assert.equal(closed.exitCode, 0, `${closed.stdout}\n${closed.stderr}`);
      const out = closed.stdout;
      assert.match(
        out,
        new RegExp(
          `^campaign ${t.workflowId} closed at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(the event is over\\): it takes no more exposures\\n`,
        ),
      );
      assert.match(
        out,
        new RegExp(
          `\\ncampaign ${t.workflowId} completed: season \\d+, nite ${nite}: 2 of 2 exposure\\(s\\) submitted \\(2 finished on the grid\\)\\n`,
        ),
      );
      assert.match(out, /\nclosed: the event is over\n/);
      const latest = /\nlatest page: (\S+)\n/.exec(out)?.[1];
      assert.ok(latest?.endsWith('/latest/index.html'), out);
      assert.ok((await stat(latest!).catch(() => null))?.isFile(), `${latest} is there`);
      assert.match(out, /\noutput: +\S+\/output\.txt\n/);
      assert.match(closed.stderr, new RegExp(`\\[${t.workflowId}\\] (closing|final-pass): 2 exposure\\(s\\)`));

      const watched = await watching;
      assert.equal(watched.exitCode, 0, watched.stderr);
      assert.match(watched.stdout, new RegExp(`campaign ${t.workflowId} completed: season \\d+`));

      const after = await desgw(['event', 'status', t.triggerId]);
      assert.equal(after.exitCode, 0, after.stderr);
      assert.match(
        after.stdout,
        new RegExp(`^campaign ${t.workflowId} \\(trigger ${t.triggerId}, propid ${PROPID}\\): done, season \\d+`),
      );
      assert.match(after.stdout, new RegExp(`\\ncampaign ${t.workflowId} completed: `));

      // An ended campaign takes nothing more, and closing it again says it had ended.
      const late = await desgw(['event', 'add', t.triggerId, String(b!.id)]);
      assert.equal(late.exitCode, 2);
      assert.deepEqual(linesOf(late.stderr), [
        `desgw: campaign ${t.workflowId} has ended (completed): it takes no more exposures; see it: desgw event status ${t.triggerId}`,
      ]);
      const reclosed = await desgw(['event', 'close', t.triggerId]);
      assert.equal(reclosed.exitCode, 0, reclosed.stderr);
      assert.match(
        reclosed.stderr,
        new RegExp(`campaign ${t.workflowId} had already ended \\(completed\\): nothing to close`),
      );
    },
    campaignSettings(site),
  );
});

test('desgw event add with the start options starts a new trigger’s campaign and adds to it in one request (Update-with-Start); the same add again answers it held; the README’s Temporal CLI recipes add to it (the answer as JSON), query campaignProgress, close it, read its result and list it by DesgwTrigger', async () => {
  const site = await makeSite();
  await withWorker(
    server.env,
    site,
    async () => {
      const t = trigger();
      const [a, b, c] = await tonight(site, 3);
      const nite = nightOf(a!.date.toISOString());

      const first = await desgw(['event', 'add', t.triggerId, String(a!.id), ...t.start, '--no-post-processing']);
      assert.equal(first.exitCode, 0, first.stderr);
      assert.deepEqual(linesOf(first.stdout), [
        `started ${t.workflowId}; 1 accepted, 0 already held, 0 refused`,
        `accepted  ${a!.id} ${a!.filter} ${nite}`,
      ]);
      const again = await desgw(['event', 'add', t.triggerId, String(a!.id), ...t.start, '--no-post-processing']);
      assert.equal(again.exitCode, 0, again.stderr);
      assert.match(
        linesOf(again.stdout)[0]!,
        new RegExp(`^campaign ${t.workflowId}: 0 accepted, 1 already held, 0 refused$`),
      );
      assert.match(linesOf(again.stdout)[1]!, new RegExp(`^held      ${a!.id} `));

      // The README's recipes: add (the answer as JSON), where it stands, close.
      const add = await temporal([
        'workflow',
        'update',
        'execute',
        '--name',
        'addExposures',
        '--workflow-id',
        t.workflowId,
        '--input',
        JSON.stringify({ exposures: [b!.id, c!.id] }),
        '-o',
        'json',
      ]);
      assert.equal(add.exitCode, 0, add.stderr);
      const answer = JSON.parse(add.stdout) as { result: AddExposuresAnswer } | AddExposuresAnswer;
      const added = 'result' in answer ? answer.result : answer;
      assert.deepEqual(added, {
        accepted: [b!, c!].map((r) => ({ expnum: r.id, nite, band: r.filter })),
        duplicates: [],
        refused: [],
      });

      const query = await temporal([
        'workflow',
        'query',
        '--name',
        'campaignProgress',
        '--workflow-id',
        t.workflowId,
        '-o',
        'json',
      ]);
      assert.equal(query.exitCode, 0, query.stderr);
      const queried = JSON.parse(query.stdout) as { queryResult: CampaignProgress[] } | CampaignProgress;
      const progress = 'queryResult' in queried ? queried.queryResult[0]! : queried;
      assert.equal(progress.workflowId, t.workflowId);
      assert.equal(progress.triggerId, t.triggerId);
      assert.equal(progress.propid, PROPID);
      assert.deepEqual(
        progress.nights.map((n) => [n.nite, n.exposures.map((e) => [e.expnum, e.via])]),
        [
          [
            nite,
            [
              [a!.id, 'added'],
              [b!.id, 'added'],
              [c!.id, 'added'],
            ],
          ],
        ],
      );
      assert.equal(progress.watcher.database, 'not-watched');
      // No pass (--no-post-processing); the CLI (v1.5.1) prints a query's empty list as null.
      assert.deepEqual(progress.passes ?? [], [], query.stdout);

      const close = await temporal([
        'workflow',
        'update',
        'execute',
        '--name',
        'closeCampaign',
        '--workflow-id',
        t.workflowId,
        '--input',
        JSON.stringify({ reason: 'no more pointings' }),
      ]);
      assert.equal(close.exitCode, 0, close.stderr);
      assert.match(close.stdout, /no more pointings/);
      assert.match(close.stdout, /alreadyClosed.*false/);

      const result = await temporal(['workflow', 'result', '--workflow-id', t.workflowId, '-o', 'json']);
      assert.equal(result.exitCode, 0, result.stderr);
      const ended = JSON.parse(result.stdout) as { result: EventCampaignResult } | EventCampaignResult;
      const r = 'result' in ended ? ended.result : ended;
      assert.equal(r.counts.total, 3);
      assert.equal(r.counts.failed, 0);
      assert.equal(r.closedBecause, 'no more pointings');
      assert.deepEqual(r.passes ?? [], []);

      const listed = await eventually(
        'the campaign listed by its trigger',
        async () => {
          const l = await temporal(['workflow', 'list', '--query', `DesgwTrigger="${t.triggerId}"`, '-o', 'json']);
          const ids = (JSON.parse(l.stdout || '[]') as { execution: { workflowId: string } }[]).map(
            (w) => w.execution.workflowId,
          );
          return ids.length > 0 && ids;
        },
        20_000,
        500,
      );
      assert.deepEqual(listed, [t.workflowId]);

      const status = await desgw(['event', 'status', t.triggerId]);
      assert.equal(status.exitCode, 0, status.stderr);
      assert.match(
        status.stdout,
        new RegExp(
          `\\ncampaign ${t.workflowId} completed: season ${r.season}, nite ${nite}: 3 of 3 exposure\\(s\\) submitted`,
        ),
      );
    },
    campaignSettings(site),
  );
});

test('two desgw event adds with the start options at once for a trigger without a campaign: one starts it, both add, and only the one that started it says so', async () => {
  const site = await makeSite();
  await withWorker(
    server.env,
    site,
    async () => {
      const t = trigger();
      const [a, b] = await tonight(site, 2);
      const both = await Promise.all(
        [a!, b!].map((r) => desgw(['event', 'add', t.triggerId, String(r.id), ...t.start, '--no-post-processing'])),
      );
      for (const r of both) assert.equal(r.exitCode, 0, r.stderr);
      const firstLines = both.map((r) => linesOf(r.stdout)[0]!);
      assert.equal(
        firstLines.filter((l) => l.startsWith(`started ${t.workflowId}; `)).length,
        1,
        `one says it started the campaign: ${JSON.stringify(firstLines)}`,
      );
      assert.equal(
        firstLines.filter((l) => l.startsWith(`campaign ${t.workflowId}: `)).length,
        1,
        `the other says it added to it: ${JSON.stringify(firstLines)}`,
      );
      for (const [k, r] of both.entries()) assert.match(r.stdout, new RegExp(`\\naccepted  ${[a!, b!][k]!.id} `));

      const closed = await desgw(['event', 'close', t.triggerId, '--wait']);
      assert.equal(closed.exitCode, 0, closed.stderr);
      assert.match(closed.stdout, /: 2 of 2 exposure\(s\) submitted/);
    },
    campaignSettings(site),
  );
});
