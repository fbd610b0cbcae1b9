/**
 * Reading what DAGMaker and jobsub said: success, warnings, job ids, and whether a failure is worth
 * retrying. Messages and exit codes are those of the real tools (legacy-facts).
 */

export type FailureKind = 'permanent' | 'transient' | 'proxy';

export interface Classified {
  kind: FailureKind;
  /** One line for a person: what happened. */
  reason: string;
}

/** DAGMaker errors that no retry can fix (bad argument, exposure unknown, missing credentials, no search image). */
const DAGMAKER_PERMANENT: { pattern: RegExp; reason: string }[] = [
  { pattern: /Error, an exposure number must be supplied/, reason: 'DAGMaker was called without an exposure number' },
  { pattern: /Error, exposure number must be a number/, reason: 'DAGMaker refused the exposure number' },
  { pattern: /Error: (\S+) not found\./, reason: 'a credentials file DAGMaker needs is missing' },
  { pattern: /Error with setting band/, reason: 'the exposure is not in exposures.list (band unknown)' },
  { pattern: /Cannot proceed without the search image!/, reason: 'the search image is unavailable' },
];

/** Grid credentials: the VOMS proxy, and jobsub_lite's bearer token (htgettoken). A person renews them. */
const PROXY = /no valid proxy|proxy (has )?expired|Proxy not found|Proxy not valid|voms-proxy-init|certificate has expired|htgettoken|bearer token|token (has )?expired|no token/i;

export function classifyDagMakerFailure(exitCode: number | undefined, output: string): Classified {
  for (const { pattern, reason } of DAGMAKER_PERMANENT) {
    const m = pattern.exec(output);
    if (m) return { kind: 'permanent', reason: m[1] ? `${reason}: ${m[1]}` : reason };
  }
  if (PROXY.test(output)) return { kind: 'proxy', reason: 'the grid proxy is missing or expired' };
  if (exitCode === 127) return { kind: 'permanent', reason: 'DAGMaker could not run: is setup_img_proc.sh sourced?' };
  const last = lastMeaningfulLine(output);
  return { kind: 'transient', reason: `DAGMaker exited ${exitCode ?? 'abnormally'}${last ? `: ${last}` : ''}` };
}

export function classifySubmitFailure(exitCode: number | undefined, output: string): Classified {
  if (PROXY.test(output)) return { kind: 'proxy', reason: 'the grid proxy is missing or expired' };
  if (/usage|unrecognized arguments|bad dag|does not exist|No such file/i.test(output)) {
    return { kind: 'permanent', reason: `jobsub refused the DAG: ${lastMeaningfulLine(output)}` };
  }
  return { kind: 'transient', reason: `jobsub_submit_dag exited ${exitCode ?? 'abnormally'}: ${lastMeaningfulLine(output)}` };
}

/** The job id from jobsub_client (`Use job id N.0@jobsub0k.fnal.gov to retrieve output`) or jobsub_lite. */
export function parseJobId(output: string): string | null {
  const m = /Use job id (\S+) to retrieve output/.exec(output) ?? /JobsubJobId of first job: (\S+)/.exec(output);
  return m ? m[1]! : null;
}

/** DAGMaker lines worth surfacing on the exposure. */
export function dagMakerWarnings(output: string): string[] {
  const out: string[] = [];
  if (/There appear to be no templates for this exposure/.test(output)) out.push('no templates for this exposure');
  if (/NO TEMPLATE IMAGES, DIFFIMG WILL FAIL/.test(output)) out.push('NO TEMPLATE IMAGES, DIFFIMG WILL FAIL');
  return out;
}

export function lastMeaningfulLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
