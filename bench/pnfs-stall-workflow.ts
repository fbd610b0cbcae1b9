/**
 * The workflow of bench/pnfs-stall.ts (bundled by the bench alone, never by the worker): while the
 * site's worker judges a night, a stand-in DAGMaker on the DAGMaker queue heartbeats every second,
 * until the judging has ended. Each activity runs with the options the real workflows give it
 * (workflows/activity-policies.ts).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { JudgeExposuresInput, JudgeExposuresResult } from '../activities/post-processing-types.js';
import { activityOptions } from '../workflows/activity-policies.js';

export interface BenchActivities {
  /** The stand-in DAGMaker: heartbeats every second until the judging has ended; how many it sent. */
  makeDag(): Promise<number>;
  judgeExposures(input: JudgeExposuresInput): Promise<JudgeExposuresResult>;
}

const { makeDag } = proxyActivities<BenchActivities>(activityOptions('dagmaker'));
const { judgeExposures } = proxyActivities<BenchActivities>(activityOptions('judge'));

export async function pnfsStallBench(input: JudgeExposuresInput): Promise<JudgeExposuresResult> {
  const dagmaker = makeDag();
  const judged = await judgeExposures(input);
  await dagmaker;
  return judged;
}
