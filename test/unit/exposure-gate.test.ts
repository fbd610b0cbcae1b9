import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPOSURE_GATE_SCOPE, leftOutWarning } from '../../common/exposure-gate.js';

test('leaving exposures out is said as it is: the master list and the HEX column lack them, their detections still reach the pages', () => {
  assert.equal(leftOutWarning(1550, []), null);
  const one = leftOutWarning(1550, [{ expnum: 1297760 }])!;
  assert.match(
    one,
    /^exposure 1297760 is left out of the list: run_postproc\.py's master list and the HEX column lack it/,
  );
  assert.match(
    one,
    /its detections in season 1550's database still reach the candidate pages: forced photometry, light curves and host matching are season-wide$/,
  );
  const two = leftOutWarning(1550, [{ expnum: 1297760 }, { expnum: 1297761 }])!;
  assert.match(two, /^exposures 1297760, 1297761 are left out of the list: .* lack them /);
  const many = leftOutWarning(
    1550,
    Array.from({ length: 25 }, (_, i) => ({ expnum: 1297700 + i })),
  )!;
  assert.match(many, /1297719 and 5 more are left out/);
  assert.match(EXPOSURE_GATE_SCOPE, /season-wide/);
});
