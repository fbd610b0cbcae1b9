import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEmptyDatabaseCrash, judgePostprocEnd, readPostprocStatus } from '../../common/postproc-status.js';

// As updateStatus.py writes it: nine flags "0 "/"1 " a line, then the run status without a newline.
const status = (flags: number[], last: string) => [...flags.map((f) => `${f} \n`), last].join('');
const COMPLETE = status([1, 0, 1, 0, 1, 1, 1, 0, 1], 'complete');
const STOPPED = status([1, 0, 1, 0, 1, 0, 0, 0, 0], 'incomplete');
const NO_CANDIDATES =
  'Run STEP 6: Make plots\n\nStep 6 failed due to empty candidate dfs. Ending PostProc.\nEND END TIME 20240511_05:12:33\n';

/** [how it ended, exit code, status file, output, outcome]. */
const TABLE: [string, number | null, string | null, string, string][] = [
  ['exit 0 and complete as the last status line: success', 0, COMPLETE, 'END END TIME x\n', 'success'],
  ['complete followed by blank lines still counts', 0, `${COMPLETE}\n\n`, '', 'success'],
  ['exit 0 but the status file stopped at incomplete: failed', 0, STOPPED, '', 'failed'],
  ['exit 0 without a status file: failed', 0, null, '', 'failed'],
  [
    'a crash (exit 1) even with an earlier complete left over: failed',
    1,
    COMPLETE,
    'Traceback (most recent call last):\n',
    'failed',
  ],
  ['killed or timed out: failed', null, STOPPED, '', 'failed'],
  [
    '"Step 6 failed due to empty candidate dfs" and exit 0: no candidates',
    0,
    status([1, 0, 1, 0, 1, 1, 1, 0, 0], 'incomplete'),
    NO_CANDIDATES,
    'no-candidates',
  ],
  ['that line but a non-zero exit: failed', 1, STOPPED, NO_CANDIDATES, 'failed'],
];
for (const [what, exitCode, statusText, output, outcome] of TABLE) {
  test(`run_postproc.py's end: ${what}`, () => {
    const end = judgePostprocEnd({ exitCode, statusText, output });
    assert.equal(end.outcome, outcome, end.reason);
  });
}

test("the verdict carries the last status line and the steps' flags", () => {
  const end = judgePostprocEnd({ exitCode: 1, statusText: STOPPED, output: '' });
  assert.equal(end.lastStatusLine, 'incomplete');
  assert.deepEqual(end.flags, [true, false, true, false, true, false, false, false, false]);
  assert.match(end.reason, /run_postproc\.py exited 1 \(status file ends with "incomplete"\)/);
  assert.equal(judgePostprocEnd({ exitCode: 0, statusText: null, output: '' }).lastStatusLine, null);
  assert.doesNotMatch(
    judgePostprocEnd({ exitCode: 1, statusText: '1 \nsecret-ish', output: '' }).reason,
    /secret/,
    'an unexpected line is not echoed',
  );
  assert.deepEqual(readPostprocStatus('').lines, []);
  assert.equal(readPostprocStatus(COMPLETE).last, 'complete');
});

test('makeDataFiles crashing on an empty SNCAND (WRITEDB=off) is found by its IndexError after a traceback through makedatafiles, by line', () => {
  const output = [
    'Run STEP 5: Make datafiles',
    'Traceback (most recent call last):',
    '  File "run_postproc.py", line 368, in <module>',
    '    postproc.makedatafiles(season,format,numepochs_min_2,two_nite_trigger,outFile_stdoutreal,outDir_datareal,ncore)',
    '  File "/des/Post-Processing/postproc.py", line 417, in makedatafiles',
    '    allcand = cols[0]',
    'IndexError: index 0 is out of bounds for axis 0 with size 0',
  ].join('\n');
  assert.equal(findEmptyDatabaseCrash(output), 7);
  assert.equal(
    findEmptyDatabaseCrash(
      'Traceback (most recent call last):\n  File "x.py", line 1, in plots\nIndexError: list index out of range',
    ),
    null,
    'another IndexError is not this one',
  );
  assert.equal(findEmptyDatabaseCrash('Step 6 failed due to empty candidate dfs. Ending PostProc.'), null);
});
