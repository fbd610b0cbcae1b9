import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import {
  desServicesProblem,
  postprocShell,
  PYTHON_CHECK_FAILED,
  PYTHON_CHECK_SCRIPT,
  python2IniValue,
  readPythonCheck,
} from '../../activities/support/postproc-environment.js';
import { loadWorkerConfig } from '../../workers/config.js';

test("an ini value as Python 2's ConfigParser reads it: cut at the first ';' that follows a space", () => {
  const table: [string, string][] = [
    ['i ; # all for every band', 'i'],
    ['destest', 'destest'],
    ['/data/x.list ;', '/data/x.list'],
    ['a;b ;c', 'a;b ;c'],
    ['x # not a comment', 'x # not a comment'],
    ['first ; cut\nsecond ; kept', 'first\nsecond ; kept'],
  ];
  for (const [raw, read] of table) assert.equal(python2IniValue(raw), read, raw);
});

test('the python check reads its own verdict line and names only modules it asked for', () => {
  const out = [
    'EUPS setup complete',
    'desgw: python is /cvmfs/des/eeups/python/bin/python, Python 2.7.15',
    'desgw-check: python-missing easyaccess rm-rf psycopg2',
  ].join('\n');
  const c = readPythonCheck(out);
  assert.deepEqual(c.missing, ['easyaccess', 'psycopg2']);
  assert.equal(c.version, 'Python 2.7.15');
  assert.equal(
    c.problem,
    'the python on PATH after sourcing diffimg_setup.sh (/cvmfs/des/eeups/python/bin/python, Python 2.7.15) cannot import easyaccess, psycopg2',
  );
  assert.match(
    readPythonCheck('desgw-check: no-python').problem!,
    /^no python on PATH after sourcing diffimg_setup\.sh/,
  );
  assert.match(
    readPythonCheck('desgw-check: python-missing ConfigParser').problem!,
    /ConfigParser is Python 2: is that python 3\?/,
  );
  assert.equal(readPythonCheck('desgw: python is /usr/bin/python, Python 2.7.18\n').problem, null);
});

test('the python check in bash: passes with a python importing the five modules, fails naming the module otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'desgw-pycheck-'));
  try {
    // A python on PATH that is Python 3 without the eups modules: ConfigParser and the rest missing.
    await writeFile(join(dir, 'python'), '#!/bin/sh\nexec python3 "$@"\n', { mode: 0o755 });
    const r = await execa('bash', ['-c', `set -u\n${PYTHON_CHECK_SCRIPT}echo passed`], {
      env: { PATH: `${dir}:${process.env.PATH}` },
      reject: false,
    });
    assert.equal(r.exitCode, PYTHON_CHECK_FAILED);
    const c = readPythonCheck(r.stdout);
    assert.ok(c.missing.includes('ConfigParser') && c.missing.includes('easyaccess'), r.stdout);
    assert.match(c.version ?? '', /^Python 3\./);
    // Stand-in modules on its path: it passes.
    for (const m of ['ConfigParser', 'joblib', 'fitsio', 'easyaccess', 'psycopg2'])
      await writeFile(join(dir, `${m}.py`), '');
    const ok = await execa('bash', ['-c', `set -u\n${PYTHON_CHECK_SCRIPT}echo passed`], {
      env: { PATH: `${dir}:${process.env.PATH}`, PYTHONPATH: dir },
      reject: false,
    });
    assert.equal(ok.exitCode, 0, ok.stdout);
    assert.match(ok.stdout, /passed$/);
    const none = await execa('/bin/bash', ['-c', `${PYTHON_CHECK_SCRIPT}echo passed`], {
      env: { PATH: '/nonexistent' },
      extendEnv: false,
      reject: false,
    });
    assert.equal(none.exitCode, PYTHON_CHECK_FAILED);
    assert.match(readPythonCheck(none.stdout).problem ?? '', /^no python on PATH/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the wrapper runs the whole shell: the wrapper, then bash -c SCRIPT and its arguments', () => {
  assert.deepEqual(postprocShell({ postprocWrapper: null }, 'S', ['a', 'b']), ['bash', '-c', 'S', 'a', 'b']);
  assert.deepEqual(postprocShell({ postprocWrapper: '/opt/sl7/run' }, 'S', ['a']), [
    '/opt/sl7/run',
    'bash',
    '-c',
    'S',
    'a',
  ]);
});

test("~/.desservices.ini: the ini's db section with easyaccess's keys, and never a word of the file in what is said", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'desgw-desservices-'));
  const file = join(dir, '.desservices.ini');
  try {
    await writeFile(file, '[db-dessci]\nuser = u\npasswd = hunter2;x\nserver = s\nport = 1521\nname = dessci\n');
    const absent = await desServicesProblem(file, 'destest');
    assert.equal(absent, `${file} has no [db-destest] section: postproc.ini's [general] db is destest`);
    await writeFile(file, '[db-destest]\nuser = u\npasswd = hunter2;x\nserver =\nname = destest\n');
    const lacking = await desServicesProblem(file, 'destest');
    assert.equal(lacking, `${file} [db-destest] lacks server, port`);
    assert.doesNotMatch(lacking!, /hunter2/);
    await writeFile(file, '[db-destest]\nuser = u\npasswd = hunter2;x\nserver = s\nport = 1521\nname = destest\n');
    assert.equal(await desServicesProblem(file, 'destest'), null);
    await writeFile(file, 'passwd = hunter2\n');
    assert.doesNotMatch((await desServicesProblem(file, 'destest'))!, /hunter2/);
    assert.match((await desServicesProblem(join(dir, 'none.ini'), 'destest'))!, /is unreadable \(ENOENT\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('DESGW_POSTPROC_WRAPPER is an absolute path from the worker settings, else the worker refuses to start', () => {
  assert.equal(loadWorkerConfig({}).postprocWrapper, null);
  assert.equal(
    loadWorkerConfig({ DESGW_POSTPROC_WRAPPER: '/opt/desgw//sl7-run' }).postprocWrapper,
    '/opt/desgw/sl7-run',
  );
  assert.throws(
    () => loadWorkerConfig({ DESGW_POSTPROC_WRAPPER: 'sl7-run' }),
    /^Error: DESGW_POSTPROC_WRAPPER must be an absolute path, not 'sl7-run'$/,
  );
});

test('DESGW_POSTPROC_LOCK is an absolute path from the worker settings, by default one every worker of the machine finds (/tmp/desgw-postproc.lock)', () => {
  assert.equal(loadWorkerConfig({}).postprocLock, '/tmp/desgw-postproc.lock');
  assert.equal(
    loadWorkerConfig({ DESGW_POSTPROC_LOCK: '/var/lock//desgw-postproc.lock' }).postprocLock,
    '/var/lock/desgw-postproc.lock',
  );
  assert.throws(
    () => loadWorkerConfig({ DESGW_POSTPROC_LOCK: 'desgw.lock' }),
    /^Error: DESGW_POSTPROC_LOCK must be an absolute path, not 'desgw.lock'$/,
  );
});
