import type {Client, ClientConfig} from 'pg'

import {readFile} from 'node:fs/promises'

import type {DatabaseCredentials} from '../aws/secrets.js'

import {type EndpointMap, resolveConnectAddress} from '../endpoint-map.js'
import {AuroraError} from '../errors.js'

export type SslMode = 'disable' | 'require' | 'verify-full'

export interface ConnectOptions {
  /** PEM bundle to trust (the RDS CA bundle, or the sandbox's CA); else PGSSLROOTCERT, else the system store. */
  caFile?: string
  connectTimeoutMs?: number
  database?: string
  endpointMap?: EndpointMap
  /** The endpoint AWS reports for the database; credentials' host when absent. */
  host?: string
  port?: number
  sslmode?: SslMode
  via?: {host: string; port: number}
}

/**
 * Opens a connection with the secret's credentials. The password goes into the driver's
 * memory only: never into argv, a URL that could be logged, or an error message.
 */
export async function connectWithCredentials(credentials: DatabaseCredentials, options: ConnectOptions, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const host = options.host ?? credentials.host
  const port = options.port ?? credentials.port ?? 5432
  if (!host) throw new AuroraError('BAD_INPUT', 'The credentials secret has no "host", and no endpoint was given.', {hint: 'Pass --cluster so the endpoint is read from RDS.'})
  const address = resolveConnectAddress(host, port, options)
  const sslmode = options.sslmode ?? 'verify-full'
  const caFile = options.caFile ?? env.PGSSLROOTCERT
  const ssl: ClientConfig['ssl'] =
    sslmode === 'disable'
      ? false
      : {
          ca: sslmode === 'verify-full' && caFile ? await readFile(caFile, 'utf8') : undefined,
          rejectUnauthorized: sslmode === 'verify-full',
          servername: address.servername,
        }
  const {default: pg} = await import('pg')
  const client = new pg.Client({
    application_name: 'auroractl',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    database: options.database ?? credentials.dbname ?? 'postgres',
    host: address.host,
    password: credentials.password,
    port: address.port,
    ssl,
    user: credentials.username,
  })
  try {
    await client.connect()
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]
    const where = address.route === 'direct' ? `${host}:${port}` : `${host}:${port} (through ${address.route} ${address.host}:${address.port})`
    throw new AuroraError('UNEXPECTED', `Cannot connect to ${where} as ${credentials.username}: ${reason}`, {
      hint: 'Check that the cluster is available (`auroractl status`), that its security group admits you, and the credentials secret.',
    })
  }

  return client
}
