/**
 * Where the worker and desgw connect is read as the Temporal CLI reads it: TEMPORAL_* variables
 * over a temporal.toml profile (common/temporal-connection.ts). No server needed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { temporalConnectionConfig } from '../../common/temporal-connection.js';

let dir: string;
let toml: string;
const text = (b: unknown) => Buffer.from(b as Uint8Array).toString();
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desgw-envconfig-'));
  for (const f of ['ca.pem', 'client.pem', 'client.key', 'other.pem'])
    await writeFile(join(dir, f), `contents of ${f}`);
  toml = join(dir, 'temporal.toml');
  await writeFile(
    toml,
    `[profile.default]
address = "default-host:7233"

[profile.lab]
address = "temporal.lab.example:7233"
namespace = "desgw"
[profile.lab.tls]
client_cert_path = "${join(dir, 'client.pem')}"
client_key_path = "${join(dir, 'client.key')}"
server_ca_cert_path = "${join(dir, 'ca.pem')}"
server_name = "temporal.lab.example"

[profile.cloud]
address = "desgw.a1b2c.tmprl.cloud:7233"
namespace = "desgw.a1b2c"
api_key = "not-a-real-key"
`,
  );
});
after(() => rm(dir, { recursive: true, force: true }));

test('with nothing set: localhost:7233, namespace default, plain gRPC', () => {
  const c = temporalConnectionConfig({ TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') });
  assert.deepEqual(c.connectionOptions, { address: 'localhost:7233' });
  assert.equal(c.namespace, 'default');
  assert.equal(c.describe, 'localhost:7233/default');
});

test('TEMPORAL_TLS_* variables give mutual TLS with the files they name', () => {
  const c = temporalConnectionConfig({
    TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'),
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_NAMESPACE: 'desgw',
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  });
  const tls = c.connectionOptions.tls;
  assert.ok(typeof tls === 'object');
  assert.equal(text(tls.clientCertPair?.crt), 'contents of client.pem');
  assert.equal(text(tls.clientCertPair?.key), 'contents of client.key');
  assert.equal(text(tls.serverRootCACertificate), 'contents of ca.pem');
  assert.equal(tls.serverNameOverride, 'localhost');
  assert.equal(c.describe, '127.0.0.1:7233/desgw (mTLS)');
});

test('a temporal.toml profile chosen by TEMPORAL_PROFILE, with variables over it', () => {
  const lab = temporalConnectionConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'lab' });
  assert.equal(lab.connectionOptions.address, 'temporal.lab.example:7233');
  assert.equal(lab.namespace, 'desgw');
  assert.equal(lab.describe, 'temporal.lab.example:7233/desgw (mTLS)');
  const over = temporalConnectionConfig({
    TEMPORAL_CONFIG_FILE: toml,
    TEMPORAL_PROFILE: 'lab',
    TEMPORAL_ADDRESS: 'other:7233',
    TEMPORAL_NAMESPACE: 'test',
  });
  assert.equal(over.describe, 'other:7233/test (mTLS)');
  assert.equal(
    temporalConnectionConfig({ TEMPORAL_CONFIG_FILE: toml }).connectionOptions.address,
    'default-host:7233',
    'the default profile without TEMPORAL_PROFILE',
  );
});

test('an API key (Temporal Cloud) turns TLS on and is sent; the description does not show it', () => {
  const c = temporalConnectionConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
  assert.equal(c.connectionOptions.apiKey, 'not-a-real-key');
  assert.equal(c.connectionOptions.tls, true);
  assert.equal(c.describe, 'desgw.a1b2c.tmprl.cloud:7233/desgw.a1b2c (TLS, API key)');
  const env = temporalConnectionConfig({
    TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'),
    TEMPORAL_API_KEY: 'k2',
    TEMPORAL_ADDRESS: 'x.tmprl.cloud:7233',
  });
  assert.equal(env.connectionOptions.apiKey, 'k2');
  assert.equal(env.connectionOptions.tls, true);
});

test("the CLI's older TEMPORAL_TLS_CERT, _KEY and _CA win over the newer variables", () => {
  const c = temporalConnectionConfig({
    TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'),
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
    TEMPORAL_TLS_CERT: join(dir, 'other.pem'),
    TEMPORAL_TLS_KEY: join(dir, 'client.key'),
    TEMPORAL_TLS_CA: join(dir, 'ca.pem'),
  });
  const tls = c.connectionOptions.tls;
  assert.ok(typeof tls === 'object');
  assert.equal(text(tls.clientCertPair?.crt), 'contents of other.pem');
  assert.equal(text(tls.serverRootCACertificate), 'contents of ca.pem');
});

test('an empty variable counts as unset', () => {
  const c = temporalConnectionConfig({
    TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'),
    TEMPORAL_ADDRESS: '',
    TEMPORAL_TLS_CLIENT_CERT_PATH: '',
    TEMPORAL_NAMESPACE: '',
  });
  assert.deepEqual(c.connectionOptions, { address: 'localhost:7233' });
  assert.equal(c.namespace, 'default');
});

test('a profile that does not exist, or a TLS file that cannot be read, is an error naming it', () => {
  assert.throws(
    () => temporalConnectionConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' }),
    /Profile 'nope' not found/,
  );
  assert.throws(
    () =>
      temporalConnectionConfig({
        TEMPORAL_CONFIG_FILE: toml,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing-ca.pem'),
      }),
    /missing-ca\.pem/,
  );
});
