/** Files an earlier DAG of the same exposure and season left in /pnfs are not counted: the pure rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCcdVerdict, judgeCcds, type CcdListing } from '../../common/ccd-verdict.js';
import { ccdLabel, DECAM_CCDS } from '../../common/decam-ccds.js';
import { describeForcephotoVerdict, forcephotoFileNames, judgeForcephoto } from '../../common/forcephoto-verdict.js';
import { CLOCK_SLACK_MS, isEarlierDag, splitByDag } from '../../common/grid-files.js';

const SUBMITTED = Date.parse('2024-05-12T03:15:00Z');
const BEFORE = SUBMITTED - 3 * 24 * 3600_000; // an earlier DAG, three days before
const AFTER = SUBMITTED + 40 * 60_000; // this DAG's job, forty minutes after its submission
const TAR = (ccd: number) => `outputs_dp1550_20240511_1297759_i_${ccdLabel(ccd)}.tar.gz`;
const at = (name: string, mtimeMs: number | null) => ({ name, mtimeMs });

test('a file older than the submission by more than ten seconds is an earlier DAG’s; within the slack, or newer, it is this DAG’s', () => {
  assert.equal(CLOCK_SLACK_MS, 10_000);
  assert.equal(isEarlierDag(SUBMITTED - 10_001, SUBMITTED), true);
  assert.equal(isEarlierDag(SUBMITTED - 10_000, SUBMITTED), false);
  assert.equal(isEarlierDag(SUBMITTED - 5_000, SUBMITTED), false);
  assert.equal(isEarlierDag(AFTER, SUBMITTED), false);
});

test('without a submission time, or without a file time, every file counts', () => {
  assert.equal(isEarlierDag(BEFORE, undefined), false);
  assert.equal(isEarlierDag(BEFORE, NaN), false);
  assert.equal(isEarlierDag(null, SUBMITTED), false);
  assert.deepEqual(splitByDag(['a.FAIL', at('b.FAIL', BEFORE)], undefined), {
    current: ['a.FAIL', 'b.FAIL'],
    earlier: [],
  });
  assert.deepEqual(splitByDag(['a.FAIL', at('b.FAIL', BEFORE), at('c', null)], SUBMITTED), {
    current: ['a.FAIL', 'c'],
    earlier: ['b.FAIL'],
  });
});

test('CCDs: an earlier DAG’s FAIL does not fail a CCD whose tarball this DAG wrote, and is reported as not counted', () => {
  const listing: CcdListing = Object.fromEntries(DECAM_CCDS.map((c) => [c, [at(TAR(c), AFTER)]]));
  const withOld = { ...listing, 5: [at('RUN05_expose_makeWeight.FAIL', BEFORE), at(TAR(5), AFTER)] };
  const v = judgeCcds(withOld, 50, SUBMITTED);
  assert.equal(v.counts.failed, 0);
  assert.equal(v.counts.complete, 59);
  assert.deepEqual(v.failSteps, []);
  assert.equal(v.earlierDagFiles, 1);
  assert.match(
    describeCcdVerdict(v),
    /^59\/59 complete, 0 failed, 0 incomplete: passes \(needs ≥ 50\); 1 FAIL file or tarball of an earlier DAG not counted$/,
  );
  // The same listing, judged without the submission time: the old FAIL counts, as before.
  assert.equal(judgeCcds(withOld, 50).counts.failed, 1);
});

test('CCDs: an earlier DAG’s tarball does not make a CCD complete when this DAG wrote nothing there', () => {
  const old: CcdListing = Object.fromEntries(DECAM_CCDS.map((c) => [c, [at(TAR(c), BEFORE)]]));
  const v = judgeCcds(old, 50, SUBMITTED);
  assert.deepEqual(v.counts, { complete: 0, failed: 0, incomplete: 59, total: 59 });
  assert.equal(v.passed, false);
  assert.equal(v.earlierDagFiles, 59);
  assert.match(describeCcdVerdict(v), /59 FAIL files or tarballs of an earlier DAG not counted$/);
});

test('CCDs: this DAG’s FAIL still outweighs its tarball, whatever an earlier DAG left', () => {
  const listing: CcdListing = Object.fromEntries(DECAM_CCDS.map((c) => [c, [at(TAR(c), AFTER)]]));
  const v = judgeCcds(
    { ...listing, 7: [at(TAR(7), AFTER), at('RUN22_diffimg.FAIL', SUBMITTED - 9_000)] },
    50,
    SUBMITTED,
  );
  assert.deepEqual(v.failed, [7]);
  assert.deepEqual(v.failSteps, [{ step: 'diffimg', run: 22, ccds: [7] }]);
  assert.equal(v.earlierDagFiles, 0);
});

test('forced photometry: an earlier DAG’s files neither fill in this DAG’s nor make too many', () => {
  const complete = [1, 3, 4, 5];
  const files = (ccds: number[], mtimeMs: number) =>
    ccds.flatMap((c) => Object.values(forcephotoFileNames(1550, 1297759, 'i', c)).map((n) => at(n, mtimeMs)));
  // This DAG wrote all of its files; an earlier DAG's of other CCDs stay beside them.
  const full = judgeForcephoto({
    band: 'i',
    completeCcds: complete,
    files: [...files(complete, AFTER), ...files([6, 7, 8], BEFORE)],
    submittedAtMs: SUBMITTED,
  });
  assert.deepEqual([full.outcome, full.found, full.expected, full.earlierDagFiles], ['complete', 8, 8, 6]);
  assert.equal(
    describeForcephotoVerdict(full),
    'forced photometry 8/8 files (6 of an earlier DAG not counted), all there: accepted',
  );
  // Without the submission time the same directory holds too many.
  assert.equal(
    judgeForcephoto({
      band: 'i',
      completeCcds: complete,
      files: [...files(complete, AFTER), ...files([6, 7, 8], BEFORE)],
    }).outcome,
    'too-many',
  );
  // This DAG wrote one CCD's files; the earlier DAG's of the others do not count.
  const stale = judgeForcephoto({
    band: 'i',
    completeCcds: complete,
    files: [...files([1], AFTER), ...files([3, 4, 5], BEFORE)],
    submittedAtMs: SUBMITTED,
  });
  assert.deepEqual([stale.outcome, stale.accepted, stale.found, stale.missingCcds], ['too-few', false, 2, [3, 4, 5]]);
});
