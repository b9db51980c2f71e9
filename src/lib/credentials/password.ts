import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {createHash, createHmac, pbkdf2Sync, randomBytes} from 'node:crypto'

import {secretsManagerSdk} from '../aws/sdk.js'
import {AuroraError} from '../cli/errors.js'
import {quoteIdentifier, quoteLiteral} from '../pg/sql.js'

/**
 * Passwords are set as SCRAM-SHA-256 verifiers computed here (what psql's \password does), never as
 * text: `ALTER ROLE ... PASSWORD 'text'` is written verbatim to the server log whenever statements
 * are logged (log_statement = ddl or all, log_min_duration_statement, a failed statement's log line),
 * and the log is readable through `auroractl logs` and the RDS console. A verifier logged is not a password.
 */

const scramIterations = 4096

/** The SCRAM-SHA-256 verifier PostgreSQL stores in pg_authid for `password` (RFC 5802/7677, PostgreSQL's format). */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16)): string {
  // PostgreSQL runs SASLprep first; the passwords we generate and store are ASCII, for which SASLprep changes nothing.
  const saltedPassword = pbkdf2Sync(password.normalize('NFKC'), salt, scramIterations, 32, 'sha256')
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest()
  return `SCRAM-SHA-256$${scramIterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/** `'SCRAM-SHA-256$...'`: a fresh verifier of `password` as an SQL literal, for `PASSWORD` in CREATE ROLE or ALTER ROLE. */
export const verifierLiteral = (password: string): string => quoteLiteral(scramSha256Verifier(password))

/** `ALTER ROLE name PASSWORD '<verifier>'`: the statement that sets a role's password without the password in it. */
export function alterRolePasswordSql(username: string, password: string): string {
  return `ALTER ROLE ${quoteIdentifier(username)} PASSWORD ${verifierLiteral(password)}`
}

/**
 * What generated passwords leave out (Secrets Manager's GetRandomPassword ExcludeCharacters): characters
 * that break a connection URI, a shell line, a .pgpass line or a libpq keyword string when someone
 * pastes the password there: quotes, backslash, slash, @, :, ?, #, %, &, =, +, ;, space, $, `, !, and friends.
 */
export const passwordExcludedCharacters = ` "'\`\\/@:?#%&=+;$!^*(){}[]<>|,~`

/** Length of generated passwords: well past brute force, under every client's limit. */
export const generatedPasswordLength = 32

/** A new password from Secrets Manager (GetRandomPassword), without the characters that break URIs and shells. */
export async function generatePassword(secretsManager: SecretsManagerClient): Promise<string> {
  const {GetRandomPasswordCommand} = secretsManagerSdk()
  const {RandomPassword: password} = await secretsManager.send(
    new GetRandomPasswordCommand({
      ExcludeCharacters: passwordExcludedCharacters,
      PasswordLength: generatedPasswordLength,
      RequireEachIncludedType: true,
    }),
  )
  if (!password) throw new AuroraError('AWS', 'Secrets Manager returned no password from GetRandomPassword.')
  return password
}
