/** Writing files so that readers, and a crash, never see them half-written. */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file whole or not at all: readers see the old content or the new, never half. With
 * `durable`, the file and its directory are flushed to disk before it returns, so the write
 * survives a crash of the machine, not only of the process (the submission record needs that).
 */
export async function writeAtomically(
  path: string,
  content: string,
  mode = 0o664,
  { durable = false } = {},
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(content);
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (durable) {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
