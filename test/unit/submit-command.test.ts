import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submitCommandFor } from '../../common/submit-command.js';

const DONE =
  'jobsub_submit_dag -G des --role=desgw --need-storage-modify /des/persistent/gw/exp --need-storage-modify /des/persistent/gw/forcephoto file://desgw_pipeline_941225.dag\n';

test("DAGMaker's recommendation is used as words", () => {
  assert.deepEqual(submitCommandFor(941225, null, DONE), {
    file: 'jobsub_submit_dag',
    args: [
      '-G',
      'des',
      '--role=desgw',
      '--need-storage-modify',
      '/des/persistent/gw/exp',
      '--need-storage-modify',
      '/des/persistent/gw/forcephoto',
      'file://desgw_pipeline_941225.dag',
    ],
    from: 'DAGMaker.DONE',
  });
});

test('a configured command wins; the DAG is appended', () => {
  assert.deepEqual(
    submitCommandFor(
      941225,
      [
        '/cvmfs/fermilab.opensciencegrid.org/products/common/db/../prd/jobsub_client/v1_3_5/NULL/jobsub_submit_dag',
        '-G',
        'des',
        '--role=DESGW',
      ],
      DONE,
    ).args.at(-1),
    'file://desgw_pipeline_941225.dag',
  );
});

test('the legacy command when the recommendation is missing, for another DAG, or not plain words', () => {
  const legacy = {
    file: 'jobsub_submit_dag',
    args: ['-G', 'des', '--role=DESGW', 'file://desgw_pipeline_941225.dag'],
    from: 'legacy',
  };
  assert.deepEqual(submitCommandFor(941225, null, undefined), legacy);
  assert.deepEqual(submitCommandFor(941225, null, DONE.replace('941225', '941226')), legacy);
  assert.deepEqual(
    submitCommandFor(941225, null, 'jobsub_submit_dag -G des $(touch x) file://desgw_pipeline_941225.dag'),
    legacy,
  );
  assert.deepEqual(submitCommandFor(941225, null, 'rm -rf / file://desgw_pipeline_941225.dag'), legacy);
});
