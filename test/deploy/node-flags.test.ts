/** Every way of starting a worker process gives it the same Node flags (workers/node-flags.ts). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../workers/config.js';
import { WORKER_NODE_FLAGS } from '../../workers/node-flags.js';

const read = (f: string) => readFile(join(REPO_ROOT, f), 'utf8');

test('package.json, the Dockerfile and the systemd unit start the worker with WORKER_NODE_FLAGS, and the Makefile through package.json', async () => {
  const flags = WORKER_NODE_FLAGS.join(' ');
  assert.equal(/^worker:.*\n\t(.*)$/m.exec(await read('Makefile'))?.[1], 'npm run worker');
  const starts = {
    'package.json': (JSON.parse(await read('package.json')) as { scripts: Record<string, string> }).scripts.worker!,
    Dockerfile: (JSON.parse(/^CMD (.*)$/m.exec(await read('Dockerfile'))![1]!) as string[]).join(' '),
    'deploy/desgw-worker.service': /^ExecStart=\/usr\/bin\/env (.*)$/m.exec(await read('deploy/desgw-worker.service'))?.[1],
  };
  for (const [file, command] of Object.entries(starts)) {
    assert.ok(command, `${file}: no worker command found`);
    assert.match(command, new RegExp(`^node ${flags.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')} \\S*dist/workers/main\\.js$`), `${file} starts the worker as: ${command}`);
  }
});
