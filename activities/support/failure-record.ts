/**
 * The failure record beside an exposure's files, `failed_EXPNUM.json`: written when the exposure
 * failed for good, with its whole error (history keeps it cut short). A resumed run reads it to
 * leave the exposure alone unless asked; manifest.json reads the whole error from it.
 */
import { readFile } from 'node:fs/promises';
import { writeAtomically } from './atomic-file.js';

export async function writeFailureRecord(file: string, expnum: number, error: string): Promise<void> {
  await writeAtomically(file, JSON.stringify({ expnum, error, at: new Date().toISOString() }));
}

/** The whole error recorded when the exposure failed for good, if it did. */
export async function readFailureRecord(file: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as { error: string }).error;
}
