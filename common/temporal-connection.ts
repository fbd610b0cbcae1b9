/**
 * Where the worker and the desgw command connect, and how, read exactly as the Temporal CLI reads
 * it, so that one set of settings serves the CLI, the worker, desgw and deploy/create-namespace.sh:
 * the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH / TEMPORAL_TLS_SERVER_CA_CERT_PATH (or their _DATA
 * forms), TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*) over a profile of temporal.toml
 * (TEMPORAL_PROFILE, default "default", in TEMPORAL_CONFIG_FILE, default
 * ~/.config/temporalio/temporal.toml), through @temporalio/envconfig. Like the CLI it also honours
 * the older TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY and TEMPORAL_TLS_CA (and their _DATA forms), and an
 * empty variable counts as unset. Node-side only: it reads files.
 */
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConfigTLS,
} from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

/** What both NativeConnection.connect (worker) and Connection.connect (client) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalConnectionConfig {
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
  /** For logs and error messages, without any secret: `host:port/namespace (mTLS)`. */
  describe: string;
}

/** The CLI's older TLS variables: when set, they win over the profile and the newer variables. */
const LEGACY_TLS: [
  string,
  keyof Pick<ClientConfigTLS, 'clientCert' | 'clientKey' | 'serverCACert'>,
  'path' | 'data',
][] = [
  ['TEMPORAL_TLS_CERT', 'clientCert', 'path'],
  ['TEMPORAL_TLS_CERT_DATA', 'clientCert', 'data'],
  ['TEMPORAL_TLS_KEY', 'clientKey', 'path'],
  ['TEMPORAL_TLS_KEY_DATA', 'clientKey', 'data'],
  ['TEMPORAL_TLS_CA', 'serverCACert', 'path'],
  ['TEMPORAL_TLS_CA_DATA', 'serverCACert', 'data'],
];

export function temporalConnectionConfig(env: NodeJS.ProcessEnv = process.env): TemporalConnectionConfig {
  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    throw new Error(
      `the Temporal connection settings cannot be read (${(err as Error).message}); see TEMPORAL_PROFILE and TEMPORAL_CONFIG_FILE`,
      { cause: err },
    );
  }
  for (const [name, field, kind] of LEGACY_TLS) {
    const value = vars[name];
    if (value !== undefined)
      profile.tls = { ...profile.tls, [field]: kind === 'path' ? { path: value } : { data: value } };
  }
  let client: ReturnType<typeof toClientOptions>;
  try {
    client = toClientOptions(profile);
  } catch (err) {
    throw new Error(`a TLS file of the Temporal connection cannot be read (${(err as Error).message})`, { cause: err });
  }
  const { address, tls, apiKey, metadata } = client.connectionOptions;
  const namespace = client.namespace || DEFAULT_NAMESPACE;
  const connectionOptions: TemporalConnectionOptions = { address: address || DEFAULT_ADDRESS };
  if (tls !== undefined && tls !== null) connectionOptions.tls = tls;
  if (apiKey !== undefined) connectionOptions.apiKey = apiKey;
  if (metadata !== undefined && Object.keys(metadata).length > 0)
    connectionOptions.metadata = metadata as Record<string, string>;
  const security = [
    typeof tls === 'object' && tls?.clientCertPair ? 'mTLS' : tls ? 'TLS' : null,
    apiKey !== undefined ? 'API key' : null,
  ].filter((s) => s !== null);
  return {
    connectionOptions,
    namespace,
    describe: `${connectionOptions.address}/${namespace}${security.length > 0 ? ` (${security.join(', ')})` : ''}`,
  };
}
