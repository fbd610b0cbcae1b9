/**
 * Every setting of the worker, read from its environment in this one place (the README's table
 * lists the same), except where it connects: common/temporal-connection.ts, shared with desgw.
 * Nothing here is ever put in workflow input, results or history.
 */
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import {
  DEFAULT_POSTPROC_LOCK,
  DEFAULT_TIMING,
  WORKER_ROLES as ROLES,
  type WorkerConfig,
  type WorkerRole,
} from '../common/settings.js';
import { fileURLToPath } from 'node:url';
import { userInfo } from 'node:os';

/** The repository root (this file is dist/workers/config.js once built). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type { WorkerConfig, WorkerRole } from '../common/settings.js';

/** The site's umask: what the run writes is group-writable, as DAGMaker's own files are (`umask 002`). */
export const SITE_UMASK = 0o002;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const gw = env.DESGW_GW_WORKFLOW_DIR;
  const user = env.USER ?? safeUser();
  return {
    gwWorkflowDir: gw ? resolve(gw) : join(REPO_ROOT, '.site', 'gw_workflow'),
    sandbox: !gw,
    allowedGwWorkflowDirs: paths(env.DESGW_ALLOWED_GW_WORKFLOW_DIRS),
    // The sandbox's sample lists, for the demo and the README's examples.
    allowedRoots: [...paths(env.DESGW_ALLOWED_ROOTS), ...(gw ? [] : [join(REPO_ROOT, 'sandbox', 'lists')])],
    maxListBytes: positive(env.DESGW_MAX_LIST_BYTES, 256 * 1024, 'DESGW_MAX_LIST_BYTES'),
    runsDir: env.DESGW_RUNS_DIR ? resolve(env.DESGW_RUNS_DIR) : null,
    postprocDirs: paths(env.DESGW_POSTPROC_DIRS),
    localSeasonsFile: env.DESGW_LOCAL_SEASONS_FILE ? resolve(env.DESGW_LOCAL_SEASONS_FILE) : null,
    dagmakerScript: env.DESGW_DAGMAKER_SCRIPT ?? (user === 'desgw' ? 'DAGMaker.sh' : 'DAGMaker_proxyuser.sh'),
    setupTimeoutS: positive(env.DESGW_SETUP_TIMEOUT_S, 900, 'DESGW_SETUP_TIMEOUT_S'),
    dagmakerTimeoutS: positive(env.DESGW_DAGMAKER_TIMEOUT_S, 3000, 'DESGW_DAGMAKER_TIMEOUT_S'),
    heartbeatEveryS: positive(env.DESGW_HEARTBEAT_EVERY_S, 5, 'DESGW_HEARTBEAT_EVERY_S'),
    shutdownGraceS: positive(env.DESGW_SHUTDOWN_GRACE_S, 60, 'DESGW_SHUTDOWN_GRACE_S'),
    checkProxy: env.DESGW_CHECK_PROXY ? env.DESGW_CHECK_PROXY === '1' : user !== 'desgw',
    proxyMargin: hoursMinutes(env.DESGW_PROXY_MARGIN ?? '1:00'),
    roles: roles(env.DESGW_WORKER_ROLES ?? ROLES.join(',')),
    dagmakerSlots: positive(env.DESGW_DAGMAKER_SLOTS, 5, 'DESGW_DAGMAKER_SLOTS'),
    seasonSource: oneOf(env.DESGW_SEASON_SOURCE ?? 'local', ['oracle', 'local'] as const, 'DESGW_SEASON_SOURCE'),
    maxCachedWorkflows: positive(env.DESGW_MAX_CACHED_WORKFLOWS, 100, 'DESGW_MAX_CACHED_WORKFLOWS'),
    submitCommand: env.DESGW_SUBMIT_COMMAND ? commandWords(env.DESGW_SUBMIT_COMMAND) : null,
    pnfsRoot: env.DESGW_PNFS_ROOT
      ? resolve(env.DESGW_PNFS_ROOT)
      : gw
        ? '/pnfs/des/persistent/gw'
        : join(REPO_ROOT, '.site', 'pnfs', 'des', 'persistent', 'gw'),
    pnfsMount: env.DESGW_PNFS_MOUNT ? absolutePath(env.DESGW_PNFS_MOUNT, 'DESGW_PNFS_MOUNT') : null,
    pnfsReads: count(env.DESGW_PNFS_READS, 16, 'DESGW_PNFS_READS', 128),
    pnfsTimeoutS: positive(env.DESGW_PNFS_TIMEOUT_S, 30, 'DESGW_PNFS_TIMEOUT_S'),
    gridPollS: positive(env.DESGW_GRID_POLL_S, 60, 'DESGW_GRID_POLL_S'),
    postprocTimeoutS: positive(env.DESGW_POSTPROC_TIMEOUT_S, 6 * 3600, 'DESGW_POSTPROC_TIMEOUT_S'),
    postprocWrapper: env.DESGW_POSTPROC_WRAPPER
      ? absolutePath(env.DESGW_POSTPROC_WRAPPER, 'DESGW_POSTPROC_WRAPPER')
      : null,
    // One file for every worker of the host: post-processing passes run one at a time per machine.
    postprocLock: absolutePath(env.DESGW_POSTPROC_LOCK || DEFAULT_POSTPROC_LOCK, 'DESGW_POSTPROC_LOCK'),
    notifyCommand: env.DESGW_NOTIFY_COMMAND ? commandWords(env.DESGW_NOTIFY_COMMAND, 'DESGW_NOTIFY_COMMAND') : null,
    exposureDbUrl: env.DESGW_EXPOSURE_DB_URL ? postgresUrl(env.DESGW_EXPOSURE_DB_URL) : null,
    exposurePollS: positive(env.DESGW_EXPOSURE_POLL_S, 10, 'DESGW_EXPOSURE_POLL_S'),
    dtsRoot: env.DESGW_DTS_ROOT
      ? absolutePath(env.DESGW_DTS_ROOT, 'DESGW_DTS_ROOT')
      : gw
        ? '/pnfs/des/scratch/gw/dts'
        : join(REPO_ROOT, '.site', 'pnfs', 'des', 'scratch', 'gw', 'dts'),
    rawDirs: rawDirs(env.DESGW_RAW_DIRS, gw ? PRODUCTION_RAW_DIRS : ''),
    timing: {
      ...(env.DESGW_RETRY_INITIAL_S
        ? { retryInitialIntervalS: positive(env.DESGW_RETRY_INITIAL_S, 1, 'DESGW_RETRY_INITIAL_S') }
        : {}),
      proxyRecheckS: positive(env.DESGW_PROXY_RECHECK_S, DEFAULT_TIMING.proxyRecheckS, 'DESGW_PROXY_RECHECK_S'),
      outageRecheckS: positive(env.DESGW_OUTAGE_RECHECK_S, DEFAULT_TIMING.outageRecheckS, 'DESGW_OUTAGE_RECHECK_S'),
      outageRecheckMaxS: positive(
        env.DESGW_OUTAGE_RECHECK_MAX_S,
        DEFAULT_TIMING.outageRecheckMaxS,
        'DESGW_OUTAGE_RECHECK_MAX_S',
      ),
      historyEventLimit: positive(
        env.DESGW_HISTORY_EVENT_LIMIT,
        DEFAULT_TIMING.historyEventLimit,
        'DESGW_HISTORY_EVENT_LIMIT',
      ),
    },
  };
}

/** A colon-separated list of directories, as absolute paths. */
function paths(v: string | undefined): string[] {
  return (v ?? '')
    .split(':')
    .filter((p) => p !== '')
    .map((p) => resolve(p));
}

/** The DTS copies of raw images on the DES machines, after /pnfs (legacy-facts: "A night as the telescope makes it"). */
const PRODUCTION_RAW_DIRS = '/data/des30.b/data/DTS/src/{nite}/src:/data/des51.b/data/DTS/src/{nite}';

/**
 * DESGW_RAW_DIRS: colon-separated absolute directories; `{nite}` in one stands for the NITE, else
 * the NITE is a subdirectory of it. Set but empty: none.
 */
function rawDirs(v: string | undefined, fallback: string): string[] {
  return (v ?? fallback)
    .split(':')
    .filter((p) => p !== '')
    .map((p) => {
      const dir = absolutePath(p, 'DESGW_RAW_DIRS');
      if (/[{}]/.test(dir.replaceAll('{nite}', '')))
        throw new Error(`DESGW_RAW_DIRS: '${p}' has braces other than the {nite} placeholder`);
      return dir;
    });
}

/**
 * DESGW_EXPOSURE_DB_URL: a postgres:// or postgresql:// URL with a host and a database. The
 * refusal never repeats the URL (it may hold a password).
 */
function postgresUrl(v: string): string {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error('DESGW_EXPOSURE_DB_URL is not a URL (postgresql://USER@HOST:PORT/decam_prd)');
  }
  if (!['postgres:', 'postgresql:'].includes(url.protocol) || url.hostname === '' || url.pathname.length < 2)
    throw new Error(
      'DESGW_EXPOSURE_DB_URL must be postgresql://USER@HOST[:PORT]/DATABASE (the password in ~/.pgpass, PGPASSFILE or PGPASSWORD)',
    );
  return v;
}

/** A path that must be absolute (a program the worker runs: never looked up on PATH, never relative to where it started). */
function absolutePath(v: string, name: string): string {
  if (!isAbsolute(v)) throw new Error(`${name} must be an absolute path, not '${v}'`);
  return normalize(v);
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds, not '${raw}'`);
  return n;
}

/** A whole number from 1 to `max` (e.g. how many reads at once). */
function count(raw: string | undefined, fallback: number, name: string, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`${name} must be a whole number from 1 to ${max}, not '${raw}'`);
  return n;
}

function oneOf<T extends string>(v: string, allowed: readonly T[], name: string): T {
  if (!allowed.includes(v as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, not '${v}'`);
  return v as T;
}

/** A command as words; each must be a plain word (no quoting or shell syntax: it is never run by a shell). */
export function commandWords(v: string, name = 'DESGW_SUBMIT_COMMAND'): string[] {
  const words = v.trim().split(/\s+/);
  const bad = words.find((w) => !/^[A-Za-z0-9_=/.:,@+%-]+$/.test(w));
  if (bad !== undefined)
    throw new Error(`${name}: '${bad}' is not a plain word (letters, digits, _ = / . : , @ + % -)`);
  return words;
}

function roles(v: string): WorkerRole[] {
  const out = v
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const bad = out.filter((r) => !ROLES.includes(r as WorkerRole));
  if (bad.length > 0 || out.length === 0)
    throw new Error(`DESGW_WORKER_ROLES must list some of ${ROLES.join(', ')}, not '${v}'`);
  return out as WorkerRole[];
}

function hoursMinutes(v: string): string {
  if (!/^\d{1,3}:[0-5]\d$/.test(v)) throw new Error(`DESGW_PROXY_MARGIN must be H:MM, not '${v}'`);
  return v;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
