/**
 * The production shape, end to end, with the scripts production uses: PostgreSQL (a private cluster
 * of Debian's package, scripts/prod-temporal/postgres.sh), its schemas from temporal-sql-tool
 * (deploy/setup-postgres-schema.sh), the Temporal Server binary on it with SQL visibility and
 * mutual TLS everywhere (deploy/start-temporal-server.sh), the namespace and search attributes
 * (deploy/create-namespace.sh), then the project's worker and `desgw run --follow` as separate
 * processes configured by TEMPORAL_* variables only. On a clean machine the first run installs
 * PostgreSQL (apt-get) and builds the server (go install): a few minutes, printed with the rest.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import type { ImageProcessingResult } from '../../common/contract.js';
import { REPO_ROOT } from '../../workers/config.js';
import { WORKER_NODE_FLAGS } from '../../workers/node-flags.js';
import { eventually, makeSite, range, temporalCli, type Site } from '../helpers/harness.js';

const script = (...p: string[]) => join(REPO_ROOT, ...p);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/**
 * Ports free on 127.0.0.1 now, below 32768: Temporal keeps its services' ports in PostgreSQL as a
 * smallint (a port the system hands out, 32768 and up, stops the server). Held open together so
 * they differ, then released for the server.
 */
async function freePorts(n: number): Promise<number[]> {
  const held: ReturnType<typeof createServer>[] = [];
  const tryListen = (port: number) =>
    new Promise<ReturnType<typeof createServer> | null>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let attempts = 0; held.length < n; attempts++) {
    if (attempts > 1000) throw new Error('no free ports between 20000 and 32767');
    const s = await tryListen(20000 + Math.floor(Math.random() * 12768));
    if (s) held.push(s);
  }
  const ports = held.map((s) => (s.address() as { port: number }).port);
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * How a TLS handshake with the server ends: 'accepted' when the server keeps the connection past
 * the handshake, else the alert it sent (TLS 1.3 checks the client's certificate after the client
 * has finished, so the refusal arrives as an alert on the open connection).
 */
function tlsHandshake(options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect(options);
    let timer: NodeJS.Timeout | undefined;
    const end = (how: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(how);
    };
    socket.once('secureConnect', () => {
      // The server speaks first in HTTP/2: its SETTINGS frame means it took the certificate.
      socket.once('data', () => end('accepted'));
      timer = setTimeout(() => end('accepted (no refusal within 2 s)'), 2000);
    });
    socket.once('error', (err: Error & { code?: string }) => end(`${err.code ?? ''} ${err.message}`.trim()));
    socket.once('close', () => end('closed'));
  });
}

/** The environment minus any TEMPORAL_* of the machine running the tests (and no temporal.toml profile), plus `vars`. */
function cleanEnv(vars: Record<string, string>): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('TEMPORAL_'),
    ),
  );
  return { ...base, TEMPORAL_CONFIG_FILE: join(tmpdir(), 'desgw-no-such-temporal.toml'), ...vars };
}

/** Everything started, stopped in reverse order in `after`. */
const stops: (() => Promise<unknown>)[] = [];
async function stopProcess(p: ResultPromise, graceMs = 15_000): Promise<void> {
  if (p.exitCode !== null) return;
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await p.catch(() => undefined);
  clearTimeout(timer);
}

describe('a production-shaped Temporal: PostgreSQL, SQL visibility, mutual TLS', () => {
  let root: string;
  let tls: string;
  let cli: string;
  let address: string;
  let pgPort: number;
  let dbPassword: string;
  /** What every client (CLI, worker, desgw) is given: the address, the namespace and its certificate. */
  let clientEnv: Record<string, string>;
  let site: Site;
  let run: { exitCode?: number; stdout: string; stderr: string };
  let result: ImageProcessingResult;
  const expnums = range(1210410, 3);
  const timings: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const v = await fn();
    timings.push(`${what} ${seconds(t)} s`);
    return v;
  };

  before(async () => {
    const built = existsSync(script('.tools', 'temporal-server.tag'));
    const [server, sqlTool, schemaDir] = await timed(
      built ? 'server binary (built before)' : 'server binary built (go install)',
      async () =>
        (await execa(script('scripts', 'ensure-temporal-server.sh'), { stderr: 'inherit' })).stdout.trim().split('\n'),
    );
    cli = await timed('Temporal CLI', () => temporalCli());
    root = await mkdtemp(join(tmpdir(), 'desgw-prod-'));
    await chmod(root, 0o755); // the postgres user must reach its directory inside
    tls = join(root, 'tls');
    const [pg, frontend, frontendM, history, historyM, matching, matchingM, worker, workerM] = await freePorts(9);
    pgPort = pg!;
    address = `127.0.0.1:${frontend}`;
    dbPassword = randomBytes(18).toString('base64url');

    const pgDir = join(root, 'pg');
    stops.push(() => execa(script('scripts', 'prod-temporal', 'postgres.sh'), ['stop', pgDir], { reject: false }));
    const installed = (await readdir('/usr/lib/postgresql').catch(() => [] as string[])).some((v) =>
      existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')),
    );
    await timed(installed ? 'PostgreSQL up' : 'PostgreSQL installed (apt-get) and up', () =>
      execa(script('scripts', 'prod-temporal', 'postgres.sh'), ['start', pgDir, String(pgPort)], {
        env: { TEMPORAL_DB_PASSWORD: dbPassword },
        stderr: 'inherit',
      }),
    );
    await timed('certificates', () => execa(script('scripts', 'prod-temporal', 'make-certs.sh'), [tls]));
    await timed('schemas', () =>
      execa(script('deploy', 'setup-postgres-schema.sh'), {
        env: {
          SQL_HOST: '127.0.0.1',
          SQL_PORT: String(pgPort),
          SQL_PASSWORD: dbPassword,
          TEMPORAL_SQL_TOOL: sqlTool!,
          TEMPORAL_SCHEMA_DIR: schemaDir!,
        },
        all: true,
      }).catch((err: { all?: string }) => {
        throw new Error(`schema setup failed:\n${err.all ?? err}`);
      }),
    );

    const serverLog = join(root, 'temporal-server.log');
    const started = Date.now();
    const temporal = execa(script('deploy', 'start-temporal-server.sh'), {
      env: cleanEnv({
        POSTGRES_PWD: dbPassword,
        POSTGRES_SEEDS: '127.0.0.1',
        DB_PORT: String(pgPort),
        TEMPORAL_TLS_DIR: tls,
        TEMPORAL_SERVER_CONFIG_DIR: join(root, 'server-config'),
        TEMPORAL_SERVER_BIN: server!,
        FRONTEND_GRPC_PORT: String(frontend),
        FRONTEND_MEMBERSHIP_PORT: String(frontendM),
        HISTORY_GRPC_PORT: String(history),
        HISTORY_MEMBERSHIP_PORT: String(historyM),
        MATCHING_GRPC_PORT: String(matching),
        MATCHING_MEMBERSHIP_PORT: String(matchingM),
        WORKER_GRPC_PORT: String(worker),
        WORKER_MEMBERSHIP_PORT: String(workerM),
        LOG_LEVEL: 'warn',
      }),
      extendEnv: false,
      stdout: { file: serverLog },
      stderr: { file: join(root, 'temporal-server.stderr.log') },
      reject: false,
    });
    stops.push(() => stopProcess(temporal));

    clientEnv = cleanEnv({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'desgw',
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(tls, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(tls, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(tls, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    for (;;) {
      const health = await execa(cli, ['operator', 'cluster', 'health'], {
        env: clientEnv,
        extendEnv: false,
        reject: false,
      });
      if (health.exitCode === 0) break;
      if (temporal.exitCode !== null || Date.now() - started > 60_000) {
        const log = (await readFile(serverLog, 'utf8').catch(() => '')).slice(-3000);
        throw new Error(
          `the Temporal server ${temporal.exitCode !== null ? `exited (${temporal.exitCode})` : 'did not answer within 60 s'}; its log ends:\n${log}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    timings.push(`server up ${seconds(started)} s`);

    await timed('namespace and search attributes', () =>
      execa(script('deploy', 'create-namespace.sh'), {
        env: { ...clientEnv, TEMPORAL_CLI: cli },
        extendEnv: false,
        all: true,
      }).catch((err: { all?: string }) => {
        throw new Error(`deploy/create-namespace.sh failed:\n${err.all ?? err}`);
      }),
    );

    site = await makeSite();
    const workerLog = join(site.root, 'worker.log');
    const workerProcess = execa('node', [...WORKER_NODE_FLAGS, join(REPO_ROOT, 'dist', 'workers', 'main.js')], {
      env: {
        ...clientEnv,
        DESGW_GW_WORKFLOW_DIR: site.gwDir,
        DESGW_HEARTBEAT_EVERY_S: '1',
        DESGW_LOCAL_SEASONS_FILE: join(site.root, 'des_seasons_used.txt'),
      },
      extendEnv: false,
      all: true,
      reject: false,
    });
    workerProcess.all?.pipe(createWriteStream(workerLog));
    stops.push(() => stopProcess(workerProcess));

    const list = await site.list('production.list', expnums);
    const t = Date.now();
    run = await execa(
      'node',
      [
        script('dist', 'client', 'desgw.js'),
        'run',
        '--exp-list',
        list,
        '--season',
        'auto',
        '--set',
        'WRITEDB=off',
        '--follow',
        '--json',
      ],
      {
        env: clientEnv,
        extendEnv: false,
        reject: false,
      },
    );
    timings.push(`run of ${expnums.length} exposures ${seconds(t)} s`);
    console.log(`production-shaped Temporal: ${timings.join('; ')}`);
    if (run.exitCode !== 0) {
      console.error(
        `desgw run exited ${run.exitCode}:\n${run.stderr}\nworker log:\n${(await readFile(workerLog, 'utf8').catch(() => '')).slice(-3000)}`,
      );
    } else {
      result = JSON.parse(run.stdout) as ImageProcessingResult;
    }
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => console.error(`teardown: ${err.message}`));
    if (root) await rm(root, { recursive: true, force: true });
    if (site) await rm(site.root, { recursive: true, force: true });
  });

  test('desgw run --follow, with only TEMPORAL_* variables and a client certificate, submits every exposure once', async () => {
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(result.counts.submitted, expnums.length, JSON.stringify(result.exposures.filter((e) => e.error)));
    const events = await site.ledger();
    for (const e of expnums)
      assert.equal(
        events.filter((x) => x.event === 'submit' && Number(x.expnum) === e).length,
        1,
        `submissions of ${e}`,
      );
  });

  test('the run and its exposures are found by their search attributes in SQL visibility (PostgreSQL)', async () => {
    assert.ok(result, 'the run completed');
    const ids = await eventually(
      'the run and its children in the visibility store',
      async () => {
        const l = await execa(
          cli,
          ['workflow', 'list', '--query', `DesgwSeason=${result.season}`, '--output', 'json'],
          { env: clientEnv, extendEnv: false, reject: false },
        );
        const found = (JSON.parse(l.stdout || '[]') as { execution: { workflowId: string } }[]).map(
          (w) => w.execution.workflowId,
        );
        return found.length === expnums.length + 1 ? found : null;
      },
      20_000,
      500,
    );
    assert.ok(ids.includes(result.workflowId));
    const rows = await execa(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(pgPort),
        '-U',
        'temporal',
        '-d',
        'temporal_visibility',
        '-tAc',
        'SELECT count(*) FROM executions_visibility',
      ],
      {
        env: { PGPASSWORD: dbPassword },
      },
    );
    assert.ok(Number(rows.stdout.trim()) >= expnums.length + 1, `rows in executions_visibility: ${rows.stdout}`);
  });

  test('deploy/create-namespace.sh can run again: the namespace (30 days) and the search attributes are kept', async () => {
    const again = await execa(script('deploy', 'create-namespace.sh'), {
      env: { ...clientEnv, TEMPORAL_CLI: cli },
      extendEnv: false,
      reject: false,
      all: true,
    });
    assert.equal(again.exitCode, 0, again.all);
    const ns = JSON.parse(
      (
        await execa(cli, ['operator', 'namespace', 'describe', '--namespace', 'desgw', '--output', 'json'], {
          env: clientEnv,
          extendEnv: false,
        })
      ).stdout,
    );
    assert.match(JSON.stringify(ns.config?.workflowExecutionRetentionTtl), /2592000s/);
    const listed = await execa(cli, ['operator', 'search-attribute', 'list', '--namespace', 'desgw'], {
      env: clientEnv,
      extendEnv: false,
    });
    const wanted = (await readFile(script('deploy', 'search-attributes.txt'), 'utf8'))
      .split('\n')
      .filter((l) => /^\w/.test(l))
      .map((l) => l.trim().split(/\s+/));
    for (const [name, type] of wanted)
      assert.match(listed.stdout, new RegExp(`^\\s*${name}\\s+${type}\\s*$`, 'm'), `${name} ${type}`);
  });

  test('the server demands a client certificate of our CA in the TLS handshake', async () => {
    const [port] = address.split(':').slice(-1).map(Number);
    const handshake = async (cert?: string) => {
      const options: ConnectionOptions = {
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: await readFile(join(tls, 'ca.pem')),
        ALPNProtocols: ['h2'],
      };
      if (cert)
        Object.assign(options, {
          cert: await readFile(join(cert, 'client.pem')),
          key: await readFile(join(cert, 'client.key')),
        });
      return tlsHandshake(options);
    };
    const other = join(root, 'other-ca');
    await execa(script('scripts', 'prod-temporal', 'make-certs.sh'), [other]);
    const none = await handshake();
    const stranger = await handshake(other);
    const ours = await handshake(tls);
    console.log(
      `TLS handshake without a client certificate: ${none}; with another CA's: ${stranger}; with ours: ${ours}`,
    );
    assert.match(none, /certificate required/i);
    assert.match(stranger, /unknown ca|bad certificate/i);
    assert.equal(ours, 'accepted');
  });

  test('desgw, the worker and the Temporal CLI without a client certificate cannot connect', async () => {
    // TLS and our CA, but no certificate of their own.
    const noCert = cleanEnv({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'desgw',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(tls, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    const status = await execa(
      'node',
      [script('dist', 'client', 'desgw.js'), 'status', result?.workflowId ?? 'desgw-none'],
      { env: noCert, extendEnv: false, reject: false },
    );
    assert.notEqual(status.exitCode, 0);
    assert.match(status.stderr, /cannot reach the Temporal server at 127\.0\.0\.1:\d+\/desgw \(TLS\)/);
    console.log(`desgw status without a client certificate: ${status.stderr.trim().split('\n')[0]}`);
    const worker = await execa('node', [...WORKER_NODE_FLAGS, join(REPO_ROOT, 'dist', 'workers', 'main.js')], {
      env: {
        ...noCert,
        DESGW_GW_WORKFLOW_DIR: site.gwDir,
        DESGW_LOCAL_SEASONS_FILE: join(site.root, 'des_seasons_used.txt'),
      },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    assert.notEqual(worker.exitCode, 0, 'the worker did not start');
    assert.ok(!worker.timedOut, 'the worker gave up by itself');
    const why =
      worker.stderr.split('\n').find((l) => /^\w*Error: /.test(l)) ?? worker.stderr.trim().split('\n').slice(-1)[0];
    console.log(`worker without a client certificate: ${why?.trim()}`);
    const cliNoCert = await execa(
      cli,
      [
        'workflow',
        'list',
        '--namespace',
        'desgw',
        '--address',
        address,
        '--tls-ca-path',
        join(tls, 'ca.pem'),
        '--tls-server-name',
        'localhost',
      ],
      { env: cleanEnv({}), extendEnv: false, reject: false },
    );
    assert.notEqual(cliNoCert.exitCode, 0);
    console.log(`temporal workflow list without a client certificate: ${cliNoCert.stderr.trim().split('\n')[0]}`);
    const cliWithCert = await execa(cli, ['workflow', 'list', '--namespace', 'desgw'], {
      env: clientEnv,
      extendEnv: false,
      reject: false,
    });
    assert.equal(cliWithCert.exitCode, 0, cliWithCert.stderr);
  });
});
