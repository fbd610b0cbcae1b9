/**
 * The names a run gives what it makes, one to one: its run directory (from its workflow id) and its
 * exposures' child workflows (from the season, the exposure and, on a shared test season, the run).
 * Two runs never share a directory or a child; names that were already fine do not move.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exposureWorkflowId } from '../../workflows/process-exposure.js';

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
