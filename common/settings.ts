/**
 * What the worker's settings are, as the activities receive them (workers/config.ts reads them from
 * the environment): types and the few rules that follow from them. No Node built-ins here.
 */

export type WorkerRole = 'workflows' | 'site' | 'dagmaker';
export const WORKER_ROLES: readonly WorkerRole[] = ['workflows', 'site', 'dagmaker'];

/**
 * How runs served by this site pace their waiting: the first retry interval of every activity (when
 * set, it replaces each policy's own), the proxy and outage re-checks, and when a run continues as
 * new. The site's worker decides (its settings), validateRun passes them on in history, so
 * workflow code reads them deterministically; tests set them there, not in the public input.
 */
export interface RunTiming {
  retryInitialIntervalS?: number;
  proxyRecheckS: number;
  outageRecheckS: number;
  outageRecheckMaxS: number;
  historyEventLimit: number;
}

export const DEFAULT_TIMING: RunTiming = {
  proxyRecheckS: 300,
  outageRecheckS: 120,
  outageRecheckMaxS: 900,
  historyEventLimit: 10_000,
};

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
  /**
   * The Post-Processing checkouts a post-processing may use (DESGW_POSTPROC_DIRS); none listed: only
   * `Post-Processing/` beside the worker's gw_workflow directory. Its scripts run as the worker.
   */
  postprocDirs: string[];
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
  /** The command run, with a JSON event on its standard input, when a run starts waiting or ends (DESGW_NOTIFY_COMMAND). */
  notifyCommand: string[] | null;
  /** How runs pace their retries, re-checks and continue-as-new. */
  timing: RunTiming;
  /**
   * Where the grid writes results (DESGW_PNFS_ROOT): exp/, forcephoto/, for a run whose dagmaker.rc keeps
   * DAGMaker's DESTCACHE=persistent and SCHEMA=gw. A run's own root is `<mount>/des/<DESTCACHE>/<SCHEMA>`
   * (common/grid-root.ts), the mount being `pnfsMount` or what this root shows before `/des/…`.
   */
  pnfsRoot: string;
  /** The /pnfs mount point (DESGW_PNFS_MOUNT), or null: then derived from pnfsRoot. */
  pnfsMount: string | null;
  /**
   * At most this many /pnfs reads (judging's listings, the grid wait's stats) at once in this worker,
   * in its /pnfs reader process, never on the threads its DAGMakers and submissions use (DESGW_PNFS_READS).
   */
  pnfsReads: number;
  /** Seconds after which a /pnfs read that has not answered is abandoned and counted as a problem (DESGW_PNFS_TIMEOUT_S). */
  pnfsTimeoutS: number;
  /** Seconds between looks for finished DAGs while post-processing waits (jobsub_q at most once a minute). */
  gridPollS: number;
  /** Seconds after which a run_postproc.py still running is killed. */
  postprocTimeoutS: number;
  /**
   * An executable that runs the whole post-processing shell (DESGW_POSTPROC_WRAPPER, an absolute
   * path): it is given `bash -c SCRIPT ARGS…` as its arguments, e.g. to run them in an SL7
   * container as O4 did. Null: bash directly. Never from input.
   */
  postprocWrapper: string | null;
  /**
   * The host's post-processing lock file (DESGW_POSTPROC_LOCK, an absolute path; default
   * DEFAULT_POSTPROC_LOCK): a pass holds it for the whole of run_postproc.py, so passes run one at a
   * time per machine, whatever the checkout (forcePhoto_master.pl aborts when any other
   * forced-photometry job runs on the machine). Every worker of the host must name the same file.
   */
  postprocLock: string;
  /** The submission command's program and flags (the DAG's file:// argument is added), or null for DAGMaker's recommendation. */
  submitCommand: string[] | null;
  /**
   * PostgreSQL URL of the read-only copy of SISPI's database (DESGW_EXPOSURE_DB_URL), e.g.
   * `postgresql://decam_reader@host:5432/decam_prd`; null: no exposure watcher. Its password, if
   * any, stays on the worker: never in input, results, history or logs.
   */
  exposureDbUrl: string | null;
  /** Seconds between queries of the exposure table while a campaign watches it (fractions allowed). */
  exposurePollS: number;
  /** Where raw images arrive first: `<dtsRoot>/<NITE>/DECam_<8-digit EXPNUM>.fits.fz`. */
  dtsRoot: string;
  /**
   * Further raw-image directories, looked in after dtsRoot: an entry with `{nite}` has it replaced
   * by the NITE (`/data/des30.b/data/DTS/src/{nite}/src`), one without holds `<NITE>/` subdirectories.
   */
  rawDirs: string[];
}

/** The host-wide place every worker of a machine finds by default (not per site, per user's TMPDIR, or per checkout). */
export const DEFAULT_POSTPROC_LOCK = '/tmp/desgw-postproc.lock';

/** Where run directories go for a gw_workflow directory, unless DESGW_RUNS_DIR says otherwise. */
export function runsDirFor(config: Pick<WorkerConfig, 'runsDir'>, gwWorkflowDir: string): string {
  return config.runsDir ?? `${gwWorkflowDir.replace(/\/+[^/]+\/*$/, '')}/desgw_runs`;
}
