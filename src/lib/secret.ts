import type {RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import type {Target} from './target/target.js'

import {describeCluster} from './aws/rds.js'
import {type DatabaseCredentials, getDatabaseCredentials} from './aws/secrets.js'
import {AuroraError, badInput} from './cli/errors.js'
import {pendingNotCurrent, readVersionStages} from './credentials/secret-versions.js'
import {defaultTlsMode, type LibpqTls} from './pg/tls.js'

export type SecretSource = 'cluster' | 'config' | 'env' | 'flag' | 'terraform'

/**
 * Which secret holds the credentials: --secret / AURORACTL_SECRET / config / Terraform's
 * database_secret_arn (all resolved in the target), else the cluster's own MasterUserSecret when
 * RDS manages the password.
 */
export async function resolveSecretId(target: Target, rds: () => Promise<RDSClient>): Promise<{secretId: string; source: SecretSource}> {
  if (target.secret) return {secretId: target.secret, source: target.sources.secret ?? 'flag'}
  if (target.cluster) {
    const cluster = await describeCluster(await rds(), target.cluster)
    const managed = cluster.MasterUserSecret?.SecretArn
    if (managed) return {secretId: managed, source: 'cluster'}
  }

  throw new AuroraError('NO_CLUSTER', 'No credentials secret named, and the cluster has no RDS-managed master secret.', {
    exitCode: 2,
    hint: 'Pass --secret ARN (or AURORACTL_SECRET), set "secret" in auroractl.config.json, or point --tf-dir at the module (output database_secret_arn).',
  })
}

/** The credentials, with what the secret lacks (RDS-managed secrets hold only username and password) filled in from the cluster. */
export async function loadCredentials(
  secretsManager: SecretsManagerClient,
  secretId: string,
  cluster: {describe: () => Promise<undefined | {DatabaseName?: string; DBClusterIdentifier?: string; Endpoint?: string; Port?: number}>},
): Promise<DatabaseCredentials> {
  const credentials = await getDatabaseCredentials(secretsManager, secretId)
  if (credentials.host && credentials.port && credentials.dbname) return credentials
  const described = await cluster.describe()
  return {
    ...credentials,
    dbClusterIdentifier: credentials.dbClusterIdentifier ?? described?.DBClusterIdentifier,
    dbname: credentials.dbname ?? described?.DatabaseName,
    host: credentials.host ?? described?.Endpoint,
    port: credentials.port ?? described?.Port,
  }
}

/** True while a rotation is half-way: an AWSPENDING version exists that is not yet AWSCURRENT. */
export async function rotationInProgress(secretsManager: SecretsManagerClient, secretId: string): Promise<boolean> {
  return pendingNotCurrent(await readVersionStages(secretsManager, secretId)) !== undefined
}

export const secretFields = ['username', 'password', 'host', 'port', 'dbname', 'engine', 'dbClusterIdentifier'] as const
export type SecretField = (typeof secretFields)[number]
export type SecretFormat = 'env' | 'json' | 'pgpass' | 'text' | 'uri'

export const maskedPassword = '********'

/** Formats programs read: a masked password in them would be used as the password. */
export const machineFormats: readonly SecretFormat[] = ['env', 'pgpass', 'uri']

/**
 * Masked values never feed scripts: without --reveal, a format meant for programs (env, pgpass, uri) or the
 * password field alone is refused when stdout is not a terminal (`eval "$(... --format env)"` would set
 * PGPASSWORD='********'), and the password field is refused on a terminal too (a mask alone shows nothing).
 * Text and JSON stay masked: they are for people, and JSON says `"revealed": false`.
 */
export function refuseMaskedOutput(options: {field?: SecretField; format: SecretFormat; stdoutIsTerminal: boolean}): void {
  if (options.field === 'password') {
    throw badInput(
      `Refusing to print a masked password for --field password${options.stdoutIsTerminal ? ' to a terminal' : ''}: a script would use the mask.`,
      'Add --reveal to print the real password (it then goes wherever stdout goes).',
    )
  }

  if (options.field === undefined && !options.stdoutIsTerminal && machineFormats.includes(options.format)) {
    throw badInput(
      `Refusing to write --format ${options.format} with a masked password into a pipe or file: a script would use the mask.`,
      'Add --reveal to write the real password, or use --format text or --json for a masked view.',
    )
  }
}

/** The credentials as printed: the password masked unless `reveal`. */
export function visibleCredentials(credentials: DatabaseCredentials, reveal: boolean): Record<SecretField, null | number | string> {
  return {
    dbClusterIdentifier: credentials.dbClusterIdentifier ?? null,
    dbname: credentials.dbname ?? null,
    engine: credentials.engine ?? null,
    host: credentials.host ?? null,
    password: reveal ? credentials.password : maskedPassword,
    port: credentials.port ?? null,
    username: credentials.username,
  }
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`
const pgpassEscape = (value: string) => value.replaceAll('\\', '\\\\').replaceAll(':', String.raw`\:`)

/**
 * Renders credentials in one of the formats tools take. `visible` already has the password masked or not.
 * env and uri carry `tls`: verify-full with its root certificate unless the user chose --tls require.
 */
export function formatCredentials(visible: Record<SecretField, null | number | string>, format: SecretFormat, tls?: LibpqTls): string {
  const {sslmode, sslrootcert} = tls ?? {sslmode: defaultTlsMode}
  const value = (field: SecretField) => (visible[field] === null ? '' : String(visible[field]))
  switch (format) {
    case 'env': {
      return [
        ...[
          ['PGHOST', 'host'],
          ['PGPORT', 'port'],
          ['PGDATABASE', 'dbname'],
          ['PGUSER', 'username'],
          ['PGPASSWORD', 'password'],
        ].map(([name, field]) => `export ${name}=${shellQuote(value(field as SecretField))}`),
        `export PGSSLMODE=${shellQuote(sslmode)}`,
        ...(sslrootcert ? [`export PGSSLROOTCERT=${shellQuote(sslrootcert)}`] : []),
      ].join('\n')
    }

    case 'json': {
      return JSON.stringify(visible, null, 2)
    }

    case 'pgpass': {
      return ['host', 'port', 'dbname', 'username', 'password'].map((field) => pgpassEscape(value(field as SecretField))).join(':')
    }

    case 'text': {
      const width = Math.max(...secretFields.map((field) => field.length))
      return secretFields.map((field) => `${field.padEnd(width)}  ${value(field) || '-'}`).join('\n')
    }

    case 'uri': {
      const tlsQuery = `sslmode=${sslmode}${sslrootcert ? `&sslrootcert=${encodeURIComponent(sslrootcert)}` : ''}`
      const password = value('password') === maskedPassword ? maskedPassword : encodeURIComponent(value('password'))
      return `postgresql://${encodeURIComponent(value('username'))}:${password}@${value('host')}:${value('port') || 5432}/${encodeURIComponent(value('dbname'))}?${tlsQuery}`
    }
  }
}
