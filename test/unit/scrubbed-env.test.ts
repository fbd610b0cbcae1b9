/** The site's scripts start from the worker's environment less the worker's own settings and secrets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scrubbedEnvironment } from '../../activities/support/scrubbed-env.js';

test("the site's scripts get no DESGW_DB_PASSWORD, TEMPORAL_API_KEY or TEMPORAL_TLS_*, and keep PATH and HOME", () => {
  const env = scrubbedEnvironment({
    PATH: '/usr/bin',
    HOME: '/home/desgw',
    DESGW_DB_PASSWORD: 'secret',
    TEMPORAL_API_KEY: 'key',
    TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/desgw/client.key',
    NODE_OPTIONS: '--max-old-space-size=192',
  });
  assert.deepEqual(env, { PATH: '/usr/bin', HOME: '/home/desgw' });
});
