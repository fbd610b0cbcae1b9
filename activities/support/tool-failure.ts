/**
 * The failure a site tool's classified failure raises: its type by kind (a permanent one is not
 * retried; an outage is retried, then waited out by the workflow), what happened first and where to
 * read more last; a credential claim is confirmed with the proxy check first (proxy.ts).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Classified } from '../../common/classify.js';
import type { FailureType } from '../../common/failures.js';
import { credentialFailure, type ProxyOptions } from './proxy.js';

/** The failure types of one tool, by kind; `otherwise` is a credential claim the proxy check contradicts. */
export interface ToolFailureTypes {
  permanent: FailureType;
  transient: FailureType;
  outage: FailureType;
  otherwise: FailureType;
}

export async function toolFailure(
  o: ProxyOptions,
  env: Record<string, string>,
  cwd: string,
  c: Classified,
  types: ToolFailureTypes,
  what: string,
  attempt: number,
  outFile?: string,
): Promise<ApplicationFailure> {
  const see = outFile ? ` (see ${outFile})` : '';
  if (c.kind === 'credential') return credentialFailure(o, env, cwd, c, what, [{ attempt }], types.otherwise, see);
  return ApplicationFailure.create({
    type: types[c.kind],
    message: `${what}: ${c.reason}${see}`,
    nonRetryable: c.kind === 'permanent',
    details: [{ attempt }],
  });
}
