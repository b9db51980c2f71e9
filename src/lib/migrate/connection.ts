import type {ClientConfig} from 'pg'

import {isIP} from 'node:net'

import type {DatabaseCredentials} from '../aws/secrets.js'
import type {ConnectAddress} from '../endpoint-map.js'

import {badInput} from '../errors.js'

/** Where one side of a migration is, and who to be there. The password never leaves this object except into a driver or a child's environment. */
export interface ConnectionInfo {
  database: string
  host: string
  /** libpq hostaddr: connect here while TLS verifies `host` (port forwards, endpoint maps). */
  hostaddr?: string
  password?: string
  port: number
  sslmode: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full'
  sslrootcert?: string
  user: string
}

/** Parses a postgresql:// URL. Errors name the flag and never repeat the URL (it may hold a password). */
export function parseConnectionUrl(value: string, flag: string): ConnectionInfo {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw badInput(`${flag} is not a URL: expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE.`)
  }

  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw badInput(`${flag} must be a postgresql:// URL (got ${url.protocol}//).`)
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!url.hostname) throw badInput(`${flag} has no host: expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE.`)
  if (!database) throw badInput(`${flag} names no database: expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE.`)
  if (!url.username) throw badInput(`${flag} names no user: expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE.`)
  const port = url.port ? Number(url.port) : 5432
  const sslmode = (url.searchParams.get('sslmode') ?? 'prefer') as ConnectionInfo['sslmode']
  if (!['disable', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode)) throw badInput(`${flag} has sslmode=${sslmode}; use disable, prefer, require, verify-ca or verify-full.`)
  return {
    database,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    port,
    sslmode,
    sslrootcert: url.searchParams.get('sslrootcert') ?? undefined,
    user: decodeURIComponent(url.username),
  }
}

/**
 * The cluster's side, from the credentials secret, the connect address (endpoint map, --via) and the
 * cluster's TLS (src/lib/pg/tls.ts: verify-full with a root certificate file, or require).
 */
export function connectionFromCredentials(
  credentials: DatabaseCredentials,
  address: ConnectAddress,
  database: string,
  tls: {sslmode: 'require' | 'verify-full'; sslrootcert?: string},
): ConnectionInfo {
  return {
    database,
    host: address.servername,
    hostaddr: address.route === 'direct' ? undefined : address.host,
    password: credentials.password,
    port: address.port,
    sslmode: tls.sslmode,
    sslrootcert: tls.sslrootcert,
    user: credentials.username,
  }
}

/** For people and logs: never the password. */
export function describeConnection(info: ConnectionInfo): string {
  return `${info.user}@${info.host}:${info.port}/${info.database}${info.hostaddr ? ` (via ${info.hostaddr})` : ''}`
}

/**
 * libpq's environment for pg_dump, psql and pg_restore: the password travels here (readable only by
 * this user, like a 0600 passfile), never on a command line that `ps` shows to everyone.
 */
export function libpqEnvironment(info: ConnectionInfo, database = info.database): Record<string, string> {
  const env: Record<string, string> = {
    PGAPPNAME: 'auroractl-migrate',
    PGCONNECT_TIMEOUT: '10',
    PGDATABASE: database,
    PGHOST: info.host,
    PGPORT: String(info.port),
    PGSSLMODE: info.sslmode,
    PGUSER: info.user,
  }
  if (info.hostaddr) env.PGHOSTADDR = info.hostaddr
  if (info.password !== undefined) env.PGPASSWORD = info.password
  if (info.sslrootcert) env.PGSSLROOTCERT = info.sslrootcert
  return env
}

/** node-postgres settings for the same connection. */
export async function clientConfig(info: ConnectionInfo, database = info.database): Promise<ClientConfig> {
  const {readFile} = await import('node:fs/promises')
  const verify = info.sslmode === 'verify-full' || info.sslmode === 'verify-ca'
  return {
    application_name: 'auroractl-migrate',
    connectionTimeoutMillis: 10_000,
    database,
    host: info.hostaddr ?? info.host,
    password: info.password,
    port: info.port,
    ssl:
      info.sslmode === 'disable' || info.sslmode === 'prefer'
        ? false
        : {
            ca: verify && info.sslrootcert ? await readFile(info.sslrootcert, 'utf8') : undefined,
            rejectUnauthorized: verify,
            // SNI takes names only: an IP address here is ignored by TLS and warned about by Node.
            servername: isIP(info.host) === 0 ? info.host : undefined,
          },
    user: info.user,
  }
}
