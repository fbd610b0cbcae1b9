/**
 * The decision reserveSeason and previewSeason share: the seasons used are the union of the DES
 * database, the registry's reservations and the run directories, the holder is named when known,
 * and a run that already holds a season (a retry, a resume) keeps it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseSeason, usageFrom } from '../../activities/support/season-choice.js';
import type { RunSeason } from '../../activities/support/run-seasons.js';
import { decideSeason, isTestSeason, pickAutoSeason, type SeasonRules } from '../../common/season-rules.js';

const dir = (season: number, owner: string | null, name: string): RunSeason => ({
  season,
  owner,
  dir: `/data/desgw_runs/${name}`,
  from: owner === null ? 'dagmaker.rc' : 'season.json',
});

const registry = {
  reservations: [[101, 'run-a'] as [number, string]],
  testSeasonOwners: [['run-t', 2206]] as [string, number][],
};
const dirs = [
  dir(102, 'run-b', 'run-b'),
  dir(103, null, 'old-run'),
  dir(101, 'run-a', 'run-a'),
  dir(2206, 'run-t', 'run-t'),
];

test('auto skips every season the database, the registry or a run directory holds', () => {
  const usage = usageFrom([104], registry, dirs, { owner: 'run-new', runDir: '/data/desgw_runs/run-new' });
  assert.deepEqual(chooseSeason('auto', usage), { season: 105, shared: false });
});

test('a requested season held by a run is refused naming that run, from the registry or its directory', () => {
  const usage = usageFrom([], registry, dirs, { owner: 'run-new' });
  assert.deepEqual(chooseSeason(101, usage), { problem: 'season 101 is already reserved by run run-a' });
  assert.deepEqual(chooseSeason(102, usage), { problem: 'season 102 is already reserved by run run-b' });
  // A directory that does not name its run is named by the directory (the run's id, made safe).
  assert.deepEqual(chooseSeason(103, usage), { problem: 'season 103 is already reserved by run old-run' });
});

test('a requested season in the DES database is refused; a test season is shared', () => {
  const usage = usageFrom([612], registry, dirs, { owner: 'run-new' });
  assert.deepEqual(chooseSeason(612, usage), {
    problem: 'season 612 is already used in the DES database: previous files would be overwritten',
  });
  assert.deepEqual(chooseSeason(2206, usage), { season: 2206, shared: true });
});

test('a run that holds a season keeps it: from the registry, or from its run directory when the registry lost it', () => {
  assert.deepEqual(chooseSeason('auto', usageFrom([], registry, dirs, { owner: 'run-a' })), {
    season: 101,
    shared: false,
  });
  assert.deepEqual(chooseSeason(777, usageFrom([], registry, dirs, { owner: 'run-t' })), {
    season: 2206,
    shared: true,
  });
  const lost = { reservations: [], testSeasonOwners: [] };
  assert.deepEqual(chooseSeason('auto', usageFrom([], lost, dirs, { owner: 'run-b' })), { season: 102, shared: false });
  // Its own directory, found by path when no file names the run.
  assert.deepEqual(
    chooseSeason('auto', usageFrom([], lost, dirs, { owner: 'x', runDir: '/data/desgw_runs/old-run' })),
    {
      season: 103,
      shared: false,
    },
  );
});

test('the rules are what chooseSeason is handed: changed rules decide new requests only', () => {
  const changed: SeasonRules = {
    isTestSeason: (s) => s === 777 || isTestSeason(s),
    decideSeason: (requested, db, reserved) =>
      requested === 'auto'
        ? { season: pickAutoSeason(new Set([...db, ...reserved.keys()]), 300) }
        : decideSeason(requested, db, reserved),
  };
  const usage = usageFrom([], registry, dirs, { owner: 'run-new' });
  assert.deepEqual(chooseSeason('auto', usage, changed), { season: 300, shared: false });
  assert.deepEqual(chooseSeason(777, usage, changed), { season: 777, shared: true });
  assert.deepEqual(chooseSeason('auto', usageFrom([], registry, dirs, { owner: 'run-a' }), changed), {
    season: 101,
    shared: false,
  });
});
