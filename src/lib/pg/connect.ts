import type {Client} from 'pg'

import type {DatabaseCredentials} from '../aws/secrets.js'

import {AuroraError} from '../cli/errors.js'
import {type ConnectAddress, type EndpointMap, resolveConnectAddress} from '../target/endpoint-map.js'
import {classifyConnectError, connectFailureHint} from './errors.js'
import {certificateError, type ClusterTls, describeRoute, nodeTlsOptions, resolveClusterTls} from './tls.js'

export interface ConnectOptions {
  /** Where to connect, already resolved (a cluster connection's); else from host, port, via and endpointMap. */
  address?: ConnectAddress
  /** The session's application_name (default "auroractl"), so the server's views tell our sessions apart. */
  applicationName?: string
  /** Shorthand for `tls`: verify-full, trusting exactly this PEM file (the sandbox's CA). */
  caFile?: string
  connectTimeoutMs?: number
  database?: string
  endpointMap?: EndpointMap
  /** The endpoint AWS reports for the database; credentials' host when absent. */
  host?: string
  port?: number
  /** How to do TLS (see pg/tls.ts); default: verify-full with --ca-bundle's rules applied to `caFile` and PGSSLROOTCERT. */
  tls?: ClusterTls
  via?: {host: string; port: number}
}

/**
 * Opens a connection with the secret's credentials. The password goes into the driver's
 * memory only: never into argv, a URL that could be logged, or an error message. TLS is
 * verify-full unless `tls` says otherwise; a certificate that fails it ends the handshake
 * before the startup message, so the password is never sent.
 */
export async function connectWithCredentials(
  credentials: DatabaseCredentials,
  options: ConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Client> {
  const host = options.host ?? credentials.host
  const port = options.port ?? credentials.port ?? 5432
  if (!host)
    throw new AuroraError('BAD_INPUT', 'The credentials secret has no "host", and no endpoint was given.', {
      hint: 'Pass --cluster so the endpoint is read from RDS.',
    })
  const address = options.address ?? resolveConnectAddress(host, port, options)
  const tls = options.tls ?? resolveClusterTls({caBundle: options.caFile}, env)
  const {default: pg} = await import('pg')
  const client = new pg.Client({
    application_name: options.applicationName ?? 'auroractl',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    database: options.database ?? credentials.dbname ?? 'postgres',
    host: address.host,
    password: credentials.password,
    port: address.port,
    ssl: await nodeTlsOptions(tls, address.servername),
    user: credentials.username,
  })
  try {
    await client.connect()
  } catch (error) {
    const refused = certificateError(error, {address, port, tls})
    if (refused) throw refused
    const reason = (error as Error).message.split('\n')[0]
    const failure = classifyConnectError(error)
    // The driver's error stays the cause: waits for logins read its SQLSTATE or errno to tell transient from permanent.
    throw new AuroraError(
      'UNEXPECTED',
      `Cannot connect to ${describeRoute(address, port)} as ${credentials.username}: ${reason}${failure.code ? ` (${failure.code})` : ''}`,
      {
        cause: error,
        hint: connectFailureHint(failure),
      },
    )
  }

  return client
}
