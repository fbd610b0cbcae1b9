/**
 * Where the grid writes an exposure's results under the pnfs root (DESGW_PNFS_ROOT, default
 * `/pnfs/des/persistent/gw`): each CCD's in `exp/<NITE>/<EXPNUM>/dp<SEASON>/<BAND>_<CC>/`, the DAG's
 * last word in `exp/<NITE>/<EXPNUM>/dp<SEASON>/RUNEND_monDiffimg.LOG`, forced photometry in
 * `forcephoto/images/dp<SEASON>/<NITE>/<EXPNUM>/`.
 */
import { join } from 'node:path';

interface Where {
  expnum: number;
  nite: string;
}

export function expDir(root: string, season: number, e: Where): string {
  return join(root, 'exp', e.nite, String(e.expnum), `dp${season}`);
}

export function runEndFile(root: string, season: number, e: Where): string {
  return join(expDir(root, season, e), 'RUNEND_monDiffimg.LOG');
}

export function forcephotoDir(root: string, season: number, e: Where): string {
  return join(root, 'forcephoto', 'images', `dp${season}`, e.nite, String(e.expnum));
}
