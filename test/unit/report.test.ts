import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EXPOSURE_STATES,
  type ExposureResult,
  type ImageProcessingResult,
  type Progress,
} from '../../common/contract.js';
import { formatProgress, formatResult, statusOf, TRIES_LEGEND } from '../../client/report.js';

const NO_TEMPLATES = ['no templates for this exposure', 'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL'];

const exposure = (expnum: number, band: string, extra: Partial<ExposureResult> = {}): ExposureResult => ({
  expnum,
  band,
  nite: '20200304',
  status: 'submitted',
  jobId: `${48213000 + (expnum % 100)}.0@jobsub01.fnal.gov`,
  warnings: [],
  attempts: { dagmaker: 1, submit: 1 },
  durationsMs: { total: 900 },
  ...extra,
});

function result(exposures: ExposureResult[]): ImageProcessingResult {
  return {
    workflowId: 'desgw-season-2206',
    season: 2206,
    nites: ['20200304'],
    gwWorkflowDir: '/site/gw_workflow',
    runDir: '/site/desgw_runs/desgw-season-2206',
    outputDir: '/site/image_proc_outputs',
    outputFiles: { outputTxt: '/site/run/output.txt', manifest: '/site/run/manifest.json' },
    duplicatesDropped: [],
    rcChanges: [],
    exposures,
    counts: {
      total: exposures.length,
      submitted: exposures.filter((e) => e.status === 'submitted').length,
      failed: exposures.filter((e) => e.status === 'failed').length,
    },
    startedAt: '2026-11-27T00:00:00Z',
    finishedAt: '2026-11-27T00:01:00Z',
  };
}

function progress(exposures: Progress['exposures']): Progress {
  const counts = Object.fromEntries(EXPOSURE_STATES.map((s) => [s, 0])) as Progress['counts'];
  for (const e of exposures) counts[e.state]++;
  return {
    workflowId: 'desgw-season-2206',
    phase: 'processing',
    season: 2206,
    total: exposures.length,
    counts,
    continuedAsNew: 0,
    exposures,
  };
}

/** The table line of an exposure. */
const rowOf = (text: string, expnum: number) => text.split('\n').find((l) => l.startsWith(`${expnum} `)) ?? '';

test('desgw status shows an exposure DAGMaker warned of as submitted (warning: …), and one without warnings as submitted', () => {
  const text = formatProgress(
    progress([
      { expnum: 941225, band: 'i', state: 'submitted', jobId: '48213001.0@jobsub01.fnal.gov' },
      { expnum: 941238, band: 'Y', state: 'submitted', jobId: '48213002.0@jobsub01.fnal.gov', warnings: NO_TEMPLATES },
    ]),
  );
  assert.match(
    rowOf(text, 941238),
    /^941238 +Y +submitted \(warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL\) +48213002\.0@jobsub01\.fnal\.gov$/,
  );
  assert.match(rowOf(text, 941225), /^941225 +i +submitted +48213001\.0@jobsub01\.fnal\.gov$/);
});

test('the status table keeps its columns aligned, whatever the length of a state or of a warning', () => {
  const text = formatProgress(
    progress([
      { expnum: 941225, band: 'i', state: 'submitted', jobId: '48213001.0@jobsub01.fnal.gov' },
      { expnum: 941238, band: 'Y', state: 'submitted', jobId: '48213002.0@jobsub01.fnal.gov', warnings: NO_TEMPLATES },
      { expnum: 941239, band: 'Y', state: 'waiting-for-database' },
    ]),
  );
  const header = text.split('\n').find((l) => l.startsWith('EXPNUM'))!;
  const column = header.indexOf('JOB ID');
  assert.equal(rowOf(text, 941225).indexOf('48213001'), column);
  assert.equal(rowOf(text, 941238).indexOf('48213002'), column);
  assert.equal(rowOf(text, 941239).lastIndexOf('-'), column);
});

test('the summary shows the warning in the status, the other warnings under the row, and the TRIES legend under the table', () => {
  const text = formatResult(result([exposure(941225, 'i'), exposure(941238, 'Y', { warnings: NO_TEMPLATES })]));
  const lines = text.split('\n');
  assert.match(
    rowOf(text, 941238),
    /^941238 +Y +20200304 +submitted \(warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL\) +48213038\.0@jobsub01\.fnal\.gov +1\+1 +0\.9$/,
  );
  assert.match(rowOf(text, 941225), /^941225 +i +20200304 +submitted +48213025\.0/);
  const row = lines.indexOf(rowOf(text, 941238));
  assert.deepEqual(lines.slice(row + 1, row + 3), ['    warning: no templates for this exposure', TRIES_LEGEND]);
  assert.equal(
    lines.filter((l) => l.includes('NO TEMPLATE IMAGES')).length,
    1,
    'the warning the status shows is not repeated',
  );
});

test('the summary explains TRIES in one line under its table (DAGMaker + submission, every attempt counted), and only when it prints the table', () => {
  const lines = formatResult(result([exposure(941225, 'i'), exposure(941226, 'i')])).split('\n');
  assert.match(
    lines.find((l) => l.startsWith('EXPNUM'))!,
    / TRIES /,
  );
  const last = lines.findIndex((l) => l.startsWith('941226 '));
  assert.equal(lines[last + 1], TRIES_LEGEND);
  assert.match(TRIES_LEGEND, /^TRIES: DAGMaker attempts \+ submission attempts, every attempt counted/);
  assert.ok(!TRIES_LEGEND.includes('\n'));
  const long = formatResult({ ...result([]), counts: { total: 2000, submitted: 2000, failed: 0 } });
  assert.match(long, /\(2000 exposures: each one's result is in the manifest\)/);
  assert.doesNotMatch(long, /^TRIES:/m, 'no legend for a table it does not print');
});

test('a status says resumed or recovered and the warning together; an unknown long warning is clipped', () => {
  assert.equal(
    statusOf({ status: 'submitted', recovered: true, warnings: NO_TEMPLATES }),
    'submitted (recovered; warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL)',
  );
  assert.equal(statusOf({ status: 'submitted', resumed: true }), 'submitted (resumed)');
  assert.equal(statusOf({ state: 'making-dag', warnings: [] }), 'making-dag');
  const long = 'x'.repeat(100);
  assert.equal(statusOf({ status: 'failed', warnings: [long] }), `failed (warning: ${'x'.repeat(39)}…)`);
  const text = formatResult(
    result([exposure(941226, 'i', { status: 'failed', warnings: [long], error: 'DAGMaker failed: boom' })]),
  );
  assert.ok(text.includes(`    warning: ${long}`), 'a clipped warning is printed whole under the row');
});
