/** Synthetic exposures for benchmarks: rows appended to a sandbox site's exposures.list. */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';

const BANDS = ['g', 'r', 'i', 'z'];

/** Appends `n` exposures numbered from `first` (NITE 20240511, far from any template) and returns their numbers. */
export async function addSyntheticExposures(gwDir: string, first: number, n: number): Promise<number[]> {
  const rows: string[] = [];
  const expnums: number[] = [];
  for (let i = 0; i < n; i++) {
    const expnum = first + i;
    const ra = (200 + (i % 360) * 0.37).toFixed(4);
    const dec = (-60 + ((i * 7) % 50) * 0.3).toFixed(4);
    rows.push(
      `${expnum} 20240511 60441.${String(1000 + i).padStart(4, '0')} ${ra} ${dec} ${BANDS[i % 4]} 90.0 2024A-0610 object 0.75 DESGW: LIGO event S240511i: ${i + 1} of ${n}`,
    );
    expnums.push(expnum);
  }
  await appendFile(join(gwDir, 'exposures.list'), rows.join('\n') + '\n');
  return expnums;
}

/** A seeded PRNG (mulberry32): the same seed draws the same durations on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The makespan of list scheduling in the given order on `slots` identical slots (a zero-overhead sliding window). */
export function listScheduling(durations: number[], slots: number): number {
  const free = Array.from({ length: slots }, () => 0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += d;
  }
  return Math.max(...free);
}
