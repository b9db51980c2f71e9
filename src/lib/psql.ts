import {lookup} from 'node:dns/promises'
import {existsSync} from 'node:fs'
import {isIP} from 'node:net'
import os from 'node:os'
import path from 'node:path'

import type {DatabaseCredentials} from './aws/secrets.js'
import type {ConnectAddress} from './endpoint-map.js'

import {AuroraError} from './errors.js'

export interface PsqlInvocation {
  args: string[]
  /** Variables added to the child's environment; the password travels here, never in argv. */
  env: Record<string, string>
  /** Why TLS is not fully verified, when it is not. */
  tlsWarning?: string
}

export const rdsCaBundleUrl = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem'

/**
 * The psql command line and environment for a connection. libpq connects to PGHOSTADDR (the
 * tunnel or endpoint-map address) while verifying the certificate against PGHOST (the endpoint
 * AWS reports), so `verify-full` holds through a port forward.
 */
export async function buildPsqlInvocation(options: {
  address: ConnectAddress
  caFile?: string
  credentials: DatabaseCredentials
  database: string
  userArgs: string[]
}): Promise<PsqlInvocation> {
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

  const defaultRoot = path.join(os.homedir(), '.postgresql', 'root.crt')
  const caFile = options.caFile ?? (existsSync(defaultRoot) ? defaultRoot : undefined)
  let tlsWarning: string | undefined
  if (caFile) {
    env.PGSSLMODE = 'verify-full'
    env.PGSSLROOTCERT = caFile
  } else {
    env.PGSSLMODE = 'require'
    tlsWarning = `TLS is on but the server is not verified: pass --ca-bundle with the RDS CA bundle (${rdsCaBundleUrl}) or set PGSSLROOTCERT for verify-full.`
  }

  return {args: options.userArgs, env, tlsWarning}
}

/** Runs the real psql with the terminal passed through; returns its exit code. */
export async function runPsql(invocation: PsqlInvocation, psqlPath = 'psql'): Promise<number> {
  const {execa} = await import('execa')
  const result = await execa(psqlPath, invocation.args, {env: invocation.env, extendEnv: true, reject: false, stdio: 'inherit'})
  if ((result as {code?: string}).code === 'ENOENT') {
    throw new AuroraError('NOT_FOUND', 'psql was not found on PATH.', {hint: 'Install the PostgreSQL client: `apt-get install postgresql-client-15` (or brew install libpq).'})
  }

  return result.exitCode ?? 1
}
