/**
 * The environment run_postproc.py runs in, checked before it runs rather than found wanting hours
 * in. The checkout's diffimg_setup.sh makes it, and fails quietly: it is not `set -u`-safe (eups
 * expands $DYLD_LIBRARY_PATH, $EUPS_PATH and $BASH_COMPLETION, the script $PYTHON_DIR,
 * $WCSTOOLS_DIR, $FTOOLS_DIR…, all unset in a fresh shell), so it is sourced without nounset, and
 * then only what matters is checked: SEASON is ours (the run script does that), and the `python`
 * it put on PATH (Python 2.7 on the eups stack) imports what run_postproc.py imports. A failed
 * check is one line naming the module.
 *
 * Here too: the optional wrapper of the whole post-processing shell (DESGW_POSTPROC_WRAPPER, from
 * the worker's settings, never from input: O4 ran it inside an SL7 container), and
 * `checkPostprocEnvironment`, desgw doctor's row: the same sourcing and python check, plus the
 * database section easyaccess will read and the files the run opens hours in.
 */
import { scrubbedEnvironment } from './scrubbed-env.js';
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iniGet, readIni } from '../../common/configparser.js';
import type { WorkerConfig } from '../../common/settings.js';
import { runLogged } from './run-logged.js';

/** The checkout's lock (one post-processing at a time in a checkout), and who holds it (written by the holder). */
export const CHECKOUT_LOCK = '.desgw-postproc.lock';
export const CHECKOUT_HOLDER = '.desgw-postproc.holder';
/**
 * Where a pass records its process group and its worker, in the checkout, one file per
 * post-processing: a pass a dead worker left running holds the checkout's lock, so its own retry,
 * and every worker that starts, kills it (another post-processing's pass is never touched).
 */
export function checkoutPidFile(checkoutDir: string, workflowId: string): string {
  return join(checkoutDir, `.desgw-postproc.${workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}.pid`);
}
export const CHECKOUT_PID_FILE = /^\.desgw-postproc\..+\.pid$/;
/** flock's exit code when the lock is held. */
export const CHECKOUT_BUSY = 75;

/** What run_postproc.py and the scripts it runs import, Python 2 names (ConfigParser is Python 3's configparser). */
export const POSTPROC_PYTHON_MODULES = ['ConfigParser', 'joblib', 'fitsio', 'easyaccess', 'psycopg2'] as const;

/** Files of the checkout the run opens only hours in (forced photometry, the check, the setup, the index page). */
export const FILES_OPENED_HOURS_IN = ['forcePhoto_master.pl', 'steplist.txt', 'getSeason.py', 'tableSortTest.html'];

/** The keys easyaccess needs in a database's section of ~/.desservices.ini. */
const DB_KEYS = ['user', 'passwd', 'server', 'port', 'name'];

/** The exit code of the python check in the post-processing shell. */
export const PYTHON_CHECK_FAILED = 84;

/** Python 2 and 3 alike: which of argv's modules do not import. */
const IMPORT_CHECK = [
  'import sys',
  'missing = []',
  'for name in sys.argv[1:]:',
  '    try:',
  '        __import__(name)',
  '    except Exception:',
  '        missing.append(name)',
  'sys.stdout.write("missing:" + " ".join(missing) + "\\n")',
].join('\n');

/**
 * Bash, run in the post-processing shell after `source ./diffimg_setup.sh`: names the python on
 * PATH and its version (`python -V`: Python 2 prints it on stderr), then exits PYTHON_CHECK_FAILED
 * with one `desgw-check:` line when there is none, it cannot run the check, or a module does not
 * import. Constant: nothing of any input is in its text.
 */
export const PYTHON_CHECK_SCRIPT = `desgw_python=$(command -v python) || desgw_python=''
if [[ -z $desgw_python ]]; then
    echo "desgw-check: no-python"
    exit ${PYTHON_CHECK_FAILED}
fi
echo "desgw: python is $desgw_python, $(python -V 2>&1 | head -n 1)"
desgw_missing=$(python -c '${IMPORT_CHECK}' ${POSTPROC_PYTHON_MODULES.join(' ')} 2>/dev/null | grep '^missing:' | tail -n 1)
if [[ -z $desgw_missing ]]; then
    echo "desgw-check: python-broken"
    exit ${PYTHON_CHECK_FAILED}
fi
if [[ $desgw_missing != "missing:" ]]; then
    echo "desgw-check: python-missing \${desgw_missing#missing:}"
    exit ${PYTHON_CHECK_FAILED}
fi
`;

export interface PythonCheck {
  /** The python on PATH and what `python -V` said, when it said something of that form. */
  python?: string;
  version?: string;
  /** Modules that did not import (only names of POSTPROC_PYTHON_MODULES). */
  missing: string[];
  /** One line, or null when the check passed or did not run. */
  problem: string | null;
}

/** What the python check printed in an output (its last `desgw-check:` line decides). Only known tokens are taken. */
export function readPythonCheck(output: string): PythonCheck {
  const lines = output.split(/\r?\n/);
  const about = lines
    .map((l) => /^desgw: python is (\/\S+), (Python \d+\.\d+(?:\.\d+)?[+\w.-]*)\s*$/.exec(l))
    .filter((m) => m !== null)
    .at(-1);
  const python = about?.[1];
  const version = about?.[2];
  const which = python ? ` (${python}${version ? `, ${version}` : ''})` : '';
  const verdict = lines.filter((l) => l.startsWith('desgw-check: ')).at(-1);
  const base = { ...(python ? { python } : {}), ...(version ? { version } : {}) };
  if (verdict === undefined) return { ...base, missing: [], problem: null };
  const [, kind = '', ...names] = verdict.trim().split(/\s+/);
  if (kind === 'no-python')
    return {
      ...base,
      missing: [],
      problem:
        'no python on PATH after sourcing diffimg_setup.sh (its eups setup should give Python 2.7 with ConfigParser, joblib, fitsio, easyaccess and psycopg2)',
    };
  if (kind === 'python-missing') {
    const known: readonly string[] = POSTPROC_PYTHON_MODULES;
    const missing = names.filter((n) => known.includes(n));
    return {
      ...base,
      missing,
      problem: `the python on PATH after sourcing diffimg_setup.sh${which} cannot import ${missing.length > 0 ? missing.join(', ') : 'a module run_postproc.py needs'}${missing.includes('ConfigParser') ? ' (ConfigParser is Python 2: is that python 3?)' : ''}`,
    };
  }
  return {
    ...base,
    missing: [],
    problem: `the python on PATH after sourcing diffimg_setup.sh${which} could not run an import check`,
  };
}

/**
 * The command that runs the post-processing shell: `bash -c SCRIPT ARGS…`, or, with the worker's
 * DESGW_POSTPROC_WRAPPER, the wrapper with those words as its arguments (it runs them, e.g. in a
 * container). `[file, ...args]`.
 */
export function postprocShell(config: Pick<WorkerConfig, 'postprocWrapper'>, script: string, args: string[]): string[] {
  const shell = ['bash', '-c', script, ...args];
  return config.postprocWrapper ? [config.postprocWrapper, ...shell] : shell;
}

/** The wrapper, if set, must be an executable file: said once at resolution, not hours later. */
export async function wrapperProblem(config: Pick<WorkerConfig, 'postprocWrapper'>): Promise<string | null> {
  if (!config.postprocWrapper) return null;
  const ok = await access(config.postprocWrapper, constants.X_OK).then(
    () => true,
    () => false,
  );
  return ok
    ? null
    : `DESGW_POSTPROC_WRAPPER ${config.postprocWrapper} is not an executable file (the worker's settings): post-processing cannot run`;
}

/** The files the run opens hours in that the checkout lacks (forcePhoto_master.pl must be executable: it runs as ./forcePhoto_master.pl). */
export async function missingLaterFiles(checkoutDir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const f of FILES_OPENED_HOURS_IN) {
    const mode = f.endsWith('.pl') ? constants.X_OK : constants.R_OK;
    const ok = await access(join(checkoutDir, f), mode).then(
      () => true,
      () => false,
    );
    if (!ok) missing.push(f.endsWith('.pl') ? `${f} (executable)` : f);
  }
  return missing;
}

/**
 * An ini value as Python 2.7's ConfigParser reads it (run_postproc.py's reader): the option line cut
 * at its first `;` when a space precedes it, then stripped (`db = destest ; # test db` reads `destest`).
 */
export function python2IniValue(raw: string): string {
  const nl = raw.indexOf('\n');
  let first = nl === -1 ? raw : raw.slice(0, nl);
  const rest = nl === -1 ? '' : raw.slice(nl);
  const pos = first.indexOf(';');
  if (pos > 0 && /\s/.test(first[pos - 1]!)) first = first.slice(0, pos);
  return (first.trim() + rest).trim();
}

/** Checks ~/.desservices.ini (or the file DES_SERVICES names) for the database the ini names; never echoes the file. */
export async function desServicesProblem(file: string, db: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    return new Error(err.code ?? 'unreadable');
  });
  if (text instanceof Error)
    return `${file} is unreadable (${text.message}): run_postproc.py reads database ${db} from it`;
  let doc;
  try {
    doc = readIni(text);
  } catch (err) {
    const line = (err as { line?: number }).line;
    return `${file} does not read as an ini file${line ? ` (line ${line})` : ''}`;
  }
  const section = `db-${db}`;
  if (!doc.sections.has(section)) return `${file} has no [${section}] section: postproc.ini's [general] db is ${db}`;
  const lacking = DB_KEYS.filter((k) => (iniGet(doc, section, k) ?? '').trim() === '');
  if (lacking.length > 0) return `${file} [${section}] lacks ${lacking.join(', ')}`;
  return null;
}

export interface PostprocEnvironmentCheck {
  ok: boolean;
  /** One line for desgw doctor's table: what was found, or every problem. */
  detail: string;
  problems: string[];
  python?: string;
  version?: string;
}

/** The doctor's script: source diffimg_setup.sh as the run does, say where easyaccess's file is, check python. */
const DOCTOR_SCRIPT = `set +u
# shellcheck disable=SC1091
source ./diffimg_setup.sh >/dev/null 2>&1 || { echo "desgw-check: setup-failed"; exit 81; }
echo "desgw: des-services \${DES_SERVICES:-\${HOME:-}/.desservices.ini}"
${PYTHON_CHECK_SCRIPT}`;

/**
 * desgw doctor's row for the Post-Processing environment. In the checkout, through the wrapper when
 * there is one, under `flock -n` on the checkout's lock (a post-processing running there is not
 * disturbed: then neither the environment nor easyaccess's file is checked, and it says so):
 * sources diffimg_setup.sh without nounset and checks the python on PATH imports ConfigParser,
 * joblib, fitsio, easyaccess and psycopg2; then that easyaccess's file (DES_SERVICES after the setup, else ~/.desservices.ini) has
 * the `[db-<db>]` section of postproc.ini's `[general] db`, and that the checkout holds the files
 * the run opens hours in. SEASON is not checked (it is a run's, from its ini). Sourcing it makes
 * what it makes for the seasons of the inis left in the checkout (getSeason.txt, forcephoto/
 * directories), as it does for anyone who sources it.
 */
export async function checkPostprocEnvironment(
  config: WorkerConfig,
  checkoutDir: string,
): Promise<PostprocEnvironmentCheck> {
  const problems: string[] = [];
  const found: string[] = [];
  const wrapper = await wrapperProblem(config);
  if (wrapper) problems.push(wrapper);

  const missing = await missingLaterFiles(checkoutDir);
  if (missing.length > 0) problems.push(`the checkout lacks ${missing.join(', ')}, which the run opens hours in`);

  let db: string | null = null;
  try {
    const raw = iniGet(readIni(await readFile(join(checkoutDir, 'postproc.ini'), 'utf8')), 'general', 'db');
    db = raw === undefined ? null : python2IniValue(raw);
    if (db === null || !/^[A-Za-z0-9_.-]+$/.test(db)) {
      problems.push(`postproc.ini's [general] db is ${db === null ? 'missing' : 'not a database name'}`);
      db = null;
    }
  } catch {
    problems.push('postproc.ini does not read as an ini file');
  }

  let python: PythonCheck | null = null;
  let desServices: string | null = null;
  let busy = false;
  if (!wrapper) {
    const scratch = await mkdtemp(join(tmpdir(), 'desgw-pp-env-'));
    try {
      const [file, ...args] = postprocShell(config, DOCTOR_SCRIPT, ['desgw-doctor']);
      const r = await runLogged({
        file: 'flock',
        args: ['-n', '-E', String(CHECKOUT_BUSY), join(checkoutDir, CHECKOUT_LOCK), file!, ...args],
        cwd: checkoutDir,
        env: scrubbedEnvironment(),
        outFile: join(scratch, 'environment.out'),
        pidFile: join(scratch, 'environment.pid'),
        timeoutS: config.setupTimeoutS,
        heartbeatEveryS: config.heartbeatEveryS,
        label: 'diffimg_setup.sh and python check',
      });
      if (r.exitCode === CHECKOUT_BUSY && r.killed === null) {
        busy = true;
        found.push(
          "environment not checked, nor easyaccess's file it names: a post-processing is running in the checkout",
        );
      } else if (r.killed) {
        problems.push(`sourcing diffimg_setup.sh did not end within ${config.setupTimeoutS} s (cvmfs slow?)`);
      } else if (/^desgw-check: setup-failed$/m.test(r.output)) {
        problems.push('sourcing diffimg_setup.sh failed');
      } else {
        python = readPythonCheck(r.output);
        if (python.problem) problems.push(python.problem);
        else if (r.exitCode !== 0) problems.push(`the environment check exited ${r.exitCode ?? 'by a signal'}`);
        else
          found.push(
            `python ${python.python ?? '?'}${python.version ? ` (${python.version})` : ''} imports ${POSTPROC_PYTHON_MODULES.join(', ')}`,
          );
        desServices = /^desgw: des-services (\/\S+)$/m.exec(r.output)?.[1] ?? null;
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  if (db !== null && !busy) {
    // Where easyaccess looks: DES_SERVICES after the setup, else ~/.desservices.ini.
    const file = desServices ?? join(process.env.HOME ?? '', '.desservices.ini');
    const problem = await desServicesProblem(file, db);
    if (problem) problems.push(problem);
    else found.push(`${file} has [db-${db}]`);
  }
  if (missing.length === 0) found.push(`${FILES_OPENED_HOURS_IN.join(', ')} there`);
  return {
    ok: problems.length === 0,
    detail: problems.length > 0 ? problems.join('; ') : found.join('; '),
    problems,
    ...(python?.python ? { python: python.python } : {}),
    ...(python?.version ? { version: python.version } : {}),
  };
}
