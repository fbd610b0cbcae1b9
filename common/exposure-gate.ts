/**
 * What the exposure verdicts (≥ minCompleteCcds complete CCDs, forced photometry accepted) decide,
 * said as it is. They choose the exposure list run_postproc.py is given, and that list feeds only its
 * master list, checkoutputs, truth table, plots and the pages' HEX column: forced photometry, light
 * curves and host matching are season-wide (the links script links every exposure of the season,
 * forcePhoto_master.pl works from the season's candidates, makeDataFiles reads every SNID of the
 * season from SNCAND). So a left-out exposure's detections still reach the candidate pages; leaving
 * it out changes the master list and the HEX column, and can empty the plots. run_postproc.py itself
 * drops only exposures without a dp<SEASON> directory, which DAGMaker makes before any job runs, so
 * every submitted exposure would have been on its master list. Pure: usable in workflow code.
 */

/** The sentence the README and the result use for what the verdicts do. */
export const EXPOSURE_GATE_SCOPE =
  "the verdicts choose run_postproc.py's exposure list, which feeds its master list, checkoutputs, truth table, plots and the HEX column; forced photometry, light curves and host matching are season-wide, so a left-out exposure's detections still reach the candidate pages";

/** A warning naming the left-out exposures and what leaving them out changes; null when none was. */
export function leftOutWarning(season: number, leftOut: readonly { expnum: number }[]): string | null {
  if (leftOut.length === 0) return null;
  const many = leftOut.length > 1;
  const shown = leftOut.slice(0, 20).map((l) => l.expnum);
  const names = `${shown.join(', ')}${leftOut.length > shown.length ? ` and ${leftOut.length - shown.length} more` : ''}`;
  return (
    `exposure${many ? 's' : ''} ${names} ${many ? 'are' : 'is'} left out of the list: run_postproc.py's master list and the HEX column lack ${many ? 'them' : 'it'} ` +
    `(the plots may then have none of ${many ? 'their' : 'its'} candidates), but ${many ? 'their' : 'its'} detections in season ${season}'s database ` +
    'still reach the candidate pages: forced photometry, light curves and host matching are season-wide'
  );
}
