/** What `desgw doctor` says of a jobsub_q listing and of the seasons used (client/doctor-verdicts.ts). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { QueueListing } from '../../activities/support/jobsub-queue.js';
import { describeSeasonsUsed, jobsubQVerdict, registrySeasons } from '../../client/doctor-verdicts.js';
import { parseJobsubQ } from '../../common/jobsub-q.js';
import { REPO_ROOT } from '../../workers/config.js';

const fixture = (name: string) => readFile(join(REPO_ROOT, 'test', 'fixtures', 'jobsub', name), 'utf8');
const failed = (output: string, exitCode: number | undefined, timedOut = false): QueueListing => ({
  problem: 'jobsub_q did not answer',
  exitCode,
  timedOut,
  output,
});

test('a listing that answered is ok, saying its DAGs, its jobs and how long it took against the limit', async () => {
  const v = jobsubQVerdict({ jobs: parseJobsubQ(await fixture('jobsub-q-dags.out')) }, 1234, 120_000);
  assert.deepEqual(v, { result: 'ok', detail: 'answered for -G des in 1.2 s (limit 120 s): 2 DAGs (4 jobs) listed' });
  assert.equal(
    jobsubQVerdict({ jobs: [] }, 80, 120_000).detail,
    'answered for -G des in 80 ms (limit 120 s): 0 DAGs (0 jobs) listed',
  );
});

test('a schedd that does not answer fails, named as jobsub_q names it, though jobsub_q exits 0', async () => {
  const v = jobsubQVerdict(failed(await fixture('jobsub-q-schedd-down.out'), 0), 900, 120_000);
  assert.equal(v.result, 'FAIL');
  assert.equal(v.detail, 'schedd jobsub01.fnal.gov did not answer: the listing is incomplete (jobsub_q exited 0)');
});

test('a jobsub_q that timed out fails, naming the timeout', () => {
  assert.deepEqual(jobsubQVerdict(failed('', undefined, true), 120_000, 120_000), {
    result: 'FAIL',
    detail: 'no answer within its timeout of 120 s: jobsub_q was stopped',
  });
});

test("other failures are classified in one line, never the tool's whole output", async () => {
  const token = jobsubQVerdict(failed(await fixture('submit-expired-token.out'), 1), 500, 120_000);
  assert.equal(token.result, 'FAIL');
  assert.match(token.detail, /^its bearer token looks expired \(see grid proxy\): jobsub_q: /);
  const proxy = jobsubQVerdict(failed(await fixture('submit-expired-proxy.out'), 1), 500, 120_000);
  assert.match(proxy.detail, /^its grid proxy looks expired \(see grid proxy\): jobsub_q: .*Cigetcert failed/);
  const vault = jobsubQVerdict(failed(await fixture('submit-vault-5xx.out'), 1), 500, 120_000);
  assert.match(vault.detail, /^jobsub did not answer: .*503.* \(jobsub_q exited 1\)$/);
  const usage = jobsubQVerdict(
    failed('usage: jobsub_q [-G <group>]\njobsub_q: error: unrecognized arguments: -x\n', 1),
    50,
    120_000,
  );
  assert.equal(usage.detail, 'jobsub_q refused the command: jobsub_q: error: unrecognized arguments: -x');
  const odd = jobsubQVerdict(failed('some\nlines\nthen a crash\n', 3), 50, 120_000);
  assert.equal(odd.detail, 'jobsub_q exited 3: then a crash');
  for (const v of [token, proxy, vault, usage, odd]) {
    assert.doesNotMatch(v.detail, /\n|bt_token|Storing bearer token/);
  }
});

test("seasons used says each source's count of distinct seasons, and all of them together", () => {
  assert.equal(
    describeSeasonsUsed({ database: [1500, 1501, 1501], registry: [1601, 1603], runDirectories: [1601, 1602] }),
    'database 2, registry 2, run directories 2 (5 distinct)',
  );
  assert.equal(
    describeSeasonsUsed({ database: [1500], registry: null, runDirectories: [] }),
    'database 1, registry unread, run directories 0 (1 distinct without the registry)',
  );
});

test("the registry's seasons are its exclusive reservations and the shared seasons runs hold", () => {
  assert.deepEqual(
    registrySeasons({
      reservations: [[1601, 'run-a']],
      testSeasonOwners: [
        ['run-t1', 2206],
        ['run-t2', 2206],
      ],
    }),
    [1601, 2206, 2206],
  );
});
