import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {secretsManagerSdk} from '../aws/sdk.js'
import {type DatabaseCredentials, parseCredentialsSecret} from '../aws/secrets.js'

/**
 * The Secrets Manager side of every rotation (the staged one auroractl runs, and the ones AWS runs that it watches
 * and reconciles): one version's value, the labels on each version, and the label moves of AWS's own rotation
 * functions (createSecret puts AWSPENDING, finishSecret moves AWSCURRENT). The one module that reads and moves them.
 */

/** Each version's labels, as DescribeSecret's VersionIdsToStages gives them. */
export type VersionStages = Record<string, string[]>

/** Each version's labels (DescribeSecret's VersionIdsToStages); no secret value is read. */
export async function readVersionStages(
  secretsManager: SecretsManagerClient,
  secretId: string,
  signal?: AbortSignal,
): Promise<VersionStages> {
  const {DescribeSecretCommand} = secretsManagerSdk()
  const described = await secretsManager.send(new DescribeSecretCommand({SecretId: secretId}), {abortSignal: signal})
  return described.VersionIdsToStages ?? {}
}

/** The version carrying `stage`, if any. */
export const versionWithStage = (stages: VersionStages, stage: string): string | undefined =>
  Object.entries(stages).find(([, labels]) => labels.includes(stage))?.[0]

/** The AWSPENDING version when it is not also AWSCURRENT: a rotation running, or one that was cut short or failed. */
export function pendingNotCurrent(stages: VersionStages): string | undefined {
  const pending = versionWithStage(stages, 'AWSPENDING')
  return pending && !stages[pending]?.includes('AWSCURRENT') ? pending : undefined
}

/** "AWSCURRENT on version v1, AWSPENDING on version v2": the labels in words (AWSPENDING omitted when it is on the current version). */
export function describeStages(stages: undefined | VersionStages): string {
  if (!stages) return 'the labels could not be read'
  const current = versionWithStage(stages, 'AWSCURRENT')
  const pending = pendingNotCurrent(stages)
  return [`AWSCURRENT on version ${current ?? '(none)'}`, pending ? `AWSPENDING on version ${pending}` : 'no AWSPENDING version'].join(', ')
}

/** One version's JSON, as stored (every field kept, so a new version changes the password and nothing else). */
export interface SecretVersionValue {
  credentials: DatabaseCredentials
  json: Record<string, unknown>
  versionId: string
}

export async function readSecretVersion(
  secretsManager: SecretsManagerClient,
  secretId: string,
  version: {versionId: string} | {versionStage: string},
): Promise<SecretVersionValue> {
  const {GetSecretValueCommand} = secretsManagerSdk()
  const {SecretString: text, VersionId: versionId} = await secretsManager.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...('versionId' in version ? {VersionId: version.versionId} : {VersionStage: version.versionStage}),
    }),
  )
  const {credentials, json} = parseCredentialsSecret(text ?? '', secretId)
  return {credentials, json, versionId: versionId ?? ('versionId' in version ? version.versionId : '')}
}

/** One version's credentials; undefined when the version holds no value (a rotation stopped before createSecret stored one). */
export async function readStoredCredentials(
  secretsManager: SecretsManagerClient,
  secretId: string,
  versionId: string,
): Promise<DatabaseCredentials | undefined> {
  try {
    return (await readSecretVersion(secretsManager, secretId, {versionId})).credentials
  } catch (error) {
    if (/ResourceNotFound|SecretHasNoValue/.test((error as Error).name)) return undefined
    throw error
  }
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
