/**
 * The environment the site's own scripts start from (setup_img_proc.sh, diffimg_setup.sh,
 * run_postproc.py, getExposureInfo.sh): the worker's, less its Temporal, Node and desgw settings.
 * They mean nothing to the site tools, and the worker's secrets (DESGW_DB_PASSWORD,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*) have no business in a script of the site's.
 */
const WORKER_ONLY = /^(NODE_|npm_|TEMPORAL_|DESGW_)/;

export function scrubbedEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !WORKER_ONLY.test(k)) out[k] = v;
  return out;
}
