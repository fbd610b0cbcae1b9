import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSilentFailures, judgeSilentFailures } from '../../common/postproc-markers.js';

/** postproc_run.out as a pass whose forced photometry died reads: run_postproc.py went on and ended. */
const RUN = (died: string[]) =>
  [
    'START TIME 20240512_03:15:00',
    'Run STEP 2: Forcephoto',
    './forcePhoto_master.pl -season 1550 -numepochs_min 0 -ncore 8 -noprompt -SKIP_CORRUPTFILE -writeDB',
    ...died,
    'Run STEP 3: Hostmatch',
    'END END TIME 20240512_05:02:11',
  ].join('\n');

test('a pass whose forced photometry aborted because another force job ran: found on its line, and worth running again', () => {
  const found = findSilentFailures(RUN(['', ' ABORT: force job already running.']));
  assert.deepEqual(
    found.map((f) => [f.line, f.marker, f.transient]),
    [[5, 'ABORT: force job already running', true]],
  );
  const j = judgeSilentFailures(found)!;
  assert.equal(j.transient, true);
  assert.match(j.message, /^postproc_run\.out line 5: "ABORT: force job already running" \(/);
  assert.match(j.message, /worth running again, forced photometry included \(one pass at a time per machine\)$/);
});

test('a required variable unset and a FATAL ERROR fail the pass, naming each line and marker', () => {
  const found = findSilentFailures(
    RUN([" ERROR: Required ENV variable 'TOPDIR_TEMPLATES' is not defined ", " FATAL ERROR: unknown arg = '-x' "]),
  );
  const j = judgeSilentFailures(found)!;
  assert.equal(j.transient, false);
  assert.match(j.message, /line 4: "Required ENV variable"/);
  assert.match(j.message, /line 5: "FATAL ERROR"/);
  assert.match(j.message, /the pass failed$/);
});

test("the failure never echoes the output's own text, only the marker", () => {
  const j = judgeSilentFailures(
    findSilentFailures(RUN([" ERROR: Required ENV variable 'SECRET_THING' is not defined "])),
  )!;
  assert.doesNotMatch(j.message, /SECRET_THING/);
});

test('a permanent failure outweighs a transient one: the pass is not run again', () => {
  const found = findSilentFailures(
    RUN([' ABORT: force job already running.', ' FATAL ERROR: makeForceList_allCand aborted']),
  );
  const j = judgeSilentFailures(found)!;
  assert.equal(j.transient, false);
  assert.match(j.message, /^postproc_run\.out line 5: "FATAL ERROR" .*; line 4: "ABORT: force job already running"/);
});

test('repeated markers are counted, the first of each named', () => {
  const found = findSilentFailures(RUN([' ABORT: force job already running.', ' ABORT: force job already running.']));
  assert.equal(found.length, 2);
  assert.match(judgeSilentFailures(found)!.message, /line 4: .*\(and 1 more such line\)/);
});

test('a clean pass has nothing to say', () => {
  assert.deepEqual(findSilentFailures(RUN([' forcePhoto_master.pl: done'])), []);
  assert.equal(judgeSilentFailures([]), null);
});
