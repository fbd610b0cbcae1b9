/** A Temporal client from the same settings the worker and the Temporal CLI read (common/temporal-connection.ts). */
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionConfig } from '../common/temporal-connection.js';

export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const temporal = temporalConnectionConfig(env);
  const connection = await Connection.connect(temporal.connectionOptions).catch((err: Error) => {
    throw new Error(
      `cannot reach the Temporal server at ${temporal.describe} (${err.message}); set TEMPORAL_ADDRESS (and TEMPORAL_TLS_* or TEMPORAL_API_KEY, or TEMPORAL_PROFILE) or start one (make demo KEEP=1)`,
    );
  });
  return new Client({ connection, namespace: temporal.namespace });
}
