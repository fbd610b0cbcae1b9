import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLogEntry } from '../../workers/log.js';

test('a log entry is one line with the run, season and exposure', () => {
  const line = formatLogEntry({
    level: 'INFO',
    message: 'exposure 1210447: submitted',
    timestampNanos: 1_795_600_000_123_000_000n,
    meta: {
      workflowId: 'desgw-season-612',
      season: 612,
      expnum: 1210447,
      state: 'submitted',
      jobId: '48213001.0@jobsub01.fnal.gov',
      runId: 'x',
      namespace: 'default',
    },
  });
  assert.equal(
    line,
    '2026-11-25T09:46:40.123Z INFO  exposure 1210447: submitted workflowId="desgw-season-612" season=612 expnum=1210447 state="submitted" jobId="48213001.0@jobsub01.fnal.gov"',
  );
  assert.equal(formatLogEntry({ level: 'WARN', message: 'a\nb', timestampNanos: 0n }).split('\n').length, 1);
});
