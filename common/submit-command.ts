/**
 * Which command submits an exposure's DAG. By default the one DAGMaker recommends in
 * `mytemp_EXPNUM/DAGMaker.DONE` (with `--role=desgw` and `--need-storage-modify`, which jobsub_lite
 * honours only on the command line); a configured command when the site says so; else the legacy one.
 * The result is a program and its arguments: no shell ever reads it.
 */

export const LEGACY_SUBMIT = ['jobsub_submit_dag', '-G', 'des', '--role=DESGW'];
const PLAIN_WORD = /^[A-Za-z0-9_=/.:,@+%-]+$/;

export interface SubmitCommand {
  file: string;
  args: string[];
  /** Where it came from, for the record. */
  from: 'configured' | 'DAGMaker.DONE' | 'legacy';
}

export function submitCommandFor(
  expnum: number,
  configured: string[] | null,
  recommended: string | undefined,
): SubmitCommand {
  const dag = `file://desgw_pipeline_${expnum}.dag`;
  if (configured && configured.length > 0)
    return { file: configured[0]!, args: [...configured.slice(1), dag], from: 'configured' };
  const words = recommendedWords(recommended, expnum);
  if (words) return { file: words[0]!, args: words.slice(1), from: 'DAGMaker.DONE' };
  return { file: LEGACY_SUBMIT[0]!, args: [...LEGACY_SUBMIT.slice(1), dag], from: 'legacy' };
}

/** DAGMaker's recommendation as words, if it is a plain jobsub_submit_dag command for this exposure's DAG. */
function recommendedWords(text: string | undefined, expnum: number): string[] | null {
  const line = (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /(^|\/)jobsub_submit_dag\s/.test(l));
  if (!line) return null;
  const words = line.split(/\s+/);
  if (!words.every((w) => PLAIN_WORD.test(w))) return null;
  if (words[words.length - 1] !== `file://desgw_pipeline_${expnum}.dag`) return null;
  return words;
}
