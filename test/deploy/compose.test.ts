/** The production deployment files: docker-compose.yml validates (docker-compose config, no engine needed). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../../workers/config.js';

test('docker-compose.yml is valid and wires Temporal, PostgreSQL, the Web UI and our worker', async () => {
  const r = await execa('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'], { cwd: REPO_ROOT, env: { TEMPORAL_DB_PASSWORD: 'x' } });
  const config = r.stdout;
  for (const service of ['postgresql:', 'temporal:', 'temporal-ui:', 'worker:']) assert.match(config, new RegExp(`^  ${service}`, 'm'), service);
  assert.match(config, /DB: postgres12/);
  assert.match(config, /TEMPORAL_ADDRESS: temporal:7233/);
  assert.match(config, /DESGW_WORKER_ROLES: workflows/, 'the containerised worker serves workflows only: the DES machine runs the site worker');
  assert.ok(existsSync(join(REPO_ROOT, 'Dockerfile')));
});

test('the systemd unit for the DES machine runs the site worker from the checkout', async () => {
  const unit = await import('node:fs/promises').then((fs) => fs.readFile(join(REPO_ROOT, 'deploy', 'desgw-worker.service'), 'utf8'));
  assert.match(unit, /^ExecStart=.*node .*dist\/workers\/main\.js$/m);
  assert.match(unit, /^Environment=DESGW_WORKER_ROLES=site,dagmaker$/m);
  assert.match(unit, /^EnvironmentFile=/m);
});

test('the production dynamic config sets what every dev server of ours is started with', async () => {
  const { DYNAMIC_CONFIG } = await import('../../scripts/dev-server-args.js');
  const yaml = await import('node:fs/promises').then((fs) => fs.readFile(join(REPO_ROOT, 'deploy', 'temporal-dynamicconfig.yaml'), 'utf8'));
  for (const [key, value] of Object.entries(DYNAMIC_CONFIG)) {
    const block = new RegExp(`^${key.replace(/\./g, '\\.')}:\\n((?:  .*\\n)+)`, 'm').exec(yaml);
    assert.ok(block, `${key} is missing from deploy/temporal-dynamicconfig.yaml`);
    const values = [...block[1]!.matchAll(/- value: (\S+)/g)].map((m) => m[1]);
    assert.ok(values.length > 0 && values.every((v) => v === String(value)), `${key}: ${values.join(', ')} in the yaml, ${value} on the dev servers`);
  }
});
