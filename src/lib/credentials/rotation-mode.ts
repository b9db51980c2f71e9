import type {DBCluster} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {secretsManagerSdk} from '../aws/sdk.js'

/**
 * How a secret's password is changed, which decides what `secret rotate` does:
 * - `rds-managed`: the cluster's MasterUserSecret (ManageMasterUserPassword). RDS owns the secret and the
 *   password; Secrets Manager's RotateSecret asks RDS to change both.
 * - `rotation-function`: a Lambda rotation function is configured. RotateSecret runs its four steps
 *   (createSecret, setSecret, testSecret, finishSecret); auroractl waits for AWSCURRENT to move.
 * - `staged`: a plain secret (what the bundled module creates). auroractl runs the same four steps itself.
 */
export type RotationMode = 'rds-managed' | 'rotation-function' | 'staged'

export interface SecretVersionInfo {
  createdDate?: Date
  stages: string[]
  versionId: string
}

export interface SecretRotationInfo {
  /** RotationRules.AutomaticallyAfterDays, when a schedule is set. */
  automaticallyAfterDays?: number
  /** The AWSCURRENT version. */
  current: SecretVersionInfo
  lastRotatedDate?: Date
  mode: RotationMode
  name: string
  nextRotationDate?: Date
  /** The AWSPENDING version when it is not also AWSCURRENT: a rotation started and has not finished (or failed). */
  pending?: SecretVersionInfo
  /** RotationEnabled as Secrets Manager reports it (an automatic schedule is on). */
  rotationEnabled: boolean
  rotationFunctionArn?: string
  secretArn: string
}

/** Reads the secret's rotation setup and versions (DescribeSecret, ListSecretVersionIds): no secret value is read. */
export async function describeSecretRotation(
  secretsManager: SecretsManagerClient,
  secretId: string,
  cluster?: Pick<DBCluster, 'MasterUserSecret'>,
): Promise<SecretRotationInfo> {
  const {DescribeSecretCommand, paginateListSecretVersionIds} = secretsManagerSdk()
  const described = await secretsManager.send(new DescribeSecretCommand({SecretId: secretId}))
  const versions: SecretVersionInfo[] = []
  for await (const page of paginateListSecretVersionIds({client: secretsManager}, {SecretId: secretId})) {
    for (const version of page.Versions ?? []) {
      if (version.VersionId)
        versions.push({createdDate: version.CreatedDate, stages: version.VersionStages ?? [], versionId: version.VersionId})
    }
  }

  const current = versions.find((version) => version.stages.includes('AWSCURRENT'))
  if (!current) throw new Error(`Secret "${secretId}" has no AWSCURRENT version.`)
  const pending = versions.find((version) => version.stages.includes('AWSPENDING') && !version.stages.includes('AWSCURRENT'))
  const managedByRds =
    described.OwningService === 'rds' || (described.ARN !== undefined && described.ARN === cluster?.MasterUserSecret?.SecretArn)
  const rotationFunctionArn = described.RotationLambdaARN || undefined
  return {
    automaticallyAfterDays: described.RotationRules?.AutomaticallyAfterDays,
    current,
    lastRotatedDate: described.LastRotatedDate,
    mode: managedByRds ? 'rds-managed' : rotationFunctionArn ? 'rotation-function' : 'staged',
    name: described.Name ?? secretId,
    nextRotationDate: described.NextRotationDate,
    pending,
    rotationEnabled: described.RotationEnabled === true,
    rotationFunctionArn,
    secretArn: described.ARN ?? secretId,
  }
}

/** What one rotation did, step by step, as `secret rotate --json` reports it (never a password). */
export interface RotationStep {
  detail?: string
  /** done: completed; failed: the step that went wrong; undone: rolled back; skipped: not reached. */
  status: 'done' | 'failed' | 'skipped' | 'undone'
  step: string
}

export interface RotationReport {
  mode: RotationMode
  /** rotated: the new password is current and proven; rolled-back: a step failed and everything is as before. */
  outcome: 'dry-run' | 'rolled-back' | 'rotated'
  secretArn: string
  /** One sentence a person can act on: which version is AWSCURRENT, which password the database accepts. */
  state: string
  steps: RotationStep[]
  username: string
  versions: {current: string; previous: string}
}
