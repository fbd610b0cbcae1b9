/** Reads back the environment `sourceEnvironment` captured, for the tools that need it. */
import { readFile, stat } from 'node:fs/promises';

/** Parsed environments by file, kept while the file is unchanged (every activity of a run reads the same one). */
const cache = new Map<string, { mtimeMs: number; env: Record<string, string> }>();

export async function loadEnvironment(envFile: string): Promise<Record<string, string>> {
  const mtimeMs = await stat(envFile).then(
    (s) => s.mtimeMs,
    (err: NodeJS.ErrnoException) => {
      throw new Error(
        `the run's environment file ${envFile} is unreadable (${err.code ?? err.message}); was setup_img_proc.sh sourced?`,
      );
    },
  );
  const hit = cache.get(envFile);
  if (hit?.mtimeMs === mtimeMs) return hit.env;
  const env = JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>;
  if (cache.size > 100) cache.clear();
  cache.set(envFile, { mtimeMs, env });
  return env;
}
