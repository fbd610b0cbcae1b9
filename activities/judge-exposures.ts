/**
 * `judgeExposures`: reads each finished exposure's 59 CCD directories and its forced-photometry
 * directory (one listing each, nothing else), and judges them with common/ccd-verdict.ts and
 * common/forcephoto-verdict.ts; with the DAG's submission time, each file's time too, so an earlier
 * DAG's files are not counted. An exposure whose DAG had not finished is left out without a look.
 * An exposure that fails and that DAGMaker had warned of (no templates: diffimg will fail) says so
 * first in its reason: the failure was foretold, not the grid's doing.
 */
import { join } from 'node:path';
import { describeCcdVerdict, judgeCcds } from '../common/ccd-verdict.js';
import { reasonWithWarning } from '../common/dagmaker-warnings.js';
import { ccdDirName, DECAM_CCDS } from '../common/decam-ccds.js';
import { describeForcephotoVerdict, judgeForcephoto } from '../common/forcephoto-verdict.js';
import type { ExposureVerdict } from '../common/post-processing-contract.js';
import { listGridDir } from './support/grid-listing.js';
import { expDir, forcephotoDir } from './support/pnfs-paths.js';
import type { JudgeExposuresInput, JudgeExposuresResult } from './post-processing-types.js';

export async function judgeExposures(input: JudgeExposuresInput): Promise<JudgeExposuresResult> {
  const { season, pnfsRoot, minCompleteCcds } = input;
  let pnfsReads = 0;
  const verdicts: ExposureVerdict[] = [];
  for (const e of input.exposures) {
    const base = { expnum: e.expnum, band: e.band, nite: e.nite, finished: e.finished };
    if (e.finished === null) {
      verdicts.push({
        ...base,
        passed: false,
        reason: reasonWithWarning('its DAG had not finished on the grid', false, e.warnings),
      });
      continue;
    }
    const dir = expDir(pnfsRoot, season, e);
    const since = e.submittedAt ? Date.parse(e.submittedAt) : undefined; // older files: an earlier DAG's
    // An exposure's 59 listings at once: on dCache each is a round trip, and a night has hundreds of exposures.
    const files = await Promise.all(DECAM_CCDS.map((ccd) => listGridDir(join(dir, ccdDirName(e.band, ccd)), since)));
    const listing = Object.fromEntries(DECAM_CCDS.map((ccd, i) => [ccd, files[i]!.entries]));
    pnfsReads += files.reduce((n, f) => n + f.reads, 0);
    const ccds = judgeCcds(listing, minCompleteCcds, since);
    const photometry = await listGridDir(forcephotoDir(pnfsRoot, season, e), since);
    pnfsReads += photometry.reads;
    const fp = judgeForcephoto({
      band: e.band,
      completeCcds: ccds.complete,
      files: photometry.entries,
      submittedAtMs: since,
    });
    const passed = ccds.passed && fp.accepted;
    verdicts.push({
      ...base,
      passed,
      ccds: {
        complete: ccds.counts.complete,
        failed: ccds.counts.failed,
        incomplete: ccds.counts.incomplete,
        failSteps: ccds.failSteps.map(({ step, run, ccds: c }) => ({
          step: run === null ? step : `RUN${String(run).padStart(2, '0')}_${step}`,
          ccds: c,
        })),
      },
      forcephoto: { outcome: fp.outcome, expected: fp.expected, found: fp.found, missingCcds: fp.missingCcds },
      reason: reasonWithWarning(`${describeCcdVerdict(ccds)}; ${describeForcephotoVerdict(fp)}`, passed, e.warnings),
    });
  }
  return { verdicts, pnfsReads };
}
