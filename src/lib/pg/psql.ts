import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'

import type {DatabaseCredentials} from '../aws/secrets.js'
import type {ConnectAddress} from '../target/endpoint-map.js'

import {AuroraError} from '../cli/errors.js'
import {type ClusterTls, libpqTlsEnvironment} from './tls.js'

export interface PsqlInvocation {
  args: string[]
  /** Variables added to the child's environment; the password travels here, never in argv. */
  env: Record<string, string>
}

/**
 * The psql command line and environment for a connection. libpq connects to PGHOSTADDR (the
 * tunnel or endpoint-map address) while verifying the certificate against PGHOST (the endpoint
 * AWS reports), so `verify-full` holds through a port forward. PGSSLROOTCERT is the user's CA file, or
 * the bundled RDS CAs and system roots written once to a 0600 file (src/lib/pg/tls.ts).
 */
export async function buildPsqlInvocation(
  options: {
    address: ConnectAddress
    credentials: DatabaseCredentials
    database: string
    tls: ClusterTls
    userArgs: string[]
  },
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<PsqlInvocation> {
  const {address, credentials} = options
  const env: Record<string, string> = {
    PGAPPNAME: 'auroractl-psql',
    PGCONNECT_TIMEOUT: '10',
    PGDATABASE: options.database,
    PGHOST: address.servername,
    PGPASSWORD: credentials.password,
    PGPORT: String(address.port),
    PGUSER: credentials.username,
  }
  if (address.route !== 'direct' || address.host !== address.servername) {
    env.PGHOSTADDR = isIP(address.host) ? address.host : (await lookup(address.host)).address
  }

  Object.assign(env, await libpqTlsEnvironment(options.tls, processEnv))
  return {args: options.userArgs, env}
}

/** Set on SIGINT while psql runs: a listener, so Node does not exit on the signal, that does nothing. */
function ignoreSignal(): void {}

/**
 * Runs the real psql with the terminal passed through; returns its exit code (psql's own: 0 ok, 1 a fatal
 * error of psql's, 2 the connection went bad, 3 a script error with ON_ERROR_STOP; killed by a signal: 128+N).
 *
 * While psql runs, SIGINT belongs to psql: Ctrl-C at a terminal reaches the whole foreground process group,
 * and psql answers it by cancelling the running query, keeping the session. So this process ignores SIGINT
 * (its own handlers are set aside, not run) until psql exits, then puts them back. SIGTERM is left as it is.
 */
export async function runPsql(invocation: PsqlInvocation, psqlPath = 'psql'): Promise<number> {
  const {execa} = await import('execa')
  // Inherited libpq variables (PGHOSTADDR from `sandbox env`, say) would redirect or change this connection: only ours reach psql.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')))
  const handlers = process.listeners('SIGINT')
  process.removeAllListeners('SIGINT')
  process.on('SIGINT', ignoreSignal)
  let result
  try {
    result = await execa(psqlPath, invocation.args, {
      env: {...inherited, ...invocation.env},
      extendEnv: false,
      reject: false,
      stdio: 'inherit',
    })
  } finally {
    process.off('SIGINT', ignoreSignal)
    for (const handler of handlers) process.on('SIGINT', handler)
  }

  if ((result as {code?: string}).code === 'ENOENT') {
    throw new AuroraError('NOT_FOUND', 'psql was not found on PATH.', {
      hint: 'Install the PostgreSQL client: `apt-get install postgresql-client-15` (or brew install libpq).',
    })
  }

  // A psql killed by a signal has no exit code: report it the shell's way.
  if (result.exitCode === undefined && result.signal) {
    const {constants} = await import('node:os')
    return 128 + (constants.signals[result.signal as keyof typeof constants.signals] ?? 0)
  }

  return result.exitCode ?? 1
}
