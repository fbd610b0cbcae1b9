/** The production deployment files: docker-compose.yml validates (docker-compose config, no engine needed). */
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../../workers/config.js';

const compose = (env: Record<string, string>) =>
  execa('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, extendEnv: false, reject: false });

/** Each service's block of `docker-compose config` output, by name. */
function services(config: string): Record<string, string> {
  const body = /^services:\n((?: {2}.*\n|\n)*)/m.exec(config)?.[1] ?? '';
  return Object.fromEntries(body.split(/^(?= {2}[\w-]+:$)/m).filter((b) => b.trim()).map((b) => [/^ {2}([\w-]+):/.exec(b)![1]!, b]));
}

test('docker-compose.yml is valid and wires PostgreSQL, the schema job, Temporal, the namespace job, the Web UI and our worker', async () => {
  const r = await compose({ TEMPORAL_DB_PASSWORD: 'x', DESGW_TLS_DIR: '/srv/desgw/tls' });
  assert.equal(r.exitCode, 0, r.stderr);
  const s = services(r.stdout);
  assert.deepEqual(Object.keys(s).sort(), ['postgresql', 'temporal', 'temporal-create-namespace', 'temporal-schema', 'temporal-ui', 'worker']);
  assert.match(s.worker!, /DESGW_WORKER_ROLES: workflows/, 'the containerised worker serves workflows only: the DES machine runs the site worker');
  assert.match(s['temporal-create-namespace']!, /condition: service_healthy/, 'the namespace job waits for the healthy server');
  assert.match(s.temporal!, /healthcheck:\n(?: {6}.*\n)* {6}- health\n/, 'the server has a health check');
  assert.match(s.worker!, /temporal-create-namespace:\n\s+condition: service_completed_successfully/);
  assert.match(s['temporal-ui']!, /TEMPORAL_DISABLE_WRITE_ACTIONS: "true"/, 'the Web UI is read-only unless configured');
  assert.ok(existsSync(join(REPO_ROOT, 'Dockerfile')));
  assert.match(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'), /^FROM node:22-bookworm-slim$/m);
});

test('every image is pinned (no auto-setup, no latest), and the server is the version the production test runs', async () => {
  const config = (await compose({ TEMPORAL_DB_PASSWORD: 'x', DESGW_TLS_DIR: '/srv/desgw/tls' })).stdout;
  const images = [...config.matchAll(/^ {4}image: (\S+)$/gm)].map((m) => m[1]!);
  assert.equal(images.length, 5, images.join(', '));
  for (const image of images) assert.match(image, /^[\w./-]+:\d[\w.-]*$/, `${image} is pinned to a version`);
  assert.ok(!images.some((i) => i.includes('auto-setup')), 'temporalio/auto-setup is deprecated');
  const tested = /^VERSION=v(\S+)$/m.exec(readFileSync(join(REPO_ROOT, 'scripts', 'ensure-temporal-server.sh'), 'utf8'))![1]!;
  assert.ok(images.includes(`temporalio/server:${tested}`), `temporalio/server:${tested}, the version test/production/ runs`);
  for (const i of images.filter((i) => i.startsWith('temporalio/admin-tools:'))) assert.ok(i.startsWith(`temporalio/admin-tools:${tested}`), i);
});

test('ports are published on 127.0.0.1 only, and every Temporal client has a certificate', async () => {
  const s = services((await compose({ TEMPORAL_DB_PASSWORD: 'x', DESGW_TLS_DIR: '/srv/desgw/tls' })).stdout);
  const published = Object.values(s).flatMap((b) => [...b.matchAll(/^ {4}ports:\n((?: {4}- .*\n)+)/gm)].flatMap((m) => m[1]!.trim().split('\n')));
  assert.ok(published.length >= 2);
  for (const p of published) assert.match(p, /^- 127\.0\.0\.1:\d+:\d+/, p);
  assert.doesNotMatch(s.postgresql!, /ports:/, 'PostgreSQL is reached by the containers only');
  assert.match(s.temporal!, /TEMPORAL_TLS_DIR: \/tls/);
  for (const name of ['temporal-create-namespace', 'worker']) {
    for (const v of ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH']) assert.match(s[name]!, new RegExp(`${v}: /tls/`), `${name} ${v}`);
  }
  for (const v of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY']) assert.match(s['temporal-ui']!, new RegExp(`${v}: /tls/`), `temporal-ui ${v}`);
});

test('schema, server configuration and namespace come from the scripts of deploy/ that test/production/ runs', async () => {
  const s = services((await compose({ TEMPORAL_DB_PASSWORD: 'x', DESGW_TLS_DIR: '/srv/desgw/tls' })).stdout);
  const uses = { 'temporal-schema': 'setup-postgres-schema.sh', temporal: 'start-temporal-server.sh', 'temporal-create-namespace': 'create-namespace.sh' };
  for (const [service, file] of Object.entries(uses)) {
    assert.match(s[service]!, new RegExp(`entrypoint:\\n    - /bin/bash\\n    - /deploy/${file.replace('.', '\\.')}\\n`), `${service} runs deploy/${file}`);
    assert.match(s[service]!, new RegExp(`- ${REPO_ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/deploy:/deploy:ro`), `${service} mounts deploy/`);
    accessSync(join(REPO_ROOT, 'deploy', file), constants.X_OK);
  }
  const productionTest = readFileSync(join(REPO_ROOT, 'test', 'production', 'mtls-postgres.test.ts'), 'utf8');
  for (const file of Object.values(uses)) assert.ok(productionTest.includes(`'deploy', '${file}'`), `test/production/ runs deploy/${file}`);
});

test('docker-compose.yml will not start without the database password and the certificates', async () => {
  const none = await compose({});
  assert.notEqual(none.exitCode, 0);
  assert.match(none.stderr, /TEMPORAL_DB_PASSWORD|DESGW_TLS_DIR/);
  const noTls = await compose({ TEMPORAL_DB_PASSWORD: 'x' });
  assert.notEqual(noTls.exitCode, 0);
  assert.match(noTls.stderr, /DESGW_TLS_DIR/);
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
