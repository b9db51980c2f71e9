import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import type {Progress} from '../cli/progress.js'
import type {ClusterConnection} from '../target/cluster-connection.js'
import type {RotationReport, RotationStep} from './rotation-mode.js'

import {type DatabaseCredentials} from '../aws/secrets.js'
import {toRenderedError} from '../cli/errors.js'
import {type LoginProof, proveLogin, refusedPassword, withLogin} from './login.js'
import {resetToSecretCommands} from './manual-fix.js'
import {alterRolePasswordSql} from './password.js'
import {
  moveStage,
  moveStageCommand,
  pendingNotCurrent,
  readSecretVersion,
  readStoredCredentials,
  readVersionStages,
  versionWithStage,
} from './secret-versions.js'

/**
 * After a rotation function failed (AWSPENDING left on a version that is not AWSCURRENT), make the secret and
 * the database agree again on the AWSCURRENT password, and leave no AWSPENDING label, so the next rotation
 * starts clean. What the database holds depends on where the function stopped: before setSecret it still has
 * the current password; after setSecret (testSecret or finishSecret failed) it has the pending one, and is put
 * back, logged in with the pending password (the user may change its own password). The label is removed only
 * once the database agrees: a run cut short in between leaves the evidence (AWSPENDING) for the next one.
 */

export interface ReconcileInput {
  connection: ClusterConnection
  /** The rotation function's name, for the log group a person reads next. */
  functionName: string
  progress: Progress
  secretId: string
  secretsManager: SecretsManagerClient
}

export type ReconcileResult = Pick<RotationReport, 'databaseAccepts' | 'manualFix' | 'state' | 'versions'> & {
  outcome: 'rollback-failed' | 'rolled-back'
  rollback: RotationStep[]
}

interface Reconciling {
  current: {credentials: DatabaseCredentials; versionId: string}
  input: ReconcileInput
  pending?: {credentials?: DatabaseCredentials; versionId: string}
  /** AWSPREVIOUS when the reconciliation started (it never moves it). */
  previous?: string
  steps: RotationStep[]
}

const applicationName = 'auroractl-rotation-reconcile'
const proofTimeMs = 15_000
/** How long putting the current password back waits behind another session's lock on the role (as a staged rollback). */
const restoreLockTimeoutMs = 30_000

export async function reconcileFailedRotation(input: ReconcileInput): Promise<ReconcileResult> {
  const state = await readVersions(input)
  const before = await proveAs(state.input.connection, state.current.credentials)
  // Which password the database takes decides the rest: a refusal is an answer (the check is done); no answer is a failure.
  record(
    state,
    'check-database-password',
    before.accepted || refusedPassword(before) ? 'done' : 'failed',
    loginDetail('AWSCURRENT', before),
  )
  if (!before.accepted) {
    if (!refusedPassword(before)) return unresolved(state, 'unknown', `the database could not be asked (${before.reason})`)
    const restored = await restoreCurrentPassword(state)
    if (!restored) return unresolved(state, 'neither', 'neither the AWSCURRENT nor the AWSPENDING password logs in')
  }

  if (state.pending) {
    const cleared = await clearPending(state, state.pending.versionId)
    if (!cleared) return unresolved(state, 'old', 'the database is back on the AWSCURRENT password, but AWSPENDING could not be removed')
  }

  return verify(state)
}

/** Reads what the failed rotation left: the AWSCURRENT version's value, and the AWSPENDING one's (none before createSecret). */
async function readVersions(input: ReconcileInput): Promise<Reconciling> {
  const stages = await readVersionStages(input.secretsManager, input.secretId)
  const currentId = versionWithStage(stages, 'AWSCURRENT')
  if (!currentId) throw new Error(`Secret ${input.secretId} has no AWSCURRENT version.`)
  const current = {
    credentials: (await readSecretVersion(input.secretsManager, input.secretId, {versionId: currentId})).credentials,
    versionId: currentId,
  }
  const pendingId = pendingNotCurrent(stages)
  const pending = pendingId
    ? {credentials: await readStoredCredentials(input.secretsManager, input.secretId, pendingId), versionId: pendingId}
    : undefined
  return {current, input, pending, previous: versionWithStage(stages, 'AWSPREVIOUS'), steps: []}
}

/** setSecret ran and finishSecret did not: the database has the pending password. Set the current one back with it. */
async function restoreCurrentPassword(state: Reconciling): Promise<boolean> {
  const pending = state.pending?.credentials
  if (!pending) {
    record(state, 'restore-database-password', 'skipped', 'the AWSPENDING version holds no password to log in with')
    return false
  }

  const proof = await proveAs(state.input.connection, pending)
  if (!proof.accepted) {
    record(state, 'restore-database-password', 'skipped', loginDetail('AWSPENDING', proof))
    return false
  }

  const {username} = state.current.credentials
  try {
    await withLogin(
      {...state.input.connection, credentials: {...state.input.connection.credentials, ...pending}},
      {applicationName, lockTimeoutMs: restoreLockTimeoutMs},
      async (client) => {
        await client.query(alterRolePasswordSql(username, state.current.credentials.password))
      },
    )
  } catch (error) {
    record(state, 'restore-database-password', 'failed', `ALTER ROLE ${username} failed: ${toRenderedError(error).message}`)
    return false
  }

  record(
    state,
    'restore-database-password',
    'done',
    `the database had the AWSPENDING password (setSecret ran, finishSecret did not): ${username}'s password set back to the AWSCURRENT one, logged in as ${pending.username} with the pending password`,
  )
  return true
}

async function clearPending(state: Reconciling, versionId: string): Promise<boolean> {
  try {
    await moveStage(state.input.secretsManager, state.input.secretId, 'AWSPENDING', {from: versionId})
  } catch (error) {
    record(state, 'clear-pending', 'failed', `UpdateSecretVersionStage failed: ${toRenderedError(error).message}`)
    return false
  }

  record(state, 'clear-pending', 'done', `AWSPENDING removed from version ${versionId}, so the next rotation starts clean`)
  return true
}

/** The end state, read back: the labels, and which password the database takes. */
async function verify(state: Reconciling): Promise<ReconcileResult> {
  const stages = await readVersionStages(state.input.secretsManager, state.input.secretId)
  const current = await proveAs(state.input.connection, state.current.credentials)
  const pending = state.pending?.credentials
  // A function that alternates users changes the clone's password, never this user's: its refusal proves nothing.
  const pendingProof =
    pending && pending.username === state.current.credentials.username ? await proveAs(state.input.connection, pending) : undefined
  const labelsAgree = versionWithStage(stages, 'AWSCURRENT') === state.current.versionId && !pendingNotCurrent(stages)
  const agreed = current.accepted && labelsAgree && !pendingProof?.accepted
  const found = [
    `AWSCURRENT on version ${versionWithStage(stages, 'AWSCURRENT')}`,
    pendingNotCurrent(stages) ? `AWSPENDING still on version ${pendingNotCurrent(stages)}` : 'no AWSPENDING',
    loginDetail('AWSCURRENT', current),
    pendingProof ? loginDetail('AWSPENDING', pendingProof) : undefined,
  ].filter(Boolean)
  record(state, 'verify', agreed ? 'done' : 'failed', found.join('; '))
  if (!agreed)
    return unresolved(
      state,
      current.accepted ? 'old' : refusedPassword(current) ? 'neither' : 'unknown',
      'the end state is not the one intended',
    )
  return {
    databaseAccepts: 'old',
    outcome: 'rolled-back',
    rollback: state.steps,
    state: `${agreedSentence(state)} ${logSentence(state.input.functionName)}`,
    versions: {current: state.current.versionId, previous: versionWithStage(stages, 'AWSPREVIOUS') ?? null},
  }
}

function agreedSentence(state: Reconciling): string {
  const pending = state.pending
    ? ` The failed rotation's version ${state.pending.versionId} no longer has AWSPENDING${state.pending.credentials ? ' (its password is not in use)' : ''}.`
    : ''
  return `AWSCURRENT is still version ${state.current.versionId}, the old password, and the database accepts it: the secret and the database agree.${pending}`
}

const logSentence = (functionName: string) =>
  `The rotation function ${functionName} failed: read its log group /aws/lambda/${functionName}.`

/** The secret and the database could not be made to agree, or it could not be told: what is known, and what to do by hand. */
function unresolved(state: Reconciling, databaseAccepts: 'neither' | 'old' | 'unknown', why: string): ReconcileResult {
  const {connection, secretId} = state.input
  const {username} = state.current.credentials
  const reset = resetToSecretCommands({
    clusterId: connection.cluster.DBClusterIdentifier!,
    master: username === connection.cluster.MasterUsername,
    secretArn: secretId,
    username,
  })
  const pendingId = state.pending?.versionId
  const removeLabel = pendingId ? moveStageCommand(secretId, 'AWSPENDING', {from: pendingId}) : undefined
  const manualFix =
    databaseAccepts === 'old'
      ? [removeLabel ?? `auroractl doctor --only secret.rotation (shows where the labels are)`]
      : [
          `aws logs tail /aws/lambda/${state.input.functionName} --since 1h (why the rotation function failed)`,
          `auroractl doctor (db.auth says whether the AWSCURRENT password logs in once the cluster answers)`,
          `If it does not, set ${username}'s password to the AWSCURRENT one: ${reset.join('; then ')}`,
          ...(removeLabel ? [`Then: ${removeLabel}`] : []),
        ]
  return {
    databaseAccepts,
    manualFix,
    outcome: 'rollback-failed',
    rollback: state.steps,
    state: `The secret and the database may disagree: ${why}. AWSCURRENT is version ${state.current.versionId}${pendingId ? `; AWSPENDING was left on version ${pendingId}` : ''}. ${logSentence(state.input.functionName)}`,
    versions: {current: state.current.versionId, previous: state.previous ?? null},
  }
}

function record(state: Reconciling, step: string, status: RotationStep['status'], detail: string): void {
  state.steps.push({detail, status, step})
  const line = `${step}: ${detail}`
  if (status === 'done') state.input.progress.succeed(line)
  else if (status === 'failed') state.input.progress.fail(line)
  else state.input.progress.note(line)
}

function proveAs(connection: ClusterConnection, credentials: DatabaseCredentials): Promise<LoginProof> {
  return proveLogin(
    connection,
    {password: credentials.password, username: credentials.username},
    {applicationName, deadline: Date.now() + proofTimeMs},
  )
}

function loginDetail(label: string, proof: LoginProof): string {
  if (proof.accepted) return `the ${label} password logs in`
  return refusedPassword(proof) ? `the ${label} password is refused` : `the ${label} password could not be tried: ${proof.reason}`
}
