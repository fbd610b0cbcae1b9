/**
 * What people and children tell a run or a campaign, and what it passes on to its children: a
 * child's new state (believed only from the child it is running), a renewed proxy and `retryNow`
 * (passed on to the children that wait), and `retryEnvironment`. The run and the campaign listen the
 * same way, so they wait and wake the same way.
 */
import { type ChildWorkflowHandle, patched, type SignalDefinition, setHandler } from '@temporalio/workflow';
import type { WaitingFor } from '../common/failures.js';
import { exposureStateSignal, proxyRenewedSignal, retryEnvironmentSignal, retryNowSignal } from '../common/messages.js';
import type { processExposure } from './process-exposure.js';
import type { RunProgress } from './progress.js';

/** A child's exposureState is believed only from a child this run is running (see listen). */
const CHILD_SIGNALS_CHECKED = 'child-signals-checked';

export interface Signals {
  children: Map<number, ChildWorkflowHandle<typeof processExposure>>;
  /** Exposures whose child this run is starting or running (a child may speak before its start resolves). */
  live: Set<number>;
  environmentRetries: () => number;
  wakeups: () => number;
}

export function listen(progress: RunProgress): Signals {
  const children = new Map<number, ChildWorkflowHandle<typeof processExposure>>();
  const live = new Set<number>();
  let environmentRetries = 0;
  let wakeups = 0;
  /** Passes a wake-up on to the children that wait; a child that has just closed is no failure of the run. */
  const wakeChildren = async (signal: SignalDefinition<[], string>, which: (w: WaitingFor) => boolean) => {
    await Promise.allSettled(progress.waiting(which).map((e) => children.get(e)?.signal(signal)));
  };
  setHandler(exposureStateSignal, ({ expnum, state, message, childRunId, note }) => {
    // A signal from a child this run is not running (one reapplied by a reset, or late from a child
    // of an earlier execution) would pause the window for good: believed only from the live child.
    if (patched(CHILD_SIGNALS_CHECKED)) {
      if (!live.has(expnum)) return;
      const child = children.get(expnum);
      if (child && childRunId !== undefined && child.firstExecutionRunId !== childRunId) return;
    }
    progress.childSaid(expnum, state, message, note);
  });
  setHandler(proxyRenewedSignal, () => wakeChildren(proxyRenewedSignal, (w) => w === 'proxy'));
  setHandler(retryEnvironmentSignal, () => void environmentRetries++);
  setHandler(retryNowSignal, async () => {
    environmentRetries++;
    wakeups++;
    await wakeChildren(retryNowSignal, () => true);
  });
  return { children, live, environmentRetries: () => environmentRetries, wakeups: () => wakeups };
}
