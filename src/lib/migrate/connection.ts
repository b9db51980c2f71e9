import type {Client, ClientConfig} from 'pg'

import {readFile, stat} from 'node:fs/promises'
import {isIP} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {checkServerIdentity, type PeerCertificate} from 'node:tls'

import type {DatabaseCredentials} from '../aws/secrets.js'
import type {LibpqTls} from '../pg/tls.js'
import type {ConnectAddress} from '../target/endpoint-map.js'

import {AuroraError, badInput} from '../cli/errors.js'

export const sslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const
export type SslMode = (typeof sslModes)[number]

/** Where one side of a migration is, and who to be there. The password never leaves this object except into a driver or a child's environment. */
export interface ConnectionInfo {
  database: string
  host: string
  /** libpq hostaddr: connect here while TLS verifies `host` (port forwards, endpoint maps). */
  hostaddr?: string
  /** This side's own password. When absent, only this side's passfile entry is used (never another side's PGPASSWORD). */
  password?: string
  port: number
  sslmode: SslMode
  sslrootcert?: string
  user: string
}

/** URL parameters auroractl understands; any other is refused rather than silently ignored. */
const urlParameters = new Set(['sslmode', 'sslrootcert'])

/**
 * Parses a postgresql:// URL. A password inside it is refused: auroractl's own command line is
 * visible to every user in `ps` and in CI logs. Errors name the flag and never repeat the URL.
 */
export function parseConnectionUrl(value: string, flag: string): ConnectionInfo {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw badInput(`${flag} is not a URL: expected postgresql://USER@HOST:PORT/DATABASE.`)
  }

  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:')
    throw badInput(`${flag} must be a postgresql:// URL (got ${url.protocol}//).`)
  if (url.password) {
    throw badInput(
      `${flag} holds a password: a command line is visible to every user of this machine (ps) and in CI logs, so it is refused.`,
      passwordHint(flag),
    )
  }

  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!url.hostname) throw badInput(`${flag} has no host: expected postgresql://USER@HOST:PORT/DATABASE.`)
  if (!database) throw badInput(`${flag} names no database: expected postgresql://USER@HOST:PORT/DATABASE.`)
  if (!url.username) throw badInput(`${flag} names no user: expected postgresql://USER@HOST:PORT/DATABASE.`)
  const port = url.port ? Number(url.port) : 5432
  for (const name of url.searchParams.keys()) {
    if (!urlParameters.has(name))
      throw badInput(`${flag} has the parameter "${name}", which auroractl does not use: only sslmode and sslrootcert are read.`)
  }

  const sslmode = parseSslMode(url.searchParams.get('sslmode') ?? 'prefer', `${flag} sslmode`)
  return {
    database,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    sslmode,
    sslrootcert: url.searchParams.get('sslrootcert') ?? undefined,
    user: decodeURIComponent(url.username),
  }
}

function passwordHint(flag: string): string {
  return flag === '--from'
    ? 'Remove it from the URL and set PGPASSWORD, use ~/.pgpass (or PGPASSFILE), or read the credentials from Secrets Manager with --from-secret.'
    : 'Remove it from the URL and set AURORACTL_TO_PASSWORD, or use ~/.pgpass (or PGPASSFILE).'
}

export function parseSslMode(value: string, where: string): SslMode {
  if (!(sslModes as readonly string[]).includes(value)) throw badInput(`${where} is "${value}"; use one of ${sslModes.join(', ')}.`)
  return value as SslMode
}

/** --from-sslmode / --from-ca-bundle win over the URL's parameters, which win over libpq's default (prefer). */
export function withTlsOverrides(info: ConnectionInfo, overrides: {caBundle?: string; sslmode?: SslMode}): ConnectionInfo {
  return {...info, sslmode: overrides.sslmode ?? info.sslmode, sslrootcert: overrides.caBundle ?? info.sslrootcert}
}

/**
 * The cluster's side, from the credentials secret, the connect address (endpoint map, --via) and the
 * cluster's TLS (src/lib/pg/tls.ts: verify-full with a root certificate file, or require).
 */
export function connectionFromCredentials(
  credentials: DatabaseCredentials,
  address: ConnectAddress,
  database: string,
  tls: LibpqTls,
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
 * A database name for a libpq `--dbname` argument. libpq reads a dbname containing `=` (or a URI)
 * as a whole connection string, so a name like `a=b` could redirect the tool; as a quoted
 * `dbname='...'` keyword it can only ever be a name.
 */
export function dbnameArgument(database: string): string {
  return `dbname='${database.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)}'`
}

/** Variables of the caller's environment that must not reach a child meant for one side: another side's host, user or password. */
function withoutLibpqVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // PGPASSFILE stays: its entries are per host, port, database and user, so each side finds only its own.
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('PG') || name === 'PGPASSFILE'))
}

/**
 * The whole environment for a pg_dump, psql or pg_restore child of one side: the caller's
 * environment less every libpq variable, plus this side's. The password travels here (readable only
 * by this user, like a 0600 passfile), never on a command line that `ps` shows to everyone, and a
 * side without a password of its own never inherits the other side's PGPASSWORD.
 */
export function libpqEnvironment(
  info: ConnectionInfo,
  database = info.database,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const own: Record<string, string> = {
    PGAPPNAME: 'auroractl-migrate',
    PGCONNECT_TIMEOUT: '10',
    PGDATABASE: database,
    PGHOST: info.host,
    PGPORT: String(info.port),
    PGSSLMODE: info.sslmode,
    PGUSER: info.user,
  }
  if (info.hostaddr) own.PGHOSTADDR = info.hostaddr
  if (info.password !== undefined) own.PGPASSWORD = info.password
  if (info.sslrootcert) own.PGSSLROOTCERT = info.sslrootcert
  return {...(withoutLibpqVariables(env) as Record<string, string>), ...own}
}

/**
 * This side's passfile entry (PGPASSFILE, else ~/.pgpass), found as libpq finds it: the first line
 * whose host, port, database and user match (`*` matches anything; `\\:` and `\\\\` are escapes), from a
 * regular file no one else can read. Read here rather than by node-postgres' reader, which skips the
 * file whenever PGPASSWORD is set, and PGPASSWORD here belongs to the other side.
 */
export async function passfilePassword(
  info: Pick<ConnectionInfo, 'host' | 'port' | 'user'>,
  database: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const file = env.PGPASSFILE || path.join(env.HOME || os.homedir(), '.pgpass')
  const found = await stat(file).catch(() => {})
  // libpq ignores a passfile that group or others can read (any of the mode's low six bits).
  if (!found?.isFile() || found.mode % 0o100 !== 0) return undefined
  const wanted = [info.host, String(info.port), database, info.user]
  for (const line of (await readFile(file, 'utf8')).split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue
    const fields = splitPassfileLine(line)
    if (fields.length < 5) continue
    if (wanted.every((value, index) => fields[index] === '*' || fields[index] === value)) return fields[4]
  }

  return undefined
}

function splitPassfileLine(line: string): string[] {
  const fields: string[] = []
  let field = ''
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!
    if (character === '\\' && index + 1 < line.length) {
      field += line[++index]
    } else if (character === ':' && fields.length < 4) {
      fields.push(field)
      field = ''
    } else {
      field += character
    }
  }

  return [...fields, field]
}

/**
 * node-postgres settings for one TLS attempt. libpq's rules: `require` with a root certificate
 * verifies the chain (as verify-ca); verify-ca checks the chain but not the name; verify-full both.
 */
async function clientConfig(info: ConnectionInfo, database: string, tls: boolean): Promise<ClientConfig> {
  // An explicit password, else this side's passfile entry. Given as a function: node-postgres reads PGPASSWORD
  // (the source's) whenever the password setting is empty, and would offer it to whichever host this is.
  const own = info.password ?? (await passfilePassword(info, database))
  const password = async () => own ?? ''
  const verifyChain =
    info.sslmode === 'verify-full' || info.sslmode === 'verify-ca' || (info.sslmode === 'require' && info.sslrootcert !== undefined)
  return {
    application_name: 'auroractl-migrate',
    connectionTimeoutMillis: 10_000,
    database,
    host: info.hostaddr ?? info.host,
    password,
    port: info.port,
    ssl: tls
      ? {
          ca: verifyChain && info.sslrootcert ? await readFile(info.sslrootcert, 'utf8') : undefined,
          // verify-full checks the name libpq would: the host, even when the connection goes to hostaddr (node-postgres
          // would check the address it dials). verify-ca checks the chain only.
          checkServerIdentity:
            info.sslmode === 'verify-full'
              ? (_dialed: string, certificate: PeerCertificate) => checkServerIdentity(info.host, certificate)
              : skipNameCheck,
          rejectUnauthorized: verifyChain,
          // SNI takes names only: an IP address here is ignored by TLS and warned about by Node.
          servername: isIP(info.host) === 0 ? info.host : undefined,
        }
      : false,
    user: info.user,
  }
}

const skipNameCheck = (): Error | undefined => undefined

/** The server answered the SSL request with "no": under prefer, libpq then connects without TLS. */
const refusedTls = (error: Error) => /does not support SSL/i.test(error.message)
/** pg_hba has no line for an encrypted connection (hostnossl only): prefer falls back too, as libpq does. */
const noHbaLineForTls = (error: Error) => (error as {code?: string}).code === '28000' && /SSL on|encryption/i.test(error.message)

/**
 * Opens a node-postgres connection with libpq's sslmode semantics, which node-postgres lacks:
 * `prefer` tries TLS first (unverified, as libpq) and falls back to plain only when the server
 * refuses TLS; `disable` never uses it; the others require it.
 */
export async function openConnection(info: ConnectionInfo, database = info.database): Promise<Client> {
  const {default: pg} = await import('pg')
  const attempt = async (tls: boolean) => {
    const client = new pg.Client(await clientConfig(info, database, tls))
    client.on('error', () => {})
    try {
      await client.connect()
      return client
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
  }

  try {
    if (info.sslmode === 'disable') return await attempt(false)
    try {
      return await attempt(true)
    } catch (error) {
      if (info.sslmode === 'prefer' && (refusedTls(error as Error) || noHbaLineForTls(error as Error))) return await attempt(false)
      throw error
    }
  } catch (error) {
    throw connectionError(info, database, error as Error)
  }
}

const tlsFailureCodes = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])

function connectionError(info: ConnectionInfo, database: string, error: Error): AuroraError {
  const where = describeConnection({...info, database})
  const reason = error.message.split('\n')[0] ?? ''
  const code = (error as {code?: string}).code ?? ''
  if (tlsFailureCodes.has(code)) {
    return new AuroraError(
      'UNEXPECTED',
      `Cannot connect to ${where}: its TLS certificate was not accepted (sslmode ${info.sslmode}): ${reason}. No password was sent.`,
      {
        hint: `Trust the CA that signed it with ${info.sslrootcert ? 'the right' : 'a'} CA bundle (sslrootcert), check the host name, or lower sslmode only if you trust the network.`,
      },
    )
  }

  if (/client password must be a (non-empty )?string/.test(reason)) {
    return new AuroraError('UNEXPECTED', `Cannot connect to ${where}: the server asks for a password, and none was given for this side.`, {
      hint: 'Give it through PGPASSWORD (--from), AURORACTL_TO_PASSWORD (--to), ~/.pgpass, or a secret: each side only ever gets its own.',
    })
  }

  return new AuroraError('UNEXPECTED', `Cannot connect to ${where}: ${reason}`, {
    hint: 'Check the URL (host, port, user, database), the password (PGPASSWORD, ~/.pgpass, or the secret) and that the server is reachable.',
  })
}
