/**
 * Every setting of the worker, read from its environment in this one place (the README's table
 * lists the same), except where it connects: common/temporal-connection.ts, shared with desgw.
 * Nothing here is ever put in workflow input, results or history.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userInfo } from 'node:os';

/** The repository root (this file is dist/workers/config.js once built). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The site's umask: what the run writes is group-writable, as DAGMaker's own files are (`umask 002`). */
export const SITE_UMASK = 0o002;

export interface WorkerConfig {
  /** The gw_workflow directory runs use when their input names none. */
  gwWorkflowDir: string;
  /** True when gwWorkflowDir is the embedded sandbox site (created on first use). */
  sandbox: boolean;
  /** More gw_workflow directories a run may name (DESGW_ALLOWED_GW_WORKFLOW_DIRS); none else. */
  allowedGwWorkflowDirs: string[];
  /**
   * More directories under which runs may read their lists and write their outputs
   * (DESGW_ALLOWED_ROOTS), beside the parent of each allowed gw_workflow directory.
   */
  allowedRoots: string[];
  /** The largest list file a run may name, in bytes. */
  maxListBytes: number;
  /** Where run directories go; default `desgw_runs/` beside the gw_workflow directory. */
  runsDir: string | null;
  /** File of seasons already used in the DES database (local season source), one per line. */
  localSeasonsFile: string | null;
  /** `DAGMaker.sh` (desgw account), `DAGMaker_proxyuser.sh` (a person's proxy), or chosen by user. */
  dagmakerScript: string;
  /** Seconds after which a hung setup_img_proc.sh is killed. */
  setupTimeoutS: number;
  /** Seconds after which a hung DAGMaker is killed (the activity then retries). */
  dagmakerTimeoutS: number;
  /** Seconds between heartbeats of long activities. */
  heartbeatEveryS: number;
  /**
   * Seconds a stopping worker (SIGTERM: a deploy, `systemctl restart`) lets running activities
   * finish before it stops them: submissions in flight complete; DAGMakers still running are killed
   * and run again elsewhere, without counting against the exposure's retries.
   */
  shutdownGraceS: number;
  /** Check the grid proxy before DAGMaker and each submission (default: unless running as desgw). */
  checkProxy: boolean;
  /** How long the proxy must still be valid, H:M. */
  proxyMargin: string;
  /** What this worker serves: workflows (anywhere), site activities and DAGMaker (on the DES machine only). */
  roles: WorkerRole[];
  /** At most this many DAGMakers at once on this host, whatever the number of runs. */
  dagmakerSlots: number;
  /** Where the seasons already used come from: the DES database, or a local file. */
  seasonSource: 'oracle' | 'local';
  /** Workflows kept in the worker's cache (a run keeps a handful busy: its parent and five children). */
  maxCachedWorkflows: number;
  /** The submission command's program and flags (the DAG's file:// argument is added), or null for DAGMaker's recommendation. */
  submitCommand: string[] | null;
}

export type WorkerRole = 'workflows' | 'site' | 'dagmaker';
const ROLES: readonly WorkerRole[] = ['workflows', 'site', 'dagmaker'];

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
  };
}

/** Where run directories go for a gw_workflow directory, unless DESGW_RUNS_DIR says otherwise. */
export function runsDirFor(config: Pick<WorkerConfig, 'runsDir'>, gwWorkflowDir: string): string {
  return config.runsDir ?? join(dirname(gwWorkflowDir), 'desgw_runs');
}

/** A colon-separated list of directories, as absolute paths. */
function paths(v: string | undefined): string[] {
  return (v ?? '').split(':').filter((p) => p !== '').map((p) => resolve(p));
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds, not '${raw}'`);
  return n;
}

function oneOf<T extends string>(v: string, allowed: readonly T[], name: string): T {
  if (!allowed.includes(v as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, not '${v}'`);
  return v as T;
}

/** A command as words; each must be a plain word (no quoting or shell syntax: it is never run by a shell). */
export function commandWords(v: string): string[] {
  const words = v.trim().split(/\s+/);
  const bad = words.find((w) => !/^[A-Za-z0-9_=\/.:,@+%-]+$/.test(w));
  if (bad !== undefined) throw new Error(`DESGW_SUBMIT_COMMAND: '${bad}' is not a plain word (letters, digits, _ = / . : , @ + % -)`);
  return words;
}

function roles(v: string): WorkerRole[] {
  const out = v.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const bad = out.filter((r) => !ROLES.includes(r as WorkerRole));
  if (bad.length > 0 || out.length === 0) throw new Error(`DESGW_WORKER_ROLES must list some of ${ROLES.join(', ')}, not '${v}'`);
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
