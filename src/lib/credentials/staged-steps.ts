import type {Client} from 'pg'

import type {RotationStep} from './rotation-mode.js'
import type {StagedRotationInput} from './staged-rotation.js'

import {formatDuration} from '../cli/duration.js'
import {AuroraError} from '../cli/errors.js'
import {isLockTimeout} from '../pg/query.js'
import {type ClusterConnection} from '../target/cluster-connection.js'
import {type LoginProof, passwordChangeGraceMs, proveUntil, refusedPassword, rotationApplicationName, withLogin} from './login.js'
import {requestMasterPassword, waitForMasterPassword} from './master-password.js'
import {alterRolePasswordSql} from './password.js'

/** A staged rotation in progress: what it started from, and what it may have changed so far. */
export interface Rotation {
  clusterId: string
  /** The database may hold the new password: its change was sent (whatever the answer, unless a refusal). */
  databaseTouched: boolean
  input: StagedRotationInput
  /** The user is the cluster's master user: its password is changed through RDS. */
  master: boolean
  newPassword?: string
  /** Our id for the new version (PutSecretValue's ClientRequestToken). */
  newVersion: string
  /** The AWSCURRENT version's JSON when the rotation started. */
  oldJson: Record<string, unknown>
  oldPassword: string
  oldVersion: string
  /** The version labelled AWSPREVIOUS when the rotation started, which a rollback gives the label back to. */
  previousVersion?: string
  secretId: string
  steps: RotationStep[]
  username: string
}

/** The steps, in the order they run. */
const stepOrder = [
  'generate-password',
  'store-pending',
  'set-in-database',
  'prove-new-password',
  'promote',
  'clear-pending',
  'prove-old-refused',
] as const

export type StepName = (typeof stepOrder)[number]

export const stepLabels: Record<StepName, string> = {
  'clear-pending': 'Remove AWSPENDING',
  'generate-password': 'Generate a new password',
  promote: 'Promote it to AWSCURRENT',
  'prove-new-password': 'Prove a login with the new password',
  'prove-old-refused': 'Prove the old password is refused',
  'set-in-database': 'Set it in the database',
  'store-pending': 'Store it as AWSPENDING',
}

/** Why a step ended the rotation. */
export class StepFailure extends Error {
  constructor(readonly failure: {code: string; message: string; step: StepName}) {
    super(failure.message)
  }
}

/** The steps a report lists: each one done, failed, undone (rolled back) or not reached. */
export function reportSteps(steps: RotationStep[], undone: boolean): RotationStep[] {
  const reached = new Set(steps.map((item) => item.step))
  const changes = new Set<string>(['clear-pending', 'promote', 'set-in-database', 'store-pending'])
  return [
    ...steps.map((item) => (undone && item.status === 'done' && changes.has(item.step) ? {...item, status: 'undone' as const} : item)),
    ...stepOrder.filter((name) => !reached.has(name)).map((name) => ({status: 'skipped' as const, step: name})),
  ]
}

/** How long our ALTER ROLE waits behind another session's change to the role before giving up (and rolling back). */
const alterRoleLockTimeoutMs = 5000
/** How long a login proof retries the network (not a refusal), at most. */
const loginRetryMs = 30_000

/** The cluster connection, logged in as the secret's user with `password`. */
function loginWith(rotation: Rotation, password: string): ClusterConnection {
  const {connection} = rotation.input
  return {...connection, credentials: {...connection.credentials, password, username: rotation.username}}
}

/** Runs one statement as the secret's user with `password`, giving up after `lockTimeoutMs` behind a lock. */
export function asUser(
  rotation: Rotation,
  password: string,
  lockTimeoutMs: number,
  work: (client: Client) => Promise<void>,
): Promise<void> {
  return withLogin(loginWith(rotation, password), {applicationName: rotationApplicationName, lockTimeoutMs}, work)
}

/** The server answered the statement with an error: in autocommit, nothing it would have changed was. */
const serverRefused = (error: unknown): boolean => typeof (error as null | {severity?: unknown})?.severity === 'string'

/** setSecret for a role: its own ALTER ROLE, logged in with the current password (a role may change its own password). */
export async function alterOwnPassword(rotation: Rotation): Promise<string> {
  const {username} = rotation
  await asUser(rotation, rotation.oldPassword, alterRoleLockTimeoutMs, async (client) => {
    rotation.databaseTouched = true
    try {
      await client.query(alterRolePasswordSql(username, rotation.newPassword!))
    } catch (error) {
      // Refused by the server: unchanged. No answer (the connection broke): it may have changed, and the rollback checks.
      if (serverRefused(error)) rotation.databaseTouched = false
      if (!isLockTimeout(error)) throw error
      throw new AuroraError(
        'TIMED_OUT',
        `ALTER ROLE ${username} waited over ${formatDuration(alterRoleLockTimeoutMs)} for a lock: another session is changing the role in an open transaction.`,
        {cause: error, hint: 'Find it with `auroractl locks` or `auroractl ps`, let it finish, and rotate again.'},
      )
    }
  })
  return `ALTER ROLE ${username} PASSWORD (a SCRAM verifier), as ${username}`
}

/** An AWS error returned on the first attempt with a 4xx: the request was refused and changed nothing. */
const refusedOnFirstAttempt = (error: unknown): boolean => {
  const metadata = (error as null | {$metadata?: {attempts?: number; httpStatusCode?: number}})?.$metadata
  const status = metadata?.httpStatusCode ?? 0
  return status >= 400 && status < 500 && (metadata?.attempts ?? 1) <= 1
}

/** setSecret for the master user: ModifyDBCluster, then wait until RDS has applied it. */
export async function setMasterPassword(rotation: Rotation): Promise<string> {
  const {progress, rds, signal, timeoutMs} = rotation.input
  rotation.databaseTouched = true
  try {
    await requestMasterPassword(rds, rotation.clusterId, rotation.newPassword!)
  } catch (error) {
    if (refusedOnFirstAttempt(error)) rotation.databaseTouched = false
    throw error
  }

  await waitForMasterPassword(rds, rotation.clusterId, {progress, signal, timeoutMs})
  return 'ModifyDBCluster --master-user-password, applied'
}

/**
 * How long one proof may take. The network is retried for 30 s (within --timeout, and within `until`, a
 * rollback's own deadline). The master user's password is changed by RDS and reaches the database a moment
 * after RDS reports it applied: the other answer is asked again for a short grace, never the whole --timeout.
 */
export function proofLimits(rotation: Rotation, until = Number.POSITIVE_INFINITY): {deadline: number; graceDeadline?: number} {
  const now = Date.now()
  const deadline = Math.min(now + Math.min(loginRetryMs, rotation.input.timeoutMs), until)
  return rotation.master ? {deadline, graceDeadline: Math.min(now + passwordChangeGraceMs, until)} : {deadline}
}

/** Logs in as the secret's user with `password` until the answer is `want` (see proveUntil and proofLimits). */
export function proveAs(
  rotation: Rotation,
  password: string,
  options: {deadline: number; graceDeadline?: number; signal?: AbortSignal; want: 'accepted' | 'refused'},
): Promise<LoginProof> {
  return proveUntil(
    rotation.input.connection,
    {password, username: rotation.username},
    {...options, applicationName: rotationApplicationName},
  )
}

/** testSecret: the new password logs in. */
export async function proveNewPassword(rotation: Rotation): Promise<string> {
  const proof = await proveAs(rotation, rotation.newPassword!, {...proofLimits(rotation), signal: rotation.input.signal, want: 'accepted'})
  if (!proof.accepted) throw new AuroraError('CHECK_FAILED', `The new password did not log in as ${rotation.username}: ${proof.reason}`)
  return `logged in as ${rotation.username} with it`
}

/** After the promotion: the old password no longer logs in (a password still accepted would mean the change did not take). */
export async function proveOldRefused(rotation: Rotation): Promise<string> {
  const proof = await proveAs(rotation, rotation.oldPassword, {...proofLimits(rotation), signal: rotation.input.signal, want: 'refused'})
  if (refusedPassword(proof)) return 'the server refuses it'
  if (proof.accepted) {
    throw new AuroraError('CHECK_FAILED', `The old password still logs in as ${rotation.username} after the change.`, {
      hint: 'The server may trust this client without a password (pg_hba.conf "trust"): a rotation cannot be proven there.',
    })
  }

  throw new AuroraError('UNEXPECTED', `Could not prove the old password is refused: ${proof.reason}`)
}
