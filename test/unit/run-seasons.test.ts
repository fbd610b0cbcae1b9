/**
 * The run directories as the durable record of seasons: the scan finds each run's season (its
 * season.json, else its dagmaker.rc's SEASON=) in real files on disk, skips what it cannot read,
 * and a directory holding only season.json is not taken for a run that already ran.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  parseSeasonRecord,
  runDirProblem,
  runsDirsOf,
  runSeasons,
  seasonOfRunDir,
  writeSeasonRecord,
} from '../../activities/support/run-seasons.js';
import { readRunMarker } from '../../activities/support/run-marker.js';

const root = await mkdtemp(join(tmpdir(), 'desgw-run-seasons-'));
after(() => rm(root, { recursive: true, force: true }));

async function file(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

test('the scan finds each run directory’s season: season.json first, else dagmaker.rc’s SEASON', async () => {
  const runs = join(root, 'scan', 'desgw_runs');
  const other = join(root, 'scan', 'other_runs');
  await writeSeasonRecord(join(runs, 'reserved-only'), {
    season: 612,
    owner: 'run-a',
    reservedAt: '2026-11-26T00:00:00Z',
  });
  await file(join(runs, 'prepared-before', 'dagmaker.rc'), "# site rc\nSEASON='700' # the run's\nRNUM=4\n");
  await file(
    join(runs, 'prepared-before', 'run.json'),
    JSON.stringify({ workflowId: 'run-b', firstExecutionRunId: 'x' }),
  );
  await file(join(runs, 'unmarked', 'dagmaker.rc'), 'export SEASON=701\n#SEASON=9\n');
  // season.json wins over dagmaker.rc; an unreadable season.json falls back to the rc.
  await file(join(runs, 'both', 'dagmaker.rc'), 'SEASON=1\n');
  await writeSeasonRecord(join(runs, 'both'), { season: 702, owner: 'run-c', reservedAt: '' });
  await file(join(runs, 'broken-json', 'season.json'), '{not json');
  await file(join(runs, 'broken-json', 'dagmaker.rc'), 'SEASON=703\n');
  // Nothing to find: no files, a commented SEASON, a SEASON that is not a number, a plain file.
  await mkdir(join(runs, 'empty'), { recursive: true });
  await file(join(runs, 'commented', 'dagmaker.rc'), '#SEASON=704\n');
  await file(join(runs, 'not-a-number', 'dagmaker.rc'), 'SEASON=$(rm -rf ~)\n');
  await file(join(runs, 'stray-file'), 'SEASON=705\n');
  await file(join(other, 'elsewhere', 'dagmaker.rc'), 'SEASON=706\n');

  const found = await runSeasons([runs, other, join(root, 'scan', 'absent')]);
  const byDir = Object.fromEntries(found.map((f) => [f.dir.slice(join(root, 'scan').length + 1), f]));
  assert.deepEqual(Object.fromEntries(Object.entries(byDir).map(([d, f]) => [d, [f.season, f.owner, f.from]])), {
    'desgw_runs/reserved-only': [612, 'run-a', 'season.json'],
    'desgw_runs/prepared-before': [700, 'run-b', 'dagmaker.rc'],
    'desgw_runs/unmarked': [701, null, 'dagmaker.rc'],
    'desgw_runs/both': [702, 'run-c', 'season.json'],
    'desgw_runs/broken-json': [703, null, 'dagmaker.rc'],
    'other_runs/elsewhere': [706, null, 'dagmaker.rc'],
  });
});

test('an unreadable entry is skipped without failing the scan', async () => {
  const runs = join(root, 'unreadable', 'desgw_runs');
  // season.json and dagmaker.rc that cannot be read as files (directories here; no permission elsewhere).
  await mkdir(join(runs, 'odd', 'season.json'), { recursive: true });
  await mkdir(join(runs, 'odd', 'dagmaker.rc'), { recursive: true });
  await file(join(runs, 'open', 'dagmaker.rc'), 'SEASON=801\n');
  await symlink(join(runs, 'nowhere'), join(runs, 'dangling'));
  assert.deepEqual(
    (await runSeasons([runs])).map((f) => f.season),
    [801],
  );
});

test('season.json is written whole, in a directory made for it, and read back', async () => {
  const dir = join(root, 'write', 'desgw_runs', 'run-d');
  await writeSeasonRecord(dir, { season: 613, owner: 'run-d', reservedAt: '2026-11-26T01:00:00Z' });
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'season.json'), 'utf8')), {
    season: 613,
    owner: 'run-d',
    reservedAt: '2026-11-26T01:00:00Z',
  });
  assert.deepEqual(await seasonOfRunDir(dir), { season: 613, owner: 'run-d', dir, from: 'season.json' });
  assert.equal(parseSeasonRecord('{"season": 0, "owner": "x"}'), null);
  assert.equal(parseSeasonRecord('{"season": 612}'), null);
  assert.equal(parseSeasonRecord('null'), null);
});

test('a run directory holding only season.json is not taken for a run that already ran', async () => {
  const dir = join(root, 'marker', 'desgw_runs', 'run-e');
  await writeSeasonRecord(dir, { season: 614, owner: 'run-e', reservedAt: '' });
  assert.equal(await readRunMarker(dir), null);
});

test('the season record is written only in a run directory of the worker’s runs directories', () => {
  const runsDirs = runsDirsOf({
    runsDir: null,
    gwWorkflowDir: '/data/des/gw_workflow',
    allowedGwWorkflowDirs: ['/data/o4/gw_workflow', '/data/des/gw_workflow/'],
  });
  assert.deepEqual(runsDirs, ['/data/des/desgw_runs', '/data/o4/desgw_runs']);
  assert.deepEqual(runsDirsOf({ runsDir: '/runs', gwWorkflowDir: '/a/gw', allowedGwWorkflowDirs: ['/b/gw'] }), [
    '/runs',
  ]);
  assert.equal(runDirProblem('/data/des/desgw_runs/desgw-season-612', runsDirs), null);
  assert.equal(runDirProblem('/data/o4/desgw_runs/run-1', runsDirs), null);
  for (const bad of [
    '/data/des/desgw_runs',
    '/data/des/desgw_runs/a/b',
    '/data/des/desgw_runs/../gw_workflow',
    '/etc/run',
    'desgw_runs/run',
  ]) {
    assert.match(runDirProblem(bad, runsDirs) ?? '', /is not inside a runs directory of this worker/, bad);
  }
});
