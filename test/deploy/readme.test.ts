/**
 * The README tells the truth by construction: its tables of retries and of worker settings are held
 * against the code, so that neither can drift from what runs.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PASS_POLICY } from '../../common/campaign-contract.js';
import { REPO_ROOT } from '../../workers/config.js';
import { activityOptions, type POLICIES } from '../../workflows/activity-policies.js';

const readme = () => readFile(join(REPO_ROOT, 'README.md'), 'utf8');

/** The rows of the README table whose header row starts with `header`. */
async function table(header: string): Promise<string[][]> {
  const lines = (await readme()).split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  assert.ok(start >= 0, `the README has a table headed "${header}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

/** Seconds of "10 min", "60 s", "10 minutes", "60 seconds", "–" (none). */
function seconds(text: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(min|minutes?|s|seconds?)\b/.exec(text ?? '');
  if (!m) return null;
  return Number(m[1]) * (m[2]!.startsWith('min') ? 60 : 1);
}

const POLICY_OF: Record<string, keyof typeof POLICIES> = {
  validateRun: 'files',
  prepareRun: 'files',
  writeOutputs: 'files',
  priorOutcomes: 'files',
  reserveSeason: 'season',
  sourceEnvironment: 'environment',
  makeDag: 'dagmaker',
  submitDag: 'submit',
  recordFailure: 'record',
  resolvePostProcessing: 'files',
  writePostprocInputs: 'files',
  checkGrid: 'grid',
  judgeExposures: 'judge',
  runPostproc: 'postproc',
  validateCampaign: 'files',
  lookupExposures: 'longPoll',
  watchExposureTable: 'longPoll',
  awaitProcessable: 'longPoll',
  watchGrid: 'longPoll',
  pointLatestPage: 'longPoll',
};

test("the README's retry table is what the activities run with", async () => {
  const rows = await table('activity');
  const seen = new Set<string>();
  for (const [activities = '', startToClose, heartbeat, first, max, attempts] of rows) {
    for (const name of activities.split(',').map((a) => a.trim())) {
      const kind = POLICY_OF[name];
      assert.ok(kind, `README names an activity the code does not have: ${name}`);
      seen.add(name);
      const o = activityOptions(kind);
      const shown = [startToClose, heartbeat, first, max, attempts].map((c) => seconds(c) ?? (c === '–' ? null : Number(c)));
      const real = [
        seconds(String(o.startToCloseTimeout)),
        o.heartbeatTimeout === undefined ? null : seconds(String(o.heartbeatTimeout)),
        seconds(String(o.retry?.initialInterval)),
        seconds(String(o.retry?.maximumInterval)),
        o.retry?.maximumAttempts ?? null,
      ];
      assert.deepEqual(shown, real, `${name}: start-to-close, heartbeat, first retry, max interval, attempts`);
    }
  }
  assert.deepEqual([...seen].sort(), Object.keys(POLICY_OF).sort(), 'every activity with a policy is in the table');
});

test("the README's table of worker settings lists every DESGW_ setting the code reads, and no other", async () => {
  const documented = new Set(
    (await table('variable')).flatMap(([names = '']) => [...names.matchAll(/`(DESGW_[A-Z_]+)`/g)].map((m) => m[1]!)),
  );
  const read = new Set<string>();
  for (const dir of ['workers', 'activities', 'activities/support', 'common', 'client']) {
    for (const file of (await readdir(join(REPO_ROOT, dir))).filter((f) => f.endsWith('.ts'))) {
      const text = await readFile(join(REPO_ROOT, dir, file), 'utf8');
      for (const m of text.matchAll(/env\.(DESGW_[A-Z_]+)|'(DESGW_DB_[A-Z]+)'/g)) read.add((m[1] ?? m[2])!);
    }
  }
  assert.deepEqual([...documented].sort(), [...read].sort());
});

test("the README's table of pass settings gives the pass policy's defaults, and every setting", async () => {
  const rows = await table('pass setting');
  const shown = Object.fromEntries(rows.map(([name = '', value]) => [name.replace(/`/g, ''), Number(value)]));
  assert.deepEqual(shown, DEFAULT_PASS_POLICY);
});
