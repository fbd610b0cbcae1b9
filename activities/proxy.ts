/**
 * The grid proxy check done before DAGMaker and before each submission when the worker does not
 * run as `desgw`: `voms-proxy-info -exists -valid H:M`. An expired proxy is not a failure of the
 * exposure: the workflow waits for a renewed one (ProxyExpired is handled there, never retried here).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { execa } from 'execa';
import { PROXY_EXPIRED } from '../common/contract.js';

export interface ProxyOptions {
  /** Whether to check at all (false for the desgw account, whose jobs use the service credentials). */
  checkProxy: boolean;
  /** How long the proxy must still be valid, as H:M. */
  proxyMargin: string;
}

export async function ensureProxy(o: ProxyOptions, env: Record<string, string>, cwd: string): Promise<void> {
  if (!o.checkProxy) return;
  const r = await execa('voms-proxy-info', ['-exists', '-valid', o.proxyMargin], { env, extendEnv: false, cwd, reject: false, all: true, timeout: 60_000 });
  if (r.exitCode === 0) return;
  throw proxyExpired(`the grid proxy is missing or valid for less than ${o.proxyMargin} (voms-proxy-info: ${(r.all ?? '').trim().split('\n').pop() || `exit ${r.exitCode}`}); renew it with kx509 and voms-proxy-init -rfc -noregen -voms des:/des/Role=Analysis -valid 24:00, then signal proxyRenewed`);
}

export function proxyExpired(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: PROXY_EXPIRED, message, nonRetryable: true });
}
