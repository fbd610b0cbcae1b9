/** The worker: `npm run worker`. Settings come from the environment (workers/config.ts). */
import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionConfig } from '../common/temporal-connection.js';
import { seasonSourceFor } from './season-source.js';
import { join } from 'node:path';
import { killLeftover, killLeftoversUnder } from '../activities/support/run-logged.js';
import { allowedCheckouts } from '../activities/resolve-post-processing.js';
import { CHECKOUT_PID_FILE } from '../activities/support/postproc-environment.js';
import { readdir } from 'node:fs/promises';
import { runsDirFor } from '../common/settings.js';
import { loadWorkerConfig, SITE_UMASK } from './config.js';
import { createWorkers, runWorkers } from './create.js';
import { installOneLineLogger } from './log.js';
import { ensureSandboxSite, sandboxRootOf } from './sandbox-site.js';
import { ensureSearchAttributes, SearchAttributesMissing } from './search-attributes.js';

process.umask(SITE_UMASK);
installOneLineLogger();
const config = (() => {
  try {
    return loadWorkerConfig();
  } catch (err) {
    // A bad setting needs a person: exit 78 (EX_CONFIG), which the systemd unit does not restart.
    console.error(`desgw worker: ${(err as Error).message}`);
    process.exit(78);
  }
})();
keepDrainingOnSignals(config.shutdownGraceS);
const servesSite = config.roles.some((r) => r !== 'workflows');
if (servesSite) {
  if (config.sandbox) await ensureSandboxSite(sandboxRootOf(config.gwWorkflowDir));
  let leftovers = await killLeftoversUnder(runsDirFor(config, config.gwWorkflowDir));
  // A run_postproc.py a dead worker left running would hold its checkout's lock for good.
  for (const dir of await allowedCheckouts(config))
    for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => CHECKOUT_PID_FILE.test(n)))
      if (await killLeftover(join(dir, name))) leftovers++;
  if (leftovers > 0) console.log(`killed ${leftovers} process group(s) left running by a worker that died`);
}
const seasons = await seasonSourceFor(config);
const temporal = temporalConnectionConfig();
const connection = await NativeConnection.connect(temporal.connectionOptions);
try {
  const created = await ensureSearchAttributes(connection, temporal.namespace);
  if (created.length > 0) console.log(`created search attributes ${created.join(', ')}`);
} catch (err) {
  if (!(err instanceof SearchAttributesMissing)) throw err;
  console.error(err.message);
  process.exit(78); // EX_CONFIG
}
const workers = await createWorkers({ connection, namespace: temporal.namespace, config, seasons });
console.log(
  `desgw worker on ${temporal.describe}: ${config.roles.join(', ')} (DAGMaker slots ${config.dagmakerSlots}); ` +
    (servesSite
      ? `site ${config.gwWorkflowDir}${config.sandbox ? ' (sandbox)' : ''}; seasons from ${seasons.describe}`
      : 'no site activities here'),
);
await runWorkers(workers);
await connection.close();

/**
 * On SIGTERM or SIGINT the SDK drains the workers (running activities get DESGW_SHUTDOWN_GRACE_S),
 * then removes its signal handlers at once. execa's clean-up of child processes (signal-exit)
 * re-raises a signal it finds no other handler for, which would kill the worker mid-drain. This
 * handler keeps the drain going; a second signal ends the process at once.
 */
function keepDrainingOnSignals(graceS: number): void {
  let seen = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (++seen > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
      console.log(`${signal}: draining (running activities get ${graceS} s); signal again to stop at once`);
    });
  }
}
