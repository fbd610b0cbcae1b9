/**
 * Where the grid wrote a run's results. DAGMaker's jobs copy them to
 * `/pnfs/des/${DESTCACHE}/${SCHEMA}/exp/…` and `…/forcephoto/…`, with DESTCACHE and SCHEMA from the
 * run's own dagmaker.rc (DAGMaker's defaults persistent and gw when absent), so a post-processing
 * judges and waits there, and writes that root as `[general] rootdir`. The worker's setting names the
 * mount point: DESGW_PNFS_MOUNT when set, else what DESGW_PNFS_ROOT (historically the whole root,
 * `/pnfs/des/persistent/gw`) shows before its `/des/<cache>/<schema>` (so `/pnfs`): a DESGW_PNFS_ROOT
 * of another shape, with no mount setting, is used as it is, for every run. Also what a pending
 * exposure's wait can end on, said in the progress. Pure: usable in workflow code.
 */

/** A word DESTCACHE or SCHEMA may be in a path (dagmaker-rc.ts allows persistent/scratch and gw/wsdiff). */
const WORD = /^[A-Za-z0-9_]{1,32}$/;

/** The mount point in a DESGW_PNFS_ROOT of the form `<mount>/des/<cache>/<schema>`, or null. */
export function pnfsMountOf(pnfsRoot: string): string | null {
  const m = /^(\/.*?)\/des\/[A-Za-z0-9_]+\/[A-Za-z0-9_]+\/?$/.exec(pnfsRoot);
  return m ? m[1]! : null;
}

/** The run's grid root: `<mount>/des/<destcache>/<schema>`, or the settings' root when no mount is known. */
export function gridRoot(
  settings: { pnfsRoot: string; pnfsMount?: string | null },
  destcache: string,
  schema: string,
): string {
  const mount = settings.pnfsMount ?? pnfsMountOf(settings.pnfsRoot);
  if (mount === null || !WORD.test(destcache) || !WORD.test(schema)) return settings.pnfsRoot;
  return `${mount.replace(/\/+$/, '')}/des/${destcache}/${schema}`;
}

/**
 * What can end the wait of the exposures still pending, when it is not their RUNEND: a DAG can end
 * without one (no templates: no RUNMON node; a failed search node: RUNMON never runs), and then only
 * jobsub_q, which needs the job id and the run's environment, tells that it left the queue. Those
 * without either wait until the deadline. Also the RUNEND markers older than their DAG's submission
 * (an earlier DAG's, of the same exposure and season), which do not count. Empty when nothing to say.
 */
export function gridWaitNote(
  pending: readonly { expnum: number; jobId?: string }[],
  canAskQueue: boolean,
  staleRunEnds: readonly number[] = [],
): string {
  const parts: string[] = [];
  const blind = pending.filter((e) => !canAskQueue || e.jobId === undefined).map((e) => e.expnum);
  const list = (xs: number[]) => `${xs.slice(0, 10).join(', ')}${xs.length > 10 ? ` and ${xs.length - 10} more` : ''}`;
  if (blind.length > 0)
    parts.push(
      `${list(blind)}: ${canAskQueue ? 'no job id' : 'no run environment'} to ask jobsub_q with, so if ${blind.length > 1 ? 'their DAGs end' : 'its DAG ends'} without RUNEND (no templates, a failed search node) only the deadline ends the wait`,
    );
  if (staleRunEnds.length > 0)
    parts.push(
      `${list([...staleRunEnds])}: a RUNEND older than this run's submission (an earlier DAG's) is not counted`,
    );
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}
