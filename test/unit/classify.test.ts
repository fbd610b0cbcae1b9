import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDagMakerFailure, classifySubmitFailure, dagMakerWarnings, parseJobId } from '../../common/classify.js';

test('known DAGMaker errors are permanent', () => {
  const cases: [number, string][] = [
    [1, 'Error, an exposure number must be supplied'],
    [1, 'Error, exposure number must be a number; you entered abc.'],
    [2, 'Error: ~/.pgpass not found.'],
    [1, 'Error with setting band. Check exposures.list to see if there is a problem with this exposure. Exiting...'],
    [1, 'Cannot proceed without the search image!'],
  ];
  for (const [code, out] of cases) assert.equal(classifyDagMakerFailure(code, `noise\n${out}\n`).kind, 'permanent', out);
  assert.match(classifyDagMakerFailure(2, 'Error: ~/.desservices.ini not found.').reason, /~\/\.desservices\.ini/);
});

test('other DAGMaker failures are transient; proxy trouble is its own kind', () => {
  assert.deepEqual(classifyDagMakerFailure(3, 'querying...\nORA-12170: TNS:Connect timeout occurred\n'), {
    kind: 'transient',
    reason: 'DAGMaker exited 3: ORA-12170: TNS:Connect timeout occurred',
  });
  assert.equal(classifyDagMakerFailure(2, 'cp failed!').kind, 'transient');
  assert.equal(classifyDagMakerFailure(1, 'Error: no valid proxy found').kind, 'proxy');
});

test('submission failures: 503 transient, bad dag permanent, expired proxy', () => {
  assert.equal(classifySubmitFailure(1, 'Error: 503 Service Unavailable').kind, 'transient');
  assert.equal(classifySubmitFailure(1, 'Error: condor_submit exited with failed status code 1').kind, 'transient');
  assert.equal(classifySubmitFailure(1, 'bad dag: file://SEdiff.sh does not exist').kind, 'permanent');
  assert.equal(classifySubmitFailure(1, 'Proxy not valid for the requested time').kind, 'proxy');
});

test('job ids of jobsub_client and jobsub_lite', () => {
  assert.equal(parseJobId('JobsubJobId of first job: 48213001.0@jobsub01.fnal.gov\nUse job id 48213001.0@jobsub01.fnal.gov to retrieve output\n'), '48213001.0@jobsub01.fnal.gov');
  assert.equal(parseJobId('Submitting job(s).\nUse job id 7712345.0@jobsubdevgpvm01.fnal.gov to retrieve output\n'), '7712345.0@jobsubdevgpvm01.fnal.gov');
  assert.equal(parseJobId('Error: condor_submit exited with failed status code 1'), null);
});

test('warnings worth surfacing', () => {
  assert.deepEqual(dagMakerWarnings('There appear to be no templates for this exposure (941225).\nNO TEMPLATE IMAGES, DIFFIMG WILL FAIL\n'), [
    'no templates for this exposure',
    'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL',
  ]);
  assert.deepEqual(dagMakerWarnings('To submit this DAG do\n'), []);
});
