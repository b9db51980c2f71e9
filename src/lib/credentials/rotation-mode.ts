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
  /** The rotation function's name (the ARN's last part): its log group is /aws/lambda/NAME. */
  rotationFunctionName?: string
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
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    rotationFunctionName: rotationFunctionArn?.split(':')[6],
    secretArn: described.ARN ?? secretId,
  }
}

/** How the database learns the new password. */
export type PasswordChange =
  /** A role's own `ALTER ROLE ... PASSWORD` (as a SCRAM verifier), logged in with its current password. */
  | 'alter-role'
  /** The master user: `ModifyDBCluster --master-user-password --apply-immediately`, applied by RDS in seconds. */
  | 'modify-db-cluster'
  /** RDS changes both (an RDS-managed master secret). */
  | 'rds'
  /** The configured rotation function's setSecret step. */
  | 'rotation-function'

/** Sessions logged in as one user, grouped by application and client address (null: a local socket). */
export interface SessionGroup {
  applicationName: string
  clientAddress: null | string
  sessions: number
}

export interface UserSessions {
  groups: SessionGroup[]
  total: number
}

/** What `secret rotate` and `role rotate` would do, shown before they do it (and all --dry-run does). Never a password. */
export interface RotationPlan {
  clusterId: string
  /** The AWSCURRENT version now, and when it was created (ISO 8601). */
  currentVersion: {createdDate: null | string; versionId: string}
  mode: RotationMode
  passwordChange: PasswordChange
  secretArn: string
  secretName: string
  /** Sessions logged in as the user on the writer now: they keep working, and need the new password when they next connect. */
  sessions: null | UserSessions
  /** Why the sessions could not be listed, when they could not. */
  sessionsError?: string
  /** What would happen, in order, in words. */
  steps: string[]
  username: string
}

/** What one rotation did, step by step, as `secret rotate --json` reports it (never a password). */
export interface RotationStep {
  detail?: string
  /** done: completed; failed: the step that went wrong; undone: rolled back; skipped: not reached. */
  status: 'done' | 'failed' | 'skipped' | 'undone'
  step: string
}

export interface RotationReport {
  /** Which password the database took at the end, as proven by logging in: the new one, the old one, neither, or unknown (unreachable). */
  databaseAccepts?: 'neither' | 'new' | 'old' | 'unknown'
  /** The step that failed, and why (rolled-back and rollback-failed). */
  failure?: {code: string; message: string; step: string}
  /**
   * When the rollback could not make the secret and the database agree: what to run by hand, in order.
   * The commands never contain a password (they move labels, or read the password from the secret).
   */
  manualFix?: string[]
  mode: RotationMode
  /** The version holding the new password (AWSCURRENT after a rotation; left without a label after a rollback). */
  newVersion?: string
  /**
   * rotated: the new password is current and proven; rolled-back: a step failed and everything is as before;
   * rollback-failed: a step failed and the rollback could not make the secret and the database agree (see manualFix).
   */
  outcome: 'dry-run' | 'rollback-failed' | 'rolled-back' | 'rotated'
  /** What the rollback did, step by step (rolled-back and rollback-failed). */
  rollback?: RotationStep[]
  secretArn: string
  /** One sentence a person can act on: which version is AWSCURRENT, which password the database accepts. */
  state: string
  steps: RotationStep[]
  username: string
  /** AWSCURRENT and AWSPREVIOUS at the end (previous: null when no version has it). */
  versions: {current: string; previous: null | string}
}
