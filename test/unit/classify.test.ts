import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  classifyDagMakerFailure,
  classifySubmitFailure,
  dagMakerWarnings,
  failingLines,
  parseJobId,
} from '../../common/classify.js';
import { REPO_ROOT } from '../../workers/config.js';

const fixture = (name: string) => readFile(join(REPO_ROOT, 'test', 'fixtures', 'jobsub', name), 'utf8');

test('known DAGMaker errors are permanent', () => {
  const cases: [number, string][] = [
    [1, 'Error, an exposure number must be supplied'],
    [1, 'Error, exposure number must be a number; you entered abc.'],
    [2, 'Error: ~/.pgpass not found.'],
    [1, 'Error with setting band. Check exposures.list to see if there is a problem with this exposure. Exiting...'],
    [1, 'Cannot proceed without the search image!'],
  ];
  for (const [code, out] of cases)
    assert.equal(classifyDagMakerFailure(code, `noise\n${out}\n`).kind, 'permanent', out);
  assert.match(classifyDagMakerFailure(2, 'Error: ~/.desservices.ini not found.').reason, /~\/\.desservices\.ini/);
});

test('a DAGMaker that cannot reach the DES database is an outage of the database; other failures are transient', () => {
  assert.deepEqual(
    classifyDagMakerFailure(
      3,
      'querying...\ncx_Oracle.DatabaseError: ORA-12170: TNS:Connect timeout occurred\nORA-12170: TNS:Connect timeout occurred\n',
    ),
    {
      kind: 'outage',
      service: 'database',
      reason: 'the DES database did not answer: cx_Oracle.DatabaseError: ORA-12170: TNS:Connect timeout occurred',
    },
  );
  assert.equal(classifyDagMakerFailure(2, 'cp failed!').kind, 'transient');
  assert.equal(
    classifyDagMakerFailure(1, 'ORA-01017: invalid username/password; logon denied').kind,
    'transient',
    'bad credentials are no outage',
  );
  assert.deepEqual(
    classifyDagMakerFailure(
      1,
      'Error: no valid grid proxy (DAGMaker_proxyuser.sh needs one for ifdh). Run kx509 and voms-proxy-init -rfc',
    ),
    {
      kind: 'credential',
      credential: 'proxy',
      reason:
        'Error: no valid grid proxy (DAGMaker_proxyuser.sh needs one for ifdh). Run kx509 and voms-proxy-init -rfc',
    },
  );
});

test("jobsub_lite's token chatter is noise: it is never what a failure is judged by", async () => {
  const success = await fixture('submit-success.out');
  assert.doesNotMatch(failingLines(success).join('\n'), /token|Warning at file|=-=-/);
  // A failure whose only other line is a plain condor_submit status is transient, not a credential problem.
  const bare = `${success.split('Submitting')[0]}\n\nError: condor_submit exited with failed status code 1\n\n\n`;
  assert.deepEqual(classifySubmitFailure(0, bare), {
    kind: 'transient',
    reason: 'jobsub_submit_dag exited 0: Error: condor_submit exited with failed status code 1',
  });
});

test('each recorded jobsub_lite failure is judged by its failing lines', async () => {
  const cases: [string, number, Partial<ReturnType<typeof classifySubmitFailure>>, RegExp][] = [
    ['submit-vault-5xx.out', 1, { kind: 'outage', service: 'jobsub' }, /Service Unavailable/],
    [
      'submit-schedd-down.out',
      0,
      { kind: 'outage', service: 'jobsub' },
      /Failed to connect to queue manager jobsub01\.fnal\.gov/,
    ],
    ['submit-refused-dag.out', 1, { kind: 'permanent' }, /<parallel> inside <parallel> not currently supported/],
    [
      'submit-expired-token.out',
      1,
      { kind: 'credential', credential: 'token' },
      /Kerberos initialization failed|Failure getting token/,
    ],
    ['submit-expired-proxy.out', 1, { kind: 'credential', credential: 'proxy' }, /Cigetcert failed to get proxy/],
    ['jobsub-q-schedd-down.out', 0, { kind: 'outage', service: 'jobsub' }, /Failed to fetch ads from/],
  ];
  for (const [file, exit, expected, reason] of cases) {
    const c = classifySubmitFailure(exit, await fixture(file));
    assert.deepEqual(
      { kind: c.kind, service: c.service, credential: c.credential },
      { service: undefined, credential: undefined, ...expected },
      file,
    );
    assert.match(c.reason, reason, file);
  }
});

test('the job id is read from the success output; a failure that exits 0 has none', async () => {
  assert.equal(parseJobId(await fixture('submit-success.out')), '68745801.0@jobsub02.fnal.gov');
  assert.equal(parseJobId(await fixture('submit-schedd-down.out')), null);
  assert.equal(
    parseJobId('JobsubJobId of first job: 48213001.0@jobsub01.fnal.gov\n'),
    '48213001.0@jobsub01.fnal.gov',
    "jobsub_client's form",
  );
});

test('warnings worth surfacing', () => {
  assert.deepEqual(
    dagMakerWarnings(
      'There appear to be no templates for this exposure (941225).\nNO TEMPLATE IMAGES, DIFFIMG WILL FAIL\n',
    ),
    ['no templates for this exposure', 'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL'],
  );
  assert.deepEqual(dagMakerWarnings('To submit this DAG do\n'), []);
});
