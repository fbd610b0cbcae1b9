import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  dagNamedBy,
  jobsubQProblem,
  lookForDag,
  parseJobsubQ,
  queueCounts,
  scheddsNotAnswering,
} from '../../common/jobsub-q.js';
import { REPO_ROOT } from '../../workers/config.js';

const fixture = (name: string) => readFile(join(REPO_ROOT, 'test', 'fixtures', 'jobsub', name), 'utf8');
const at = (mmdd: string, hhmm: string) => {
  const [mo, d] = mmdd.split('/').map(Number);
  const [h, mi] = hhmm.split(':').map(Number);
  return new Date(new Date().getFullYear(), mo! - 1, d!, h!, mi!);
};

test("reads jobsub_lite's jobsub_q rows, DAGMan and node rows alike", async () => {
  const jobs = parseJobsubQ(await fixture('jobsub-q-dags.out'));
  assert.equal(jobs.length, 4);
  assert.deepEqual(jobs[0], {
    jobId: '68745790.0@jobsub02.fnal.gov',
    owner: 'desgw',
    submitted: '11/25 21:02',
    cmd: 'dagman_wrapper.sh -p 0 -f -l . -Lockfi',
  });
  assert.equal(jobs[1]!.owner, '|-stage_0');
});

test('a DAGMan row since the intent may be ours: the verdict is unknown, never absent', async () => {
  const jobs = parseJobsubQ(await fixture('jobsub-q-dags.out'));
  const verdict = lookForDag(jobs, 1210447, at('11/25', '21:40'));
  assert.equal(verdict.kind, 'unknown');
  assert.deepEqual(verdict.kind === 'unknown' && verdict.jobs.map((j) => j.jobId), ['68745801.0@jobsub03.fnal.gov']);
});

test("no DAG submitted since the intent, nor a DAG's own jobs, makes the DAG absent", async () => {
  const jobs = parseJobsubQ(await fixture('jobsub-q-dags.out'));
  assert.deepEqual(lookForDag(jobs, 1210447, at('11/25', '21:50')), { kind: 'absent' });
  // The node rows of the 21:02 DAG were submitted at 21:03: they are not submissions of ours.
  assert.deepEqual(
    lookForDag(
      jobs.filter((j) => !j.cmd.startsWith('dagman')),
      1210447,
      at('11/25', '21:03'),
    ),
    { kind: 'absent' },
  );
});

test('a row that names the DAG is found (jobsub_client printed the name)', () => {
  const jobs = parseJobsubQ(
    '48213007.0@jobsub01.fnal.gov desgw 11/25 09:30 0+00:00:10 R 0 0.0 desgw_pipeline_941225.dag\n',
  );
  assert.equal(lookForDag(jobs, 941225, at('11/25', '09:29'))?.kind, 'found');
  assert.equal(
    dagNamedBy('dagman_wrapper.sh -p 0 -f -l . -Lockfile dag.dag.lock -Dag dag.dag'),
    null,
    "jobsub_lite's dag.dag names no DAG of ours",
  );
});

test('an incomplete listing (a schedd does not answer) is told apart, though jobsub_q exits 0', async () => {
  assert.match(jobsubQProblem(await fixture('jobsub-q-schedd-down.out')) ?? '', /^-- Failed to fetch ads from/);
  assert.equal(jobsubQProblem(await fixture('jobsub-q-dags.out')), null);
});

test('the schedds that did not answer are named as jobsub_q names them', async () => {
  assert.deepEqual(scheddsNotAnswering(await fixture('jobsub-q-schedd-down.out')), ['jobsub01.fnal.gov']);
  assert.deepEqual(scheddsNotAnswering(await fixture('jobsub-q-dags.out')), []);
  assert.deepEqual(
    scheddsNotAnswering(
      [
        "Can't find address of schedd jobsub02.fnal.gov",
        'ERROR: Failed to connect to queue manager jobsub03.fnal.gov.',
        'SECMAN:2003:TCP connection to <131.225.240.141:9618?addrs=131.225.240.141-9618&alias=jobsub04.fnal.gov> failed.',
        '-- Failed to fetch ads from: jobsub05.fnal.gov',
        'Failed communication with collector',
      ].join('\n'),
    ),
    ['jobsub02.fnal.gov', 'jobsub03.fnal.gov', 'jobsub04.fnal.gov', 'jobsub05.fnal.gov'],
  );
});

test("a listing's counts are its DAGs (DAGMan rows) and all its rows", async () => {
  assert.deepEqual(queueCounts(parseJobsubQ(await fixture('jobsub-q-dags.out'))), { dags: 2, jobs: 4 });
});
