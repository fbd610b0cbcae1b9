import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSubmittedDag, parseJobsubQ } from '../../common/jobsub-q.js';

const Q = `JOBSUBJOBID                            OWNER      SUBMITTED   RUN_TIME    ST PRI SIZE  CMD
48213001.0@jobsub01.fnal.gov           desgw      11/25 09:10 0+00:08:00  R  0   0.0   desgw_pipeline_941225.dag
48213007.0@jobsub01.fnal.gov           desgw      11/25 09:30 0+00:00:10  R  0   0.0   desgw_pipeline_941225.dag
48213008.0@jobsub02.fnal.gov           desgw      11/25 09:31 0+00:00:05  I  0   0.0   desgw_pipeline_941226.dag

3 jobs; 0 completed, 0 removed, 1 idle, 2 running, 0 held, 0 suspended
`;

test('reads the jobsub_q table', () => {
  const jobs = parseJobsubQ(Q);
  assert.equal(jobs.length, 3);
  assert.deepEqual(jobs[2], { jobId: '48213008.0@jobsub02.fnal.gov', owner: 'desgw', submitted: '11/25 09:31', cmd: 'desgw_pipeline_941226.dag' });
});

test('finds the DAG submitted since the intent, not an older one of the same exposure', () => {
  const jobs = parseJobsubQ(Q);
  const year = new Date().getFullYear();
  assert.equal(findSubmittedDag(jobs, 941225, new Date(year, 10, 25, 9, 29, 40))?.jobId, '48213007.0@jobsub01.fnal.gov');
  assert.equal(findSubmittedDag(jobs, 941225, new Date(year, 10, 25, 9, 45)), null);
  assert.equal(findSubmittedDag(jobs, 941227, new Date(year, 10, 25, 9, 0)), null);
});
