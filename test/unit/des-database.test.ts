/**
 * The production season source without a database (none can run here): the credentials file as
 * easyaccess writes it, the query text, the mapping of a recorded result set, error classification.
 * The contract test against a real Oracle runs only where DESGW_DB_TEST_DSN is set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { CredentialsError, loadDesDbCredentials, parseDesServices } from '../../activities/support/des-credentials.js';
import {
  OracleSeasonSource,
  SEASONS_SQL,
  SEASON_TABLES,
  classifyOracleError,
  seasonsFromRows,
  type SeasonQueryConnection,
} from '../../activities/support/oracle-season-source.js';

const INI = `; easyaccess configuration
[easyaccess]
prefetch = 30000

[db-desoper]
user = jdoe
passwd = other-secret
name = desoper
server = desdb.ncsa.illinois.edu
port = 1521

[db-dessci]
user = jdoe
passwd = s3cr3t;with=odd#chars
name = dessci
server = desdb.ncsa.illinois.edu
port = 1521
`;

test('desservices.ini: the [db-dessci] section, whatever else the file holds', () => {
  const c = parseDesServices(INI, '~/.desservices.ini');
  assert.equal(c.user, 'jdoe');
  assert.equal(c.password, 's3cr3t;with=odd#chars', 'inline ; and # belong to the value, as in configparser');
  assert.equal(c.connectString, 'desdb.ncsa.illinois.edu:1521/dessci');
  assert.equal(c.source, '~/.desservices.ini [db-dessci]');
});

test('desservices.ini: a missing section or key is named', () => {
  assert.throws(
    () => parseDesServices(INI.replace('[db-dessci]', '[db-dessci-old]'), 'f.ini'),
    /f\.ini has no \[db-dessci\] section \(it has \[easyaccess\], \[db-desoper\], \[db-dessci-old\]\)/,
  );
  assert.throws(
    () => parseDesServices(INI.replace(/passwd = s3cr3t.*\n/, '').replace(/^port = 1521\n$/m, ''), 'f.ini'),
    (err: unknown) => err instanceof CredentialsError && /f\.ini \[db-dessci\] lacks passwd/.test(err.message),
  );
  assert.throws(
    () => parseDesServices(INI.replace(/port = 1521\n$/, 'port = dessci\n'), 'f.ini'),
    /port 'dessci' is not a number/,
  );
});

test('credentials: all DESGW_DB_* variables, or none', async () => {
  const env = {
    DESGW_DB_USER: 'u',
    DESGW_DB_PASSWORD: 'p',
    DESGW_DB_SERVER: 'h',
    DESGW_DB_PORT: '1521',
    DESGW_DB_NAME: 'dessci',
  };
  assert.equal((await loadDesDbCredentials(env, '/nonexistent')).connectString, 'h:1521/dessci');
  await assert.rejects(
    loadDesDbCredentials({ DESGW_DB_USER: 'u' }, '/nonexistent'),
    /set all of .* or none \(missing DESGW_DB_PASSWORD/,
  );
  await assert.rejects(
    loadDesDbCredentials({}, '/nonexistent'),
    /\/nonexistent\/\.desservices\.ini is unreadable \(ENOENT\)/,
  );
});

test('the query is the union of distinct seasons over the ten MARCELLE tables', () => {
  assert.equal(SEASON_TABLES.length, 10);
  for (const t of SEASON_TABLES)
    assert.match(SEASONS_SQL, new RegExp(`SELECT DISTINCT season FROM marcelle\\.${t.toLowerCase()}(\\n|$)`));
  assert.equal(SEASONS_SQL.split('\nUNION\n').length, 10);
});

test('a recorded result set maps to distinct seasons, NULLs skipped', async () => {
  // As oracledb returns it with OUT_FORMAT_OBJECT (NUMBER columns come back as numbers).
  const recorded = [
    { SEASON: 1550 },
    { SEASON: 2206 },
    { SEASON: null },
    { SEASON: 11 },
    { SEASON: 1550 },
    { SEASON: '612' },
  ];
  assert.deepEqual(seasonsFromRows(recorded), [11, 612, 1550, 2206]);
  const calls: string[] = [];
  let closed = false;
  const connection: SeasonQueryConnection = {
    execute: async <T>(sql: string) => {
      calls.push(sql);
      return { rows: recorded as T[] };
    },
    close: async () => {
      closed = true;
    },
  };
  const seen: string[] = [];
  const source = new OracleSeasonSource(
    async () => ({ user: 'jdoe', password: 'pw', connectString: 'h:1521/dessci', source: 'test' }),
    async (c) => {
      seen.push(`${c.user}@${c.connectString} timeout ${c.connectTimeout}`);
      return connection;
    },
  );
  assert.deepEqual(await source.usedSeasons(), [11, 612, 1550, 2206]);
  assert.deepEqual(calls, [SEASONS_SQL]);
  assert.deepEqual(seen, ['jdoe@h:1521/dessci timeout 20']);
  assert.equal(closed, true, 'the connection is closed');
});

test('Oracle errors: credentials and missing tables fail at once; the network is retried; the connection is closed', async () => {
  const bad = classifyOracleError(new Error('ORA-01017: invalid username/password; logon denied'));
  assert.ok(bad instanceof ApplicationFailure && bad.nonRetryable && bad.type === 'DatabaseCredentials');
  const table = classifyOracleError(new Error('ORA-00942: table or view does not exist'));
  assert.ok(table instanceof ApplicationFailure && table.nonRetryable && table.type === 'DatabaseSchema');
  for (const m of [
    'ORA-12170: TNS:Connect timeout occurred',
    'ORA-12541: TNS:no listener',
    'NJS-503: connection to host h port 1521 could not be established',
  ]) {
    const e = classifyOracleError(new Error(m));
    assert.ok(e instanceof ApplicationFailure && !e.nonRetryable, m);
  }
  let closed = false;
  const failing = new OracleSeasonSource(
    async () => ({ user: 'u', password: 'p', connectString: 'h:1/x', source: 't' }),
    async () => ({
      execute: async () => Promise.reject(new Error('ORA-00942: table or view does not exist')),
      close: async () => void (closed = true),
    }),
  );
  await assert.rejects(failing.usedSeasons(), /ORA-00942/);
  assert.equal(closed, true);
});

test(
  'contract: the seasons of a real Oracle database',
  {
    skip: process.env.DESGW_DB_TEST_DSN
      ? false
      : 'DESGW_DB_TEST_DSN is not set (no Oracle database can run on these machines)',
  },
  async () => {
    // DESGW_DB_TEST_DSN=user/password@host:port/service, e.g. a dessci reader at Fermilab.
    const m = /^([^/]+)\/([^@]+)@(.+)$/.exec(process.env.DESGW_DB_TEST_DSN!)!;
    const source = new OracleSeasonSource(async () => ({
      user: m[1]!,
      password: m[2]!,
      connectString: m[3]!,
      source: 'DESGW_DB_TEST_DSN',
    }));
    const seasons = await source.usedSeasons();
    assert.ok(seasons.length > 0);
    assert.ok(seasons.every((s) => Number.isInteger(s)));
  },
);
