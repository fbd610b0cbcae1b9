/**
 * `waitForRawImages`: which exposures' raw images have reached Fermilab, DAGMaker's search image.
 * A row in SISPI's table comes before its image (DTS copies it over minutes), and DAGMaker without
 * it still exits 0 with a DAG whose jobs cannot find their input; so a campaign processes an
 * exposure only once this says its image is there. It looks at
 * `<DESGW_DTS_ROOT>/<NITE>/DECam_<8-digit EXPNUM>.fits.fz`, then in DESGW_RAW_DIRS; returns at
 * once with whatever is there, else re-checks every 250 ms, heartbeating, until some image appears
 * or maxWaitS passes. Paths are made only from validated numbers: input never chooses a directory.
 */
import { Context } from '@temporalio/activity';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerConfig } from '../common/settings.js';
import type { WaitForRawImagesInput, WaitForRawImagesResult } from './campaign-types.js';
import { invalidInput } from './support/errors.js';

const RECHECK_MS = 250;
const MAX_EXPOSURES = 5000;

/** The raw image's file name: `DECam_00941225.fits.fz`. */
export const rawImageName = (expnum: number): string => `DECam_${String(expnum).padStart(8, '0')}.fits.fz`;

/** Where an exposure's raw image may be, in the order looked at. */
export function rawImageCandidates(
  config: Pick<WorkerConfig, 'dtsRoot' | 'rawDirs'>,
  expnum: number,
  nite: string,
): string[] {
  const name = rawImageName(expnum);
  return [
    join(config.dtsRoot, nite, name),
    ...config.rawDirs.map((d) =>
      d.includes('{nite}') ? join(d.replaceAll('{nite}', nite), name) : join(d, nite, name),
    ),
  ];
}

export async function waitForRawImagesWith(
  config: Pick<WorkerConfig, 'dtsRoot' | 'rawDirs'>,
  input: WaitForRawImagesInput,
): Promise<WaitForRawImagesResult> {
  checkInput(input);
  if (input.exposures.length === 0) return { present: [] };
  const ctx = Context.current();
  const deadline = Date.now() + input.maxWaitS * 1000;
  const candidates = input.exposures.map((e) => ({
    expnum: e.expnum,
    paths: rawImageCandidates(config, e.expnum, e.nite),
  }));
  for (let checks = 1; ; checks++) {
    const found = await Promise.all(
      candidates.map(async (c) => ({ expnum: c.expnum, path: await firstFile(c.paths) })),
    );
    const seenAt = new Date().toISOString();
    const present = found.flatMap((f) => (f.path === null ? [] : [{ expnum: f.expnum, path: f.path, seenAt }]));
    if (present.length > 0 || Date.now() >= deadline) return { present };
    ctx.heartbeat({ checks, waitingFor: candidates.length });
    await ctx.sleep(Math.min(RECHECK_MS, Math.max(0, deadline - Date.now())));
  }
}

/** The first of `paths` that is a regular file, or null. */
async function firstFile(paths: string[]): Promise<string | null> {
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (s?.isFile()) return p;
  }
  return null;
}

function checkInput(input: WaitForRawImagesInput): void {
  const problems: string[] = [];
  if (!Array.isArray(input.exposures) || input.exposures.length > MAX_EXPOSURES)
    problems.push(`exposures must be a list of at most ${MAX_EXPOSURES} {expnum, nite}`);
  else
    input.exposures.forEach((e, i) => {
      if (!Number.isSafeInteger(e?.expnum) || e.expnum <= 0 || e.expnum > 99_999_999)
        problems.push(`exposures[${i}].expnum is not an exposure number (a positive integer of at most 8 digits)`);
      if (typeof e?.nite !== 'string' || !/^\d{8}$/.test(e.nite))
        problems.push(`exposures[${i}].nite is not a NITE (8 digits, YYYYMMDD)`);
    });
  if (typeof input.maxWaitS !== 'number' || !(input.maxWaitS >= 0 && input.maxWaitS <= 86400))
    problems.push('maxWaitS must be a number of seconds between 0 and 86400');
  if (problems.length > 0) throw invalidInput(problems.slice(0, 10));
}
