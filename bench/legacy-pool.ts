/**
 * The legacy automation, rebuilt for comparison: five workers pulling exposures from a queue, each
 * running DAGMaker then the submission in the gw_workflow directory itself, with the legacy 0.5 s
 * pause after each exposure. No durability, no retries.
 */
import { execa } from 'execa';
import type { Site } from '../test/helpers/harness.js';

export async function legacyPool(
  site: Site,
  expnums: number[],
  slots: number,
): Promise<{ makespanS: number; clobbers: number; exposures: number }> {
  const envText = (
    await execa('bash', ['-c', 'source ./setup_img_proc.sh >/dev/null 2>&1 && env -0'], { cwd: site.gwDir })
  ).stdout;
  const env = Object.fromEntries(
    envText
      .split('\0')
      .filter((e) => e.includes('='))
      .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  const queue = [...expnums];
  const t0 = Date.now();
  const worker = async () => {
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
      await execa('./DAGMaker.sh', [String(e)], { cwd: site.gwDir, env, extendEnv: false, reject: false });
      await execa('jobsub_submit_dag', ['-G', 'des', '--role=DESGW', `file://desgw_pipeline_${e}.dag`], {
        cwd: site.gwDir,
        env,
        extendEnv: false,
        reject: false,
      });
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  await Promise.all(Array.from({ length: slots }, worker));
  const makespanS = (Date.now() - t0) / 1000;
  const clobbers = (await site.ledger()).filter((e) => e.event === 'clobber').length;
  return { makespanS, clobbers, exposures: expnums.length };
}
