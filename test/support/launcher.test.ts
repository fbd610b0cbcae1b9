/** The process launcher: real tools started from its small process, output in their files, groups killed when it dies. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { launch, launcherPid } from '../../activities/support/launcher.js';
import { runLogged } from '../../activities/support/run-logged.js';
import { processAlive } from '../helpers/harness.js';

const PATH = process.env.PATH ?? '/usr/bin:/bin';

test('a tool runs from the launcher, not the worker, in a group of its own, stdout and stderr in its .out file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'launcher-'));
  const outFile = join(dir, 'tool.out');
  const t = await launch({
    file: 'bash',
    args: ['-c', 'echo "$PPID $(ps -o pgid= $$) $X"; echo oops >&2; exit 3'],
    cwd: dir,
    env: { PATH, X: 'a b' },
    outFile,
  });
  assert.equal((await t.exited).exitCode, 3);
  const [ppid, pgid, ...x] = (await readFile(outFile, 'utf8')).split('\n')[0]!.trim().split(/\s+/);
  assert.equal(Number(ppid), launcherPid());
  assert.notEqual(Number(ppid), process.pid);
  assert.equal(Number(pgid), t.pid, 'its own process group');
  assert.deepEqual(x, ['a', 'b'], 'only the environment given');
  assert.equal((await readFile(outFile, 'utf8')).split('\n')[1], 'oops');
});

test('a tool that cannot start says why, with no process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'launcher-'));
  const t = await launch({
    file: join(dir, 'missing.sh'),
    args: [],
    cwd: dir,
    env: { PATH },
    outFile: join(dir, 'x.out'),
  });
  assert.equal(t.pid, undefined);
  assert.match((await t.exited).error ?? '', /ENOENT/);
  const r = await runLogged({
    file: join(dir, 'missing.sh'),
    args: [],
    cwd: dir,
    env: { PATH },
    outFile: join(dir, 'y.out'),
    pidFile: join(dir, '.y.pid'),
    timeoutS: 10,
    heartbeatEveryS: 1,
    label: 'missing',
  });
  assert.equal(r.exitCode, undefined);
  assert.match(r.output, /ENOENT/, 'runLogged reports it in the output the activities classify');
});

test('when the launcher dies, the tools it waited for are killed and reported, and the next launch starts a new one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'launcher-'));
  const t = await launch({
    file: 'bash',
    args: ['-c', 'sleep 30 & wait'],
    cwd: dir,
    env: { PATH },
    outFile: join(dir, 'sleep.out'),
  });
  const first = launcherPid()!;
  process.kill(first, 'SIGKILL');
  assert.match((await t.exited).error ?? '', /launcher exited/);
  for (let i = 0; i < 50 && processAlive(t.pid!); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(processAlive(t.pid!), false, 'the tool was killed with its launcher');
  const again = await launch({ file: 'true', args: [], cwd: dir, env: { PATH }, outFile: join(dir, 'true.out') });
  assert.equal((await again.exited).exitCode, 0);
  assert.notEqual(launcherPid(), first);
});
