import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideSeason, pickAutoSeason, reservedReason } from '../../common/season-rules.js';

test('reserved seasons are refused with the reason', () => {
  assert.match(reservedReason(5)!, /supernova group/);
  assert.match(reservedReason(15)!, /reserved/);
  assert.match(reservedReason(5000)!, /wide-survey/);
  assert.match(reservedReason(6000)!, /wide-survey/);
  assert.match(reservedReason(0)!, /not a positive integer/);
  assert.equal(reservedReason(20), null);
  assert.equal(reservedReason(612), null);
  assert.equal(reservedReason(2206), null);
});

test('auto never picks below 101, nor a used, test or wide-survey season', () => {
  assert.equal(pickAutoSeason(new Set()), 101);
  assert.equal(pickAutoSeason(new Set([101, 102, 104])), 103);
  assert.equal(pickAutoSeason(new Set(), 2206), 2207);
  assert.equal(pickAutoSeason(new Set([2207]), 2206), 2209);
  assert.equal(pickAutoSeason(new Set(), 5000), 5001);
  assert.equal(pickAutoSeason(new Set(), 5), 101);
});

test("decideSeason: the registry's rule, named problems", () => {
  const reserved = new Map([[612, 'desgw-season-612']]);
  assert.deepEqual(decideSeason(612, [], reserved), {
    problem: 'season 612 is already reserved by run desgw-season-612',
  });
  assert.deepEqual(decideSeason(1550, [1550], reserved), {
    problem: 'season 1550 is already used in the DES database: previous files would be overwritten',
  });
  assert.deepEqual(decideSeason(2206, [2206], new Map([[2206, 'x']])), { season: 2206 });
  assert.deepEqual(decideSeason(6000, [], reserved), {
    problem: 'season 6000 is reserved for the wide-survey nightly runs',
  });
  assert.deepEqual(decideSeason('auto', [101, 103], new Map([[102, 'r']])), { season: 104 });
  assert.deepEqual(decideSeason(613, [], reserved), { season: 613 });
});
