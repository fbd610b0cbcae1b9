import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  AddExposuresAnswer,
  CampaignExposure,
  CampaignPass,
  CampaignProgress,
  EventCampaignResult,
} from '../../common/campaign-contract.js';
import {
  addExitCode,
  campaignEndedLine,
  campaignExitCode,
  campaignNextStep,
  countsLine,
  duration,
  ERROR_CLIP,
  formatAddAnswer,
  formatCampaignProgress,
  formatCampaignResult,
  formatCloseAnswer,
  formatPasses,
  formatStarted,
  formatWatcher,
  latencyOf,
  progressLine,
} from '../../client/event-report.js';

const ID = 'desgw-event-S250101a';

const exposure = (expnum: number, extra: Partial<CampaignExposure> = {}): CampaignExposure => ({
  expnum,
  nite: '20250101',
  band: 'i',
  state: 'submitted',
  via: 'watcher',
  seenAt: '2025-01-02T03:12:00.000Z',
  ...extra,
});

const pass = (n: number, extra: Partial<CampaignPass> = {}): CampaignPass => ({
  id: `${ID}-pass-${n}`,
  exposures: 4 * n,
  outcome: 'success',
  page: `/site/postproc_outputs/${ID}-pass-${n}/index.html`,
  startedAt: '2025-01-02T05:00:00.000Z',
  ...extra,
});

function progress(extra: Partial<CampaignProgress> = {}): CampaignProgress {
  return {
    workflowId: ID,
    triggerId: 'S250101a',
    propid: '2024B-0001',
    season: 612,
    phase: 'open',
    counts: { submitted: 1, queued: 1, 'grid-finished': 1 },
    nights: [
      {
        nite: '20250101',
        exposures: [
          exposure(1210450, { state: 'grid-finished', latencyMs: 65_000, jobId: '48213050.0@jobsub01.fnal.gov' }),
          exposure(1210451, { band: 'r', latencyMs: 3_000, jobId: '48213051.0@jobsub01.fnal.gov' }),
        ],
      },
      {
        nite: '20250102',
        exposures: [
          exposure(1210480, { nite: '20250102', state: 'queued', processableAt: '2025-01-03T02:00:00.000Z' }),
        ],
      },
    ],
    watcher: {
      database: 'watching',
      cursor: 1210480,
      rowsSeen: 3,
      polls: 12,
      lastPollAt: '2025-01-03T02:05:10.000Z',
      visibilityLagS: 45,
    },
    passes: [pass(1)],
    latestPage: '/site/desgw_runs/desgw-event-S250101a/latest/index.html',
    continuedAsNew: 0,
    ...extra,
  };
}

function result(extra: Partial<EventCampaignResult> = {}): EventCampaignResult {
  return {
    workflowId: ID,
    triggerId: 'S250101a',
    season: 612,
    runDir: `/site/desgw_runs/${ID}`,
    nites: ['20250101', '20250102'],
    counts: { total: 3, submitted: 3, failed: 0, gridFinished: 3 },
    outputFiles: {
      outputTxt: `/site/desgw_runs/${ID}/output.txt`,
      manifest: `/site/desgw_runs/${ID}/manifest.json`,
      latestOutputTxt: '/site/image_proc_outputs/output.txt',
    },
    rcChanges: [],
    passes: [pass(1), pass(2)],
    latestPage: `/site/desgw_runs/${ID}/latest/index.html`,
    startedAt: '2025-01-02T01:00:00.000Z',
    finishedAt: '2025-01-03T09:00:00.000Z',
    ...extra,
  };
}

// ---- Exit codes ----

test('a campaign still running (or gone on in a new execution) exits 3', () => {
  assert.equal(campaignExitCode('running'), 3);
  assert.equal(campaignExitCode('continued-as-new'), 3);
});

test('a campaign that failed, was terminated, cancelled or timed out exits 2', () => {
  for (const state of ['failed', 'terminated', 'cancelled', 'timed-out'] as const)
    assert.equal(campaignExitCode(state), 2, state);
});

test('a completed campaign exits 0 with every exposure submitted, 1 with a failed exposure or a failed last pass', () => {
  assert.equal(campaignExitCode('completed', result()), 0);
  assert.equal(
    campaignExitCode('completed', result({ counts: { total: 3, submitted: 2, failed: 1, gridFinished: 2 } })),
    1,
  );
  assert.equal(campaignExitCode('completed', result({ passes: [pass(1), pass(2, { outcome: 'failed' })] })), 1);
});

test('an earlier failed pass does not fail a campaign whose last pass succeeded', () => {
  assert.equal(campaignExitCode('completed', result({ passes: [pass(1, { outcome: 'failed' }), pass(2)] })), 0);
});

test('an add exits 0 when every exposure was accepted or already held, 1 when one was refused', () => {
  const ok: AddExposuresAnswer = {
    accepted: [{ expnum: 1, nite: '20250101', band: 'i' }],
    duplicates: [{ expnum: 2, state: 'queued' }],
    refused: [],
  };
  assert.equal(addExitCode(ok), 0);
  assert.equal(addExitCode({ ...ok, refused: [{ expnum: 3, reason: 'not the event’s' }] }), 1);
});

// ---- Next steps ----

test("a campaign's next step never says desgw resume (a campaign is not a list run)", () => {
  for (const ending of ['completed', 'failed', 'terminated', 'cancelled', 'timed-out', 'continued-as-new'] as const)
    assert.doesNotMatch(campaignNextStep('S250101a', ID, ending), /desgw resume/, ending);
});

test('a completed campaign says to see it; a terminated one to reset it to where it stopped', () => {
  assert.equal(campaignNextStep('S250101a', ID, 'completed'), 'see it: desgw event status S250101a');
  assert.match(
    campaignNextStep('S250101a', ID, 'terminated'),
    /temporal workflow reset --workflow-id desgw-event-S250101a --type LastWorkflowTask/,
  );
});

test('a campaign that failed on its input says to fix it and that its id is never started again', () => {
  const next = campaignNextStep('S250101a', ID, 'failed', 'InvalidInput');
  assert.match(next, /^fix what it names/);
  assert.match(next, /--type FirstWorkflowTask/);
  assert.match(next, /cannot be given to desgw-event-S250101a again/);
});

test('a campaign that did not complete is one line: its ending, why, and the next step', () => {
  const line = campaignEndedLine('S250101a', {
    workflowId: ID,
    state: 'failed',
    reason: 'the exposure table\nrefused us',
    failureType: 'DatabaseUnavailable',
  });
  assert.equal(line.split('\n').length, 1);
  assert.match(line, /^campaign desgw-event-S250101a failed: the exposure table refused us — next: /);
});

test("a terminated campaign's line says 'terminated' once, then the reason given", () => {
  const line = campaignEndedLine('S250101a', {
    workflowId: ID,
    state: 'terminated',
    reason: 'terminated: operator: wrong propid',
  });
  assert.match(line, /^campaign desgw-event-S250101a terminated: operator: wrong propid — next: .*LastWorkflowTask/);
});

// ---- start, add, close ----

test('a started campaign prints its id, how to add and follow, and its Web UI page when the UI is known', () => {
  const text = formatStarted('S250101a', ID, 'http://localhost:8233/namespaces/default/workflows/x/y/user-metadata');
  assert.match(
    text,
    /^started desgw-event-S250101a \(add exposures: desgw event add S250101a EXPNUM…; follow it: desgw event watch S250101a\)/,
  );
  assert.match(text, /\nin the Web UI: http:\/\/localhost:8233\//);
  assert.equal(formatStarted('S250101a', ID, null).split('\n').length, 1);
});

test("an add's answer is a count line, then one line per exposure: accepted, held (its state), refused (why)", () => {
  const text = formatAddAnswer(ID, {
    accepted: [{ expnum: 1210450, nite: '20250101', band: 'i', warning: 'taken before the trigger’s night' }],
    duplicates: [{ expnum: 1210449, state: 'making-dag' }],
    refused: [{ expnum: 1210999, reason: "exposure 1210999 is not in SISPI's exposure table (nor exposures.list)" }],
  });
  assert.deepEqual(text.split('\n'), [
    'campaign desgw-event-S250101a: 1 accepted, 1 already held, 1 refused',
    'accepted  1210450 i 20250101 (warning: taken before the trigger’s night)',
    'held      1210449 making-dag',
    "refused   1210999 exposure 1210999 is not in SISPI's exposure table (nor exposures.list)",
  ]);
});

test('an add that started the campaign says so on its count line', () => {
  const text = formatAddAnswer(ID, { accepted: [], duplicates: [], refused: [] }, true);
  assert.equal(text, 'started desgw-event-S250101a; 0 accepted, 0 already held, 0 refused');
});

test('a refusal reason is kept on its one line, clipped', () => {
  const text = formatAddAnswer(ID, {
    accepted: [],
    duplicates: [],
    refused: [{ expnum: 7, reason: 'x\n'.repeat(400) }],
  });
  const line = text.split('\n')[1]!;
  assert.ok(line.length <= 'refused   7 '.length + ERROR_CLIP, line);
});

test('a close says when, why, and what the campaign still finishes before it completes', () => {
  const text = formatCloseAnswer('S250101a', ID, {
    closedAt: '2025-01-03T09:00:00.000Z',
    reason: 'no more pointings',
    alreadyClosed: false,
    stillToFinish: 3,
  });
  assert.match(
    text,
    /^campaign desgw-event-S250101a closed at 2025-01-03 09:00:00 UTC \(no more pointings\): it takes no more exposures/,
  );
  assert.match(text, /it still finishes 3 exposure\(s\)/);
  assert.match(text, /desgw event watch S250101a$/);
});

test('closing a closed campaign says it was already closed, and when', () => {
  const text = formatCloseAnswer('S250101a', ID, {
    closedAt: '2025-01-03T09:00:00.000Z',
    alreadyClosed: true,
    stillToFinish: 0,
  });
  assert.match(text, /^campaign desgw-event-S250101a was already closed at 2025-01-03 09:00:00 UTC: /);
  assert.match(text, /every exposure it took is through DAGMaker and submission/);
});

// ---- status ----

test('the status opens with the campaign, its trigger, phase and season, and its counts in the order an exposure goes', () => {
  const lines = formatCampaignProgress(progress()).split('\n');
  assert.equal(lines[0], 'campaign desgw-event-S250101a (trigger S250101a, propid 2024B-0001): open, season 612');
  assert.equal(lines[1], '  3 exposure(s): queued 1, submitted 1, grid-finished 1');
});

test('the status has a table per night: expnum, band, state, seen, latency and job id', () => {
  const text = formatCampaignProgress(progress());
  assert.match(text, /night 20250101: 2 exposure\(s\)\nEXPNUM +BAND +STATE +SEEN \(UTC\) +LATENCY +JOB ID\n/);
  assert.match(text, /1210450 +i +grid-finished +01-02 03:12:00 +1m05s +48213050\.0@jobsub01\.fnal\.gov/);
  assert.match(text, /night 20250102: 1 exposure\(s\)/);
  assert.ok(text.indexOf('night 20250101') < text.indexOf('night 20250102'), 'nights in the order they came');
});

test("an exposure's error is under its row, on one line, clipped", () => {
  const p = progress({
    nights: [
      {
        nite: '20250101',
        exposures: [exposure(1210450, { state: 'failed', error: 'DAGMaker: ' + 'ORA-12170 '.repeat(100) })],
      },
    ],
  });
  const under = formatCampaignProgress(p)
    .split('\n')
    .find((l) => l.startsWith('    error: '));
  assert.ok(under, 'the error is under the row');
  assert.ok(under.length <= '    error: '.length + ERROR_CLIP, under);
  assert.match(under, /…$/);
});

test('a queued exposure shows how long it has waited since it became processable, when the time is given', () => {
  const e = exposure(1, { state: 'queued', processableAt: '2025-01-03T02:00:00.000Z' });
  assert.equal(latencyOf(e, new Date('2025-01-03T02:02:10.000Z')), '>2m10s');
  assert.equal(latencyOf(e), '-');
  assert.equal(latencyOf(exposure(2, { latencyMs: 45_000 })), '45s');
  assert.equal(latencyOf(exposure(3, { state: 'waiting-for-raw-image' }), new Date()), '-');
});

test('durations read 45s, 3m05s, 2h10m', () => {
  assert.equal(duration(45_000), '45s');
  assert.equal(duration(185_000), '3m05s');
  assert.equal(duration(7_800_000), '2h10m');
});

test('the watcher says its state, its last poll, the rows it saw, its lag and its cursor', () => {
  assert.equal(
    formatWatcher(progress().watcher),
    'watcher: watching the exposure table: 3 row(s) seen in 12 poll(s), last poll 2025-01-03 02:05:10 UTC, lag 45s, cursor 1210480',
  );
  assert.equal(
    formatWatcher({ database: 'not-watched', cursor: 0, rowsSeen: 0, polls: 0 }),
    'watcher: not watching the exposure table (exposures come by desgw event add)',
  );
  assert.match(
    formatWatcher({
      database: 'waiting-for-database',
      cursor: 9,
      rowsSeen: 2,
      polls: 3,
      message: 'ORA-12541: no listener',
    }),
    /^watcher: waiting for the exposure table: ORA-12541: no listener \(2 row\(s\) seen in 3 poll\(s\), no poll answered yet, cursor 9\)$/,
  );
});

test('the passes are a table (id, exposures, outcome, page), a failed one with its error under it, then the latest page', () => {
  const lines = formatPasses(
    [pass(1), pass(2, { outcome: 'failed', page: undefined, error: 'run_postproc.py exited 1' })],
    '/latest/index.html',
  );
  assert.equal(lines[0], 'passes: 2');
  assert.match(lines[1]!, /^PASS +EXPOSURES +OUTCOME +PAGE$/);
  assert.match(lines[2]!, /^desgw-event-S250101a-pass-1 +4 +success +\/site\/postproc_outputs\/.*index\.html$/);
  assert.match(lines[3]!, /^desgw-event-S250101a-pass-2 +8 +failed +-$/);
  assert.equal(lines[4], '    error: run_postproc.py exited 1');
  assert.equal(lines.at(-1), 'latest page: /latest/index.html');
  assert.deepEqual(formatPasses([]), ['passes: none yet']);
});

test('a failed or waiting campaign says so, with the next step or the wait message, before its exposures', () => {
  const failed = formatCampaignProgress(
    progress({ phase: 'failed', failure: { reason: 'season 612 is taken', next: 'choose another season' } }),
  );
  assert.match(failed, /\nFAILED: season 612 is taken\n {2}next: choose another season\n/);
  const waiting = formatCampaignProgress(
    progress({
      waitingFor: { what: 'worker', message: 'no worker took it\nstart it', since: '2025-01-03T02:00:00.000Z' },
    }),
  );
  assert.match(waiting, /\nWAITING FOR WORKER since 2025-01-03 02:00:00 UTC:\n {2}no worker took it\n {2}start it\n/);
  assert.ok(waiting.indexOf('WAITING FOR') < waiting.indexOf('night '));
});

test('a closed campaign says when and why it was closed', () => {
  const text = formatCampaignProgress(
    progress({ phase: 'closing', closed: { at: '2025-01-03T09:00:00.000Z', reason: 'no more pointings' } }),
  );
  assert.match(text, /\n {2}closed at 2025-01-03 09:00:00 UTC \(no more pointings\): it takes no more exposures\n/);
});

test('counts a newer campaign has that this client does not know are shown too, after the known ones', () => {
  const newer = { failed: 1, queued: 2, parked: 1 } as CampaignProgress['counts'];
  assert.equal(countsLine(newer), 'queued 2, failed 1, parked 1');
  assert.equal(countsLine({}), 'none');
});

test('one line of progress, for close --wait: the phase, what is still to finish, on the grid, finished, failed, the last pass', () => {
  assert.equal(
    progressLine(progress({ phase: 'closing' })),
    '[desgw-event-S250101a] closing: 3 exposure(s), 1 to finish, 1 on the grid, 1 finished on the grid, 0 failed; pass 1 success',
  );
});

// ---- the result ----

test("a completed campaign's summary: its counts, passes, latest page and output files", () => {
  const text = formatCampaignResult(result({ closedBecause: 'no more pointings' }));
  assert.match(
    text,
    /^campaign desgw-event-S250101a completed: season 612, nite 20250101 20250102: 3 of 3 exposure\(s\) submitted \(3 finished on the grid\)\n/,
  );
  assert.match(text, /\nclosed: no more pointings\n/);
  assert.match(text, /\npasses: 2\n/);
  assert.match(text, /\nlatest page: \/site\/desgw_runs\/desgw-event-S250101a\/latest\/index\.html\n/);
  assert.match(text, /\noutput: +\/site\/desgw_runs\/desgw-event-S250101a\/output\.txt\n/);
  assert.match(text, /\nmanifest: +\/site\/desgw_runs\/desgw-event-S250101a\/manifest\.json\n/);
  assert.match(text, /\nlegacy: +\/site\/image_proc_outputs\/output\.txt\n/);
});

test('a summary with failed exposures or a failed last pass says where to look', () => {
  const text = formatCampaignResult(
    result({
      counts: { total: 3, submitted: 2, failed: 1, gridFinished: 2 },
      passes: [pass(1, { outcome: 'failed', error: 'no exposure passed' })],
    }),
  );
  assert.match(text, /, 1 failed\n/);
  assert.match(text, /1 exposure\(s\) failed: see why in \/site\/desgw_runs\/desgw-event-S250101a\/manifest\.json/);
  assert.match(text, /the last pass failed: see its error above$/);
});
