/**
 * A big night for the payload checks (test/unit/payloads.test.ts, bench/payloads.ts): 5,000
 * exposures (MAX_EXPOSURES_PER_RUN), each with a job id, a submission time and both of DAGMaker's
 * no-template warnings, whose every CCD failed at a step of its own, so that each verdict's reason
 * runs to kilobytes. The grid's results are a stand-in /pnfs (`PnfsFs`) answering from the names it
 * would hold: judging 300,000 listings of a real tree would take minutes of the unit tier.
 */
import type { PostExposure, ResolvedPostProcessing } from '../../activities/post-processing-types.js';
import type { PnfsFs } from '../../activities/support/pnfs-reads.js';
import { MAX_EXPOSURES_PER_RUN } from '../../common/contract.js';
import { DAGMAKER_WARNINGS } from '../../common/dagmaker-warnings.js';
import { DECAM_CCDS } from '../../common/decam-ccds.js';
import { forcephotoFileNames } from '../../common/forcephoto-verdict.js';

export const BIG_NIGHT_SEASON = 1550;
const NITE = '20240512';
const FIRST = 1297759;

export function bigNight(n = MAX_EXPOSURES_PER_RUN, outputDir = '/tmp/desgw-big-night'): ResolvedPostProcessing {
  const exposures = Array.from({ length: n }, (_, i): PostExposure => ({
    expnum: FIRST + i,
    band: 'griz'[i % 4]!,
    nite: NITE,
    jobId: `${48213001 + i}.0@jobsub0${1 + (i % 3)}.fnal.gov`,
    warnings: [DAGMAKER_WARNINGS.noTemplateImages, DAGMAKER_WARNINGS.noTemplates],
    submittedAt: new Date(Date.UTC(2024, 4, 12, 3, 0, 0) + i * 90_000).toISOString(),
  }));
  return {
    season: BIG_NIGHT_SEASON,
    exposures,
    bands: ['g', 'r', 'i', 'z'],
    trigger: { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' },
    postProcessingDir: '/data/des/Post-Processing',
    outputDir,
    pnfsRoot: '/pnfs/des/persistent/gw',
    minCompleteCcds: 50,
    gridDeadlineHours: 12,
    skipTo: null,
    envFile: '/data/des/desgw_runs/desgw-season-1550/environment.json',
    pollS: 60,
    jobsubQEveryS: 60,
  };
}

/**
 * The grid's results of a big night: in each CCD directory a tarball and a FAIL of a step named for
 * the CCD (so 59 distinct steps an exposure: a long reason), no forced photometry; the exposures in
 * `passing` have clean CCDs and their forced photometry. `delayMs` makes each read take that long.
 */
export function bigNightPnfs(
  passing: ReadonlySet<number> = new Set(),
  delayMs = 0,
): PnfsFs & { reads: number; listings: number } {
  const fs = {
    /** Every read: listings, and the stats of each file when a DAG's submission time is known. */
    reads: 0,
    listings: 0,
    async list(dir: string): Promise<string[]> {
      fs.reads++;
      fs.listings++;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const parts = dir.split('/');
      const forcephoto = parts.includes('forcephoto');
      const expnum = Number(forcephoto ? parts.at(-1) : parts.at(-3));
      const ok = passing.has(expnum);
      if (forcephoto) return ok ? forcephotoNames(expnum) : [];
      const [band, cc] = parts.at(-1)!.split('_');
      const tarball = `outputs_dp${BIG_NIGHT_SEASON}_${NITE}_${expnum}_${band}_${cc}.tar.gz`;
      return ok ? [tarball] : [tarball, `RUN${cc}_expose_makeWeight_and_combine_ccd_${cc}_of_exposure.FAIL`];
    },
    async mtime(): Promise<number | null> {
      fs.reads++;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return null;
    },
  };
  return fs;
}

/** A passing exposure's forced photometry: a .fits and a .psf per CCD. */
function forcephotoNames(expnum: number): string[] {
  const band = 'griz'[(expnum - FIRST) % 4]!;
  return DECAM_CCDS.flatMap((ccd) => {
    const { fits, psf } = forcephotoFileNames(BIG_NIGHT_SEASON, expnum, band, ccd);
    return [fits, psf];
  });
}
