/**
 * The proxy check against the real voms-proxy-info (Debian's voms-clients), with an RFC proxy the
 * test makes itself with openssl: a CA, a user certificate, and a one-day proxy. Asking for more
 * validity than it has left is how expiry is detected before DAGMaker or a submission.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, copyFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { execa } from 'execa';
import { ensureProxy } from '../../activities/support/proxy.js';

async function makeProxy(dir: string): Promise<{ proxy: string; certDir: string }> {
  const ssl = (args: string[]) => execa('openssl', args, { cwd: dir });
  await ssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-subj',
    '/DC=org/DC=desgwtest/CN=Test CA',
    '-days',
    '2',
  ]);
  await ssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'user.key',
    '-out',
    'user.csr',
    '-subj',
    '/DC=org/DC=desgwtest/CN=DESGW tester',
  ]);
  await ssl([
    'x509',
    '-req',
    '-in',
    'user.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '1',
    '-out',
    'user.pem',
    '-days',
    '1',
  ]);
  await writeFile(
    join(dir, 'proxy.cnf'),
    '[v3_proxy]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nproxyCertInfo=critical,language:id-ppl-inheritAll\n',
  );
  await ssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'proxy.key',
    '-out',
    'proxy.csr',
    '-subj',
    '/DC=org/DC=desgwtest/CN=DESGW tester/CN=4242',
  ]);
  await ssl([
    'x509',
    '-req',
    '-in',
    'proxy.csr',
    '-CA',
    'user.pem',
    '-CAkey',
    'user.key',
    '-set_serial',
    '4242',
    '-out',
    'proxy.pem',
    '-days',
    '1',
    '-extfile',
    'proxy.cnf',
    '-extensions',
    'v3_proxy',
  ]);
  const proxy = join(dir, 'x509up_test');
  await writeFile(
    proxy,
    [
      await readFile(join(dir, 'proxy.pem'), 'utf8'),
      await readFile(join(dir, 'proxy.key'), 'utf8'),
      await readFile(join(dir, 'user.pem'), 'utf8'),
    ].join(''),
  );
  await chmod(proxy, 0o600);
  const certDir = join(dir, 'certificates');
  await execa('mkdir', ['-p', certDir]);
  const hash = (await ssl(['x509', '-hash', '-noout', '-in', 'ca.pem'])).stdout.trim();
  await copyFile(join(dir, 'ca.pem'), join(certDir, `${hash}.0`));
  return { proxy, certDir };
}

test('voms-proxy-info tells a proxy valid long enough from one about to expire, and a missing one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'proxy-'));
  const { proxy, certDir } = await makeProxy(dir);
  const env = { PATH: process.env.PATH!, X509_USER_PROXY: proxy, X509_CERT_DIR: certDir, HOME: dir };
  const left = Number((await execa('voms-proxy-info', ['-timeleft'], { env, extendEnv: false })).stdout.trim());
  assert.ok(left > 23 * 3600 && left <= 24 * 3600, `time left ${left} s`);

  await ensureProxy({ checkProxy: true, proxyMargin: '1:00' }, env, dir);
  await assert.rejects(ensureProxy({ checkProxy: true, proxyMargin: '48:00' }, env, dir), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'ProxyExpired');
    assert.match(err.message, /valid for less than 48:00/);
    assert.match(err.message, /voms-proxy-init -rfc -noregen -voms des:\/des\/Role=Analysis -valid 24:00/);
    return true;
  });
  await assert.rejects(
    ensureProxy({ checkProxy: true, proxyMargin: '0:10' }, { ...env, X509_USER_PROXY: join(dir, 'none') }, dir),
    /missing or valid for less than/,
  );
  // The desgw account's jobs use the service credentials: no check at all.
  await ensureProxy({ checkProxy: false, proxyMargin: '48:00' }, { ...env, X509_USER_PROXY: join(dir, 'none') }, dir);
});
