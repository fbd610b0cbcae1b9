/** What the sandbox contract tests share: the site's ledger, read back, and waiting for something to show in it. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LedgerEvent {
  ts: number;
  event: string;
  [key: string]: unknown;
}

/** The events of a sandbox site's ledger (`state/ledger.jsonl`), in order. */
export async function readLedger(stateDir: string): Promise<LedgerEvent[]> {
  const text = await readFile(join(stateDir, 'ledger.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LedgerEvent);
}

/** Polls `probe` until it gives a value, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
