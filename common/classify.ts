/**
 * Reading what DAGMaker and jobsub said: success, warnings, job ids, and what a failure means.
 * Messages and exit codes are those of the real tools (legacy-facts; jobsub_lite's own output is
 * kept as fixtures in test/fixtures/jobsub/).
 *
 * A failure is judged by the lines that failed, not by everything the tool printed: jobsub_lite
 * prints its token chatter (`Attempting to get token from https://htvaultprod.fnal.gov:8200 ...
 * succeeded`, `Storing bearer token in /tmp/bt_token_…`) on every call, successful or not, so a
 * pattern run over the whole output would take every failure for an expired credential.
 */
import { DAGMAKER_WARNINGS } from './dagmaker-warnings.js';

/**
 * - `permanent`: no retry can fix it (the exposure fails);
 * - `transient`: retried with backoff, then the exposure fails;
 * - `credential`: the proxy or token looks expired: confirm with the proxy check, then wait for a person;
 * - `outage`: jobsub or the DES database does not answer: retried, then the run waits for the site.
 */
export type FailureKind = 'permanent' | 'transient' | 'credential' | 'outage';

export interface Classified {
  kind: FailureKind;
  /** For credentials: which one looks expired. */
  credential?: 'proxy' | 'token';
  /** For outages: which service is down. */
  service?: 'jobsub' | 'database';
  /** One line for a person: what happened. */
  reason: string;
}

/**
 * Lines jobsub_lite prints whatever the outcome: htgettoken's progress (each attempt, `succeeded`
 * or `failed`: a failed first attempt is followed by another way; when all fail, htgettoken and
 * jobsub say so in lines of their own), where it stores tokens, jobsub_lite's banners and its
 * notes, and its warning that a DAG's `--need-storage-modify` is ignored (DAGMaker writes it there).
 */
const NOISE: RegExp[] = [
  /^Attempting (to get token from|kerberos auth with|OIDC authentication with) \S+( \.\.\. (succeeded|failed))?\.?$/,
  /^Storing (bearer|vault|condor) token in \S+$/,
  /^Saving credkey to \S+$/,
  /^Using (bearer token|proxy) located at \S+ to authenticate to \S+\.?$/,
  /^(=-)+=?$/,
  /^Warning at file \S+ line \d+$/,
  /^flag --need-storage-modify ignored in DAG$/,
  /^Note: tracing not available here\.?$/,
  /^Continuing without tracing\.*$/,
];

/** A line that says something went wrong (as opposed to progress chatter). */
const ERROR_LINE =
  /\berror\b|failed|failure|fatal|denied|refused|expired|exception|traceback|unavailable|cannot|can't|could not|not found|timed? ?out|\b(ORA|TNS)-\d+|\b5\d\d\b/i;

/** How many of the last meaningful lines are read beside the error lines. */
const TAIL = 4;

/** The lines a failure is judged by: the error lines and the last few lines, known noise left out. */
export function failingLines(output: string): string[] {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.some((re) => re.test(l)));
  const tailFrom = Math.max(0, lines.length - TAIL);
  return lines.filter((l, i) => i >= tailFrom || ERROR_LINE.test(l));
}

/** DAGMaker errors that no retry can fix (bad argument, exposure unknown, missing credentials, no search image). */
const DAGMAKER_PERMANENT: { pattern: RegExp; reason: string }[] = [
  { pattern: /Error, an exposure number must be supplied/, reason: 'DAGMaker was called without an exposure number' },
  { pattern: /Error, exposure number must be a number/, reason: 'DAGMaker refused the exposure number' },
  { pattern: /Error: (\S+) not found\./, reason: 'a credentials file DAGMaker needs is missing' },
  { pattern: /Error with setting band/, reason: 'the exposure is not in exposures.list (band unknown)' },
  { pattern: /Cannot proceed without the search image!/, reason: 'the search image is unavailable' },
];

/** The VOMS grid proxy is missing or expired (confirmed with voms-proxy-info before the run waits for a person). */
const PROXY =
  /no valid (grid )?proxy|proxy (has |is )?expired|Proxy not found|Proxy not valid|certificate has expired|Cigetcert failed to get proxy|Failed attempting '(cigetcert|voms-proxy-init)/i;
/** jobsub_lite's bearer token could not be had (htgettoken, Kerberos): a person runs kinit or htgettoken. */
const TOKEN =
  /htgettoken: Failure getting token|htgettoken: Kerberos initialization failed|Failed attempting 'htgettoken|Failed validating token|token with the wrong group or role|htgettoken failed|token (has |is )?expired|no (valid )?token found|kinit: /i;

/** The DES database does not answer: Oracle network errors (not bad credentials or a missing table). */
const DATABASE_OUTAGE =
  /\b(ORA-(03113|03114|03135|12150|12170|12500|12514|12516|12518|12519|12520|12521|12526|12528|12537|12541|12543|12545|12547|12560|12571)|TNS-\d+)\b|TNS:/;

/**
 * jobsub does not answer: its schedds or collector (condor_submit's and condor_q's messages), the
 * token vault answering 5xx, the network.
 */
const JOBSUB_OUTAGE =
  /Can't find address of schedd|Failed to connect to queue manager|Failed to fetch ads from|SECMAN:\d+|No schedds satisfying|Failed communication with collector|Collector has no record|Service Unavailable|Internal Server Error|Bad Gateway|Gateway Time-?out|HTTPError: 50\d|\b50[0234] (Server )?Error|Connection refused|Connection reset|Temporary failure in name resolution|Could not resolve host|Network is unreachable|timed out/i;

/** jobsub refused this DAG or this command: submitting the same again would fail the same way. */
const SUBMIT_PERMANENT =
  /usage:|: error: |unrecognized arguments|bad dag|not currently supported|needs -G group|does not exist|No such file or directory/i;

export function classifyDagMakerFailure(exitCode: number | undefined, output: string): Classified {
  const failing = failingLines(output);
  const text = failing.join('\n');
  // DAGMaker's own known errors are decisive wherever they appear (it prints them on stdout, then exits).
  for (const { pattern, reason } of DAGMAKER_PERMANENT) {
    const m = pattern.exec(output);
    if (m) return { kind: 'permanent', reason: m[1] ? `${reason}: ${m[1]}` : reason };
  }
  const credential = credentialIn(failing);
  if (credential) return credential;
  if (exitCode === 127) return { kind: 'permanent', reason: 'DAGMaker could not run: is setup_img_proc.sh sourced?' };
  const db = DATABASE_OUTAGE.exec(text);
  if (db)
    return {
      kind: 'outage',
      service: 'database',
      reason: `the DES database did not answer: ${lineWith(failing, db[0])}`,
    };
  const last = failing[failing.length - 1] ?? '';
  return { kind: 'transient', reason: `DAGMaker exited ${exitCode ?? 'abnormally'}${last ? `: ${cut(last)}` : ''}` };
}

export function classifySubmitFailure(
  exitCode: number | undefined,
  output: string,
  tool = 'jobsub_submit_dag',
): Classified {
  const failing = failingLines(output);
  const text = failing.join('\n');
  // An outage first: a vault answering 503 makes htgettoken, then jobsub, report a token failure too.
  const down = JOBSUB_OUTAGE.exec(text);
  if (down)
    return { kind: 'outage', service: 'jobsub', reason: `jobsub did not answer: ${lineWith(failing, down[0])}` };
  const credential = credentialIn(failing, tool);
  if (credential) return credential;
  if (SUBMIT_PERMANENT.test(text))
    return { kind: 'permanent', reason: `jobsub refused the DAG: ${lineMatching(failing, SUBMIT_PERMANENT)}` };
  const last = failing[failing.length - 1] ?? '';
  return { kind: 'transient', reason: `${tool} exited ${exitCode ?? 'abnormally'}${last ? `: ${cut(last)}` : ''}` };
}

/**
 * The job id jobsub printed: `Use job id N.0@jobsub0k.fnal.gov to retrieve output` (jobsub_lite and
 * jobsub_client), or jobsub_client's `JobsubJobId of first job: …`. Its absence is the failure:
 * jobsub_lite exits 0 when condor_submit fails.
 */
export function parseJobId(output: string): string | null {
  const m = /Use job id (\S+) to retrieve output/.exec(output) ?? /JobsubJobId of first job: (\S+)/.exec(output);
  return m ? m[1]! : null;
}

/** DAGMaker lines worth surfacing on the exposure, each as a fixed text (common/dagmaker-warnings.ts). */
export function dagMakerWarnings(output: string): string[] {
  const out: string[] = [];
  if (/There appear to be no templates for this exposure/.test(output)) out.push(DAGMAKER_WARNINGS.noTemplates);
  if (/NO TEMPLATE IMAGES, DIFFIMG WILL FAIL/.test(output)) out.push(DAGMAKER_WARNINGS.noTemplateImages);
  return out;
}

/** The last line of a tool's output that is not known noise, cut to a line's length. */
export function lastMeaningfulLine(output: string): string {
  const lines = failingLines(output);
  return cut(lines[lines.length - 1] ?? '');
}

function credentialIn(failing: string[], tool?: string): Classified | null {
  for (const [credential, re] of [
    ['proxy', PROXY],
    ['token', TOKEN],
  ] as const) {
    const line = failing.find((l) => re.test(l));
    if (line) return { kind: 'credential', credential, reason: `${tool ? `${tool}: ` : ''}${cut(line)}` };
  }
  return null;
}

function lineWith(lines: string[], needle: string): string {
  return cut(lines.find((l) => l.includes(needle)) ?? needle);
}

function lineMatching(lines: string[], re: RegExp): string {
  return cut(lines.find((l) => re.test(l)) ?? lines[lines.length - 1] ?? '');
}

function cut(line: string, max = 200): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
