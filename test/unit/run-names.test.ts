/**
 * The names a run gives what it makes, one to one: its run directory (from its workflow id) and its
 * exposures' child workflows (from the season, the exposure and, on a shared test season, the run).
 * Two runs never share a directory or a child; names that were already fine do not move.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeName } from '../../activities/validate-run.js';
import { exposureWorkflowId } from '../../workflows/process-exposure.js';

test('a workflow id that is already a plain directory name is its own run directory, as before', () => {
  for (const id of ['desgw-season-612', 'desgw-auto-20240512-031500', 'a_b', 'run.2', '_', 'x'.repeat(255)])
    assert.equal(safeName(id), id);
});

test('different workflow ids never share a run directory, even when cleaning them would make them alike', () => {
  const ids = ['a/b', 'a_b', 'a b', 'a:b', 'a\\b', '.', '..', '', '_', 'é', 'ü', 'x'.repeat(256), 'x'.repeat(257)];
  const names = ids.map(safeName);
  assert.equal(new Set(names).size, ids.length, JSON.stringify(names));
});

test('a changed id keeps its readable part and is always one plain path component of at most 255 characters', () => {
  assert.match(safeName('a/b'), /^a_b\+[0-9a-f]{16}$/);
  assert.equal(safeName('a/b'), safeName('a/b'), 'the same id, the same directory');
  for (const id of ['../../etc', '/', '.', '..', '', 'y/'.repeat(400)]) {
    const name = safeName(id);
    assert.match(name, /^[A-Za-z0-9._+-]{1,255}$/, name);
    assert.ok(name !== '.' && name !== '..');
  }
});

test("an exposure's child keeps its id on a season of its own, and the run's id is not needed to find it", () => {
  assert.equal(exposureWorkflowId(612, 1210447), 'desgw-season-612-exp-1210447');
  assert.equal(exposureWorkflowId(612, 1210447, 'desgw-season-612'), 'desgw-season-612-exp-1210447');
});

test("on a shared test season two runs' children of the same exposure have different ids, each naming its run", () => {
  for (const season of [2206, 2208]) {
    const a = exposureWorkflowId(season, 941225, 'desgw-season-2206-20240512-031500');
    const b = exposureWorkflowId(season, 941225, 'desgw-season-2206-20240512-041500');
    assert.notEqual(a, b);
    assert.equal(a, `desgw-season-${season}-exp-941225-of-desgw-season-2206-20240512-031500`);
    assert.notEqual(a, exposureWorkflowId(season, 941225), 'nor the id of a child started before');
  }
});
