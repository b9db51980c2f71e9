import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {AuroraError, badInput} from '../cli/errors.js'
import {secretsManagerSdk} from './sdk.js'

/**
 * The RDS credentials secret format (what the module and RDS-managed secrets store).
 * `host`, `port` and `dbname` are optional: RDS-managed master secrets hold only username and password.
 */
export interface DatabaseCredentials {
  dbClusterIdentifier?: string
  dbname?: string
  engine?: string
  host?: string
  password: string
  port?: number
  username: string
}

/** Fetches and parses the secret. Errors name the secret and the field, never its value. */
export async function getDatabaseCredentials(secretsManager: SecretsManagerClient, secretId: string): Promise<DatabaseCredentials> {
  const {GetSecretValueCommand} = secretsManagerSdk()
  let secretString: string | undefined
  try {
    ;({SecretString: secretString} = await secretsManager.send(new GetSecretValueCommand({SecretId: secretId})))
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      throw new AuroraError('NOT_FOUND', `Secret "${secretId}" was not found.`, {
        hint: 'Check --secret (or AURORACTL_SECRET, or the Terraform output database_secret_arn) and --region.',
      })
    }

    throw error
  }

  if (secretString === undefined) throw badInput(`Secret "${secretId}" has no SecretString (binary secrets are not RDS credentials).`)
  return parseDatabaseCredentials(secretString, secretId)
}

export function parseDatabaseCredentials(secretString: string, secretId: string): DatabaseCredentials {
  return parseCredentialsSecret(secretString, secretId).credentials
}

/** The secret's JSON as stored (every field, for a new version that changes only the password) and the credentials in it. */
export function parseCredentialsSecret(
  secretString: string,
  secretId: string,
): {credentials: DatabaseCredentials; json: Record<string, unknown>} {
  let value: Record<string, unknown>
  try {
    value = JSON.parse(secretString) as Record<string, unknown>
  } catch {
    throw badInput(`Secret "${secretId}" is not JSON; expected the RDS format {"username": ..., "password": ...}.`)
  }

  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badInput(`Secret "${secretId}" is not a JSON object.`)
  for (const field of ['username', 'password'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw badInput(`Secret "${secretId}" has no "${field}" string field.`)
  }

  const port = value.port === undefined ? undefined : Number(value.port)
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65_536))
    throw badInput(`Secret "${secretId}" field "port" is not a TCP port.`)
  const optionalString = (field: string) => (typeof value[field] === 'string' && value[field] !== '' ? (value[field] as string) : undefined)
  const credentials = {
    dbClusterIdentifier: optionalString('dbClusterIdentifier'),
    dbname: optionalString('dbname'),
    engine: optionalString('engine'),
    host: optionalString('host'),
    password: value.password as string,
    port,
    username: value.username as string,
  }
  return {credentials, json: value}
}
