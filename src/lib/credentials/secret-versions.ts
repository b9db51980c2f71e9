import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {secretsManagerSdk} from '../aws/sdk.js'
import {type DatabaseCredentials, parseDatabaseCredentials} from '../aws/secrets.js'
import {generatedPasswordLength, passwordExcludedCharacters} from './password.js'

/**
 * The Secrets Manager side of a staged rotation: one version's value, the labels on each version, and the
 * label moves of AWS's own rotation functions (createSecret puts AWSPENDING, finishSecret moves AWSCURRENT).
 */

/** One version's JSON, as stored (every field kept, so a new version changes the password and nothing else). */
export interface SecretVersionValue {
  credentials: DatabaseCredentials
  json: Record<string, unknown>
}

export async function readSecretVersion(
  secretsManager: SecretsManagerClient,
  secretId: string,
  version: {versionId: string} | {versionStage: string},
): Promise<SecretVersionValue> {
  const {GetSecretValueCommand} = secretsManagerSdk()
  const {SecretString: text} = await secretsManager.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...('versionId' in version ? {VersionId: version.versionId} : {VersionStage: version.versionStage}),
    }),
  )
  const credentials = parseDatabaseCredentials(text ?? '', secretId)
  return {credentials, json: JSON.parse(text!) as Record<string, unknown>}
}

/** Each version's labels (DescribeSecret's VersionIdsToStages). */
export async function versionStages(secretsManager: SecretsManagerClient, secretId: string): Promise<Record<string, string[]>> {
  const {DescribeSecretCommand} = secretsManagerSdk()
  const described = await secretsManager.send(new DescribeSecretCommand({SecretId: secretId}))
  return described.VersionIdsToStages ?? {}
}

/** The version carrying `stage`, if any. */
export const versionWith = (stages: Record<string, string[]>, stage: string): string | undefined =>
  Object.entries(stages).find(([, labels]) => labels.includes(stage))?.[0]

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
  if (!password) throw new Error('GetRandomPassword returned no password.')
  return password
}

/** createSecret: the new value as a new version labelled AWSPENDING (the version id is ours, so a retried call is idempotent). */
export async function putPendingVersion(
  secretsManager: SecretsManagerClient,
  secretId: string,
  input: {json: Record<string, unknown>; versionId: string},
): Promise<void> {
  const {PutSecretValueCommand} = secretsManagerSdk()
  await secretsManager.send(
    new PutSecretValueCommand({
      ClientRequestToken: input.versionId,
      SecretId: secretId,
      SecretString: JSON.stringify(input.json),
      VersionStages: ['AWSPENDING'],
    }),
  )
}

/** Moves `stage` from one version to another (either side may be absent: attach only, or detach only). */
export async function moveStage(
  secretsManager: SecretsManagerClient,
  secretId: string,
  stage: string,
  move: {from?: string; to?: string},
): Promise<void> {
  const {UpdateSecretVersionStageCommand} = secretsManagerSdk()
  await secretsManager.send(
    new UpdateSecretVersionStageCommand({
      MoveToVersionId: move.to,
      RemoveFromVersionId: move.from,
      SecretId: secretId,
      VersionStage: stage,
    }),
  )
}

/** The AWS CLI line that moves a label by hand (for a rollback that could not finish): never a password in it. */
export function moveStageCommand(secretId: string, stage: string, move: {from?: string; to?: string}): string {
  return [
    `aws secretsmanager update-secret-version-stage --secret-id ${secretId} --version-stage ${stage}`,
    move.to ? ` --move-to-version-id ${move.to}` : '',
    move.from ? ` --remove-from-version-id ${move.from}` : '',
  ].join('')
}
