/** A Temporal client from the same environment variables the worker reads. */
import { Client, Connection } from '@temporalio/client';

export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const connection = await Connection.connect({ address }).catch((err: Error) => {
    throw new Error(`cannot reach the Temporal server at ${address} (${err.message}); set TEMPORAL_ADDRESS or start one (make demo KEEP=1)`);
  });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE ?? 'default' });
}
