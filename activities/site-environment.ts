/** Reads back the environment `sourceEnvironment` captured, for the tools that need it. */
import { readFile } from 'node:fs/promises';

export async function loadEnvironment(envFile: string): Promise<Record<string, string>> {
  const text = await readFile(envFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`the run's environment file ${envFile} is unreadable (${err.code ?? err.message}); was setup_img_proc.sh sourced?`);
  });
  return JSON.parse(text) as Record<string, string>;
}
