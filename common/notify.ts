/**
 * What a run tells the people of the night, through a sink (not history): when it starts waiting for
 * a person or the site (a proxy, its environment, jobsub, the DES database, the worker), and when it
 * ends. The worker runs its DESGW_NOTIFY_COMMAND with the event as JSON on standard input (mail or a
 * chat webhook, as the site prefers), once per change: a sink is not called again on replay.
 */
import type { Sinks } from '@temporalio/workflow';
import type { Progress } from './contract.js';

export interface NotifyEvent {
  workflowId: string;
  /** `waiting-for-<what>`, or how the run ended: `done`, `cancelled`, `failed`. */
  status: string;
  season?: number;
  /** What it waits for and what to do, or why it failed. */
  message?: string;
  counts?: Progress['counts'];
  at: string;
}

export interface NotifySinks extends Sinks {
  notifier: { notify(event: NotifyEvent): void };
}
