/**
 * A worker in its own process, started as in production (WORKER_NODE_FLAGS), whose peak memory can
 * be read from /proc. BENCH_WORKER_NODE_ARGS adds Node options after those, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it, or `--max-old-space-size=4096
 * --max-semi-space-size=16` for Node's own heap sizes (the last of a flag given twice wins).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../workers/config.js';
import { WORKER_NODE_FLAGS } from '../workers/node-flags.js';
import type { Site } from '../test/helpers/harness.js';

export async function spawnWorker(site: Site, address: string, extraEnv: Record<string, string> = {}) {
  const extra = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const p = execa('node', [...WORKER_NODE_FLAGS, ...extra, join(REPO_ROOT, 'dist', 'workers', 'main.js')], {
    env: {
      TEMPORAL_ADDRESS: address,
      DESGW_GW_WORKFLOW_DIR: site.gwDir,
      DESGW_LOCAL_SEASONS_FILE: join(site.root, 'des_seasons_used.txt'),
      // As the desgw account runs it: DAGMaker.sh, no per-step proxy check.
      DESGW_DAGMAKER_SCRIPT: 'DAGMaker.sh',
      DESGW_CHECK_PROXY: '0',
      ...extraEnv,
    },
    reject: false,
    all: true,
  });
  let output = '';
  p.all?.on('data', (c: Buffer) => (output += c.toString()));
  // Ready once it says so (the bundle takes a few seconds).
  for (let i = 0; !output.includes('desgw worker on'); i++) {
    if (i > 600 || p.exitCode !== null) throw new Error(`worker did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const peakMb = async (pid: number) =>
    Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
  return {
    pid: p.pid!,
    /** The worker's peak resident memory. */
    peakRssMb: () => peakMb(p.pid!),
    /** Its process launcher (activities/launcher-process.ts), once started: pid and peak resident memory. */
    async launcher(): Promise<{ pid: number; peakRssMb: number } | undefined> {
      const children = (await execa('pgrep', ['-P', String(p.pid)], { reject: false })).stdout
        .split('\n')
        .filter(Boolean)
        .map(Number);
      for (const pid of children) {
        if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('launcher-process'))
          return { pid, peakRssMb: await peakMb(pid) };
      }
      return undefined;
    },
    async stop(): Promise<void> {
      p.kill('SIGTERM');
      await p;
    },
  };
}
