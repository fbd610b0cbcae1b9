/**
 * The grid proxy check: `voms-proxy-info -exists -valid H:M`, done before DAGMaker, before each
 * submission and before a jobsub_q look-up when the worker does not run as `desgw`, and whenever a
 * tool's failing lines claim a credential problem, to confirm the claim before the run waits for a
 * person. An expired proxy is not a failure of the exposure: the workflow waits for a renewed one
 * (ProxyExpired is handled there, never retried here).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { execa } from 'execa';
import type { Classified } from '../../common/classify.js';
import { Failure, type FailureType } from '../../common/failures.js';

export interface ProxyOptions {
  /** Whether to check before each step (false for the desgw account, whose jobs use the service credentials). */
  checkProxy: boolean;
  /** How long the proxy must still be valid, as H:M. */
  proxyMargin: string;
}

/** What a person runs to renew the grid proxy (legacy-facts, "Submission"). */
const RENEW_PROXY_COMMAND = 'kx509; voms-proxy-init -rfc -noregen -voms des:/des/Role=Analysis -valid 24:00';
/** How a run waiting for a credential is told it was renewed: the command a person types, not the signal's name. */
const TELL_THE_RUN = 'then, for a run waiting on it: desgw proxy-renewed <workflowId>';
const RENEW = `renew it: ${RENEW_PROXY_COMMAND}; ${TELL_THE_RUN}`;

/** Whether the proxy is valid for the margin; otherwise what voms-proxy-info said. */
async function proxyState(
  o: ProxyOptions,
  env: Record<string, string>,
  cwd: string,
): Promise<{ valid: true } | { valid: false; said: string }> {
  const r = await execa('voms-proxy-info', ['-exists', '-valid', o.proxyMargin], {
    env,
    extendEnv: false,
    cwd,
    reject: false,
    all: true,
    timeout: 60_000,
  });
  if (r.exitCode === 0) return { valid: true };
  return { valid: false, said: (r.all ?? '').trim().split('\n').pop() || `exit ${r.exitCode}` };
}

export async function ensureProxy(o: ProxyOptions, env: Record<string, string>, cwd: string): Promise<void> {
  if (!o.checkProxy) return;
  const state = await proxyState(o, env, cwd);
  if (!state.valid)
    throw proxyExpired(
      `the grid proxy is missing or valid for less than ${o.proxyMargin} (voms-proxy-info: ${state.said}); ${RENEW}`,
    );
}

/**
 * A tool's failing lines claim an expired credential. A proxy claim is confirmed with
 * voms-proxy-info: when the proxy is in fact valid, the claim is not believed and the failure is
 * taken for a failure of the tool (`otherwise`: retried, never a wait for a person that no renewal
 * ends). A token claim (htgettoken, Kerberos) cannot be checked that way and is believed.
 */
export async function credentialFailure(
  o: ProxyOptions,
  env: Record<string, string>,
  cwd: string,
  c: Classified,
  what: string,
  details: unknown[],
  otherwise: FailureType = Failure.JobsubUnavailable,
  see = '',
): Promise<ApplicationFailure> {
  if (c.credential === 'token') {
    return proxyExpired(
      `${what}: jobsub_lite could not get a bearer token (${c.reason}); run kinit (or htgettoken -a htvaultprod.fnal.gov -i des), ${TELL_THE_RUN}${see}`,
    );
  }
  const state = await proxyState(o, env, cwd);
  if (!state.valid)
    return proxyExpired(
      `${what}: the grid proxy is missing or expired (voms-proxy-info: ${state.said}); ${RENEW}${see}`,
    );
  return ApplicationFailure.create({
    type: otherwise,
    message: `${what}: ${c.reason}, but voms-proxy-info finds the proxy valid for ${o.proxyMargin}${see}`,
    details,
  });
}

/** The expired proxy's failure, with its attempt in the details (the exposure's report counts every attempt). */
export function proxyExpired(message: string): ApplicationFailure {
  const attempt = currentAttempt();
  return ApplicationFailure.create({
    type: Failure.ProxyExpired,
    message,
    nonRetryable: true,
    ...(attempt !== undefined ? { details: [{ attempt }] } : {}),
  });
}

/** The attempt of the activity this runs in; none outside one (desgw doctor). */
function currentAttempt(): number | undefined {
  try {
    return Context.current().info.attempt;
  } catch {
    return undefined;
  }
}
