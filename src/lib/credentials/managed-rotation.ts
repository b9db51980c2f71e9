import type {RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {randomUUID} from 'node:crypto'

import type {Progress} from '../cli/progress.js'
import type {ClusterConnection} from '../target/cluster-connection.js'
import type {RotationReport, RotationStep, SecretRotationInfo} from './rotation-mode.js'

import {describeCluster} from '../aws/rds.js'
import {secretsManagerSdk} from '../aws/sdk.js'
import {type DatabaseCredentials} from '../aws/secrets.js'
import {formatDuration} from '../cli/duration.js'
import {AuroraError} from '../cli/errors.js'
import {type LoginProof, passwordChangeGraceMs, proveLogin, proveUntil, refusedPassword} from './login.js'
import {reconcileFailedRotation} from './rotation-reconcile.js'
import {type RotationWaitResult, waitForCurrentVersion} from './rotation-wait.js'
import {
  describeStages,
  moveStageCommand,
  pendingNotCurrent,
  readSecretVersion,
  readVersionStages,
  type VersionStages,
  versionWithStage,
} from './secret-versions.js'

/**
 * The two rotations AWS runs itself, which auroractl starts and watches (`secret rotate` dispatches here once it
 * has shown the plan and had it confirmed):
 * - rds-managed: the cluster's MasterUserSecret. RotateSecret asks RDS for a new password; RDS sets it in the
 *   database and moves AWSCURRENT. auroractl waits for the label, then proves the new password logs in and the
 *   old one is refused. Past --timeout it stops waiting (exit 5) and says where the labels are: RDS keeps going.
 * - rotation-function: RotateSecret runs the secret's Lambda function (createSecret, setSecret, testSecret,
 *   finishSecret). When AWSCURRENT has not moved by the deadline the function failed (or hangs): auroractl says
 *   so, names its log group, and makes the secret and the database agree on the AWSCURRENT password again
 *   (rotation-reconcile.ts), removing AWSPENDING so the next rotation starts clean.
 * Ctrl-C and SIGTERM stop the wait and nothing else: the rotation is AWS's, and undoing half of it from here
 * would fight it. Passwords are read to log in with and never leave this module.
 */

export interface ManagedRotationInput {
  connection: ClusterConnection
  info: SecretRotationInfo
  progress: Progress
  rds: RDSClient
  secretsManager: SecretsManagerClient
  /** Runs the reconciliation after a failed rotation function so that a second Ctrl-C cannot cut it short (the command's shielded()). */
  shield?: <R>(work: () => Promise<R>) => Promise<R>
  signal: AbortSignal
  timeoutMs: number
}

interface ManagedRotation {
  /** The rotation function's name (rotation-function mode). */
  functionName?: string
  input: ManagedRotationInput
  /** The AWSCURRENT version when the rotation was asked for. */
  old: {credentials: DatabaseCredentials; versionId: string}
  steps: RotationStep[]
  /** The version AWSCURRENT should move to: RotateSecret's new one, or the unfinished rotation's it reattempts. */
  target: string
  /** Who does the work, in words: "RDS" or "the rotation function NAME". */
  who: string
}

const applicationName = 'auroractl-rotation-check'

export async function rotateThroughSecretsManager(input: ManagedRotationInput): Promise<RotationReport> {
  if (input.info.mode === 'staged') {
    throw new AuroraError('UNEXPECTED', `Secret ${input.info.name} has no rotation of AWS's own: auroractl rotates it itself (staged).`)
  }

  const deadline = Date.now() + input.timeoutMs
  const rotation = await requestRotation(input)
  input.progress.start(`Waiting for ${rotation.who} to move AWSCURRENT to version ${rotation.target}`)
  const waited = await waitForCurrentVersion({
    deadline,
    progress: input.progress,
    secretId: input.info.secretArn,
    secretsManager: input.secretsManager,
    signal: input.signal,
    versionId: rotation.target,
  })
  if (waited.outcome === 'moved') return finishRotated(rotation, waited)
  if (waited.outcome === 'interrupted') throw await interrupted(rotation, waited)
  // The last poll may have failed just as the label moved: one more look before calling it a failure.
  const last = await readVersionStages(input.secretsManager, input.info.secretArn).catch(() => waited.stages)
  if (last?.[rotation.target]?.includes('AWSCURRENT')) return finishRotated(rotation, {...waited, outcome: 'moved', stages: last})
  if (input.info.mode === 'rds-managed') throw await timedOut(rotation, last)
  return failedFunction(rotation, {...waited, stages: last})
}

async function requestRotation(input: ManagedRotationInput): Promise<ManagedRotation> {
  const {RotateSecretCommand} = secretsManagerSdk()
  const {info, progress, secretsManager} = input
  const current = await readSecretVersion(secretsManager, info.secretArn, {versionStage: 'AWSCURRENT'})
  const functionName = info.rotationFunctionName
  const rotation: ManagedRotation = {
    functionName,
    input,
    old: {credentials: current.credentials, versionId: current.versionId},
    steps: [],
    target: '',
    who: info.mode === 'rds-managed' ? 'RDS' : `the rotation function ${functionName}`,
  }
  progress.start(`Asking Secrets Manager to rotate ${info.name} (${rotation.who} does the work)`)
  const token = randomUUID()
  try {
    const answer = await secretsManager.send(
      new RotateSecretCommand({ClientRequestToken: token, RotateImmediately: true, SecretId: info.secretArn}),
    )
    rotation.target = answer.VersionId ?? token
    addStep(rotation, 'request-rotation', 'done', `RotateSecret: version ${rotation.target} is AWSPENDING`)
  } catch (error) {
    // AWS refuses a new rotation while one is unfinished, and reattempts that one instead: wait for it.
    const unfinished = previousRotationUnfinished(error)
      ? pendingNotCurrent(await readVersionStages(secretsManager, info.secretArn))
      : undefined
    if (!unfinished) {
      progress.fail(`RotateSecret failed: nothing was changed`)
      throw error
    }

    rotation.target = unfinished
    addStep(
      rotation,
      'request-rotation',
      'done',
      `a previous rotation (version ${unfinished}) was unfinished: Secrets Manager reattempts it`,
    )
  }

  progress.succeed(rotation.steps[0]!.detail!)
  return rotation
}

const previousRotationUnfinished = (error: unknown) =>
  (error as Error).name === 'InvalidRequestException' && /previous rotation/i.test((error as Error).message)

async function finishRotated(rotation: ManagedRotation, waited: RotationWaitResult): Promise<RotationReport> {
  const {info, progress} = rotation.input
  addStep(rotation, 'wait-for-current', 'done', `AWSCURRENT moved to version ${rotation.target} after ${formatDuration(waited.elapsedMs)}`)
  progress.succeed(`${sentenceStart(rotation.who)} moved AWSCURRENT to version ${rotation.target}`)
  const fresh = (await readSecretVersion(rotation.input.secretsManager, info.secretArn, {versionId: rotation.target})).credentials
  progress.start(`Logging in as ${fresh.username} with the new password`)
  const proof = await proveNewPassword(rotation, fresh)
  if (!proof.accepted) {
    progress.fail(`The new password does not log in: ${proof.reason}`)
    throw await unprovenRotation(rotation, proof)
  }

  addStep(rotation, 'prove-new-password', 'done', `${fresh.username} logs in with the new password`)
  progress.succeed(`${fresh.username} logs in with the new password`)
  const oldRefused = await proveOldRefused(rotation, fresh)
  const previous = versionWithStage(waited.stages ?? {}, 'AWSPREVIOUS') ?? null
  const refusedWords = oldRefused ? ', and the old one is refused' : ''
  return {
    databaseAccepts: 'new',
    mode: info.mode,
    newVersion: rotation.target,
    outcome: 'rotated',
    secretArn: info.secretArn,
    state: `${sentenceStart(rotation.who)} rotated ${info.name}: AWSCURRENT is version ${rotation.target}, the new password, which logs in${refusedWords}. AWSPREVIOUS is version ${previous ?? '(none)'}, the old password.`,
    steps: rotation.steps,
    username: fresh.username,
    versions: {current: rotation.target, previous},
  }
}

/** The new password, tried until it is accepted, refused for good (past the grace: AWSCURRENT moved a moment before the database), or interrupted. */
function proveNewPassword(rotation: ManagedRotation, fresh: DatabaseCredentials): Promise<LoginProof> {
  const {connection, signal} = rotation.input
  const deadline = Date.now() + passwordChangeGraceMs
  return proveUntil(
    connection,
    {password: fresh.password, username: fresh.username},
    {applicationName, deadline, graceDeadline: deadline, signal, want: 'accepted'},
  )
}

/** True when the old password is proven refused; a function that alternates users leaves the old user's password alone. */
async function proveOldRefused(rotation: ManagedRotation, fresh: DatabaseCredentials): Promise<boolean> {
  const {credentials} = rotation.old
  if (credentials.username !== fresh.username) {
    addStep(
      rotation,
      'prove-old-refused',
      'skipped',
      `the function alternates users (${credentials.username} → ${fresh.username}): ${credentials.username} keeps its password until the next rotation`,
    )
    return false
  }

  const proof = await proveLogin(
    rotation.input.connection,
    {password: credentials.password, username: credentials.username},
    {applicationName},
  )
  if (refusedPassword(proof)) {
    addStep(rotation, 'prove-old-refused', 'done', 'the old password is refused')
    return true
  }

  const detail = proof.accepted ? 'the old password still logs in' : `the old password could not be tried: ${proof.reason}`
  addStep(rotation, 'prove-old-refused', proof.accepted ? 'failed' : 'skipped', detail)
  rotation.input.progress.note(`Warning: ${detail}.`)
  return false
}

/** AWSCURRENT moved, but its password does not log in (or could not be tried): which password the database takes, and what to do. */
async function unprovenRotation(rotation: ManagedRotation, proof: Exclude<LoginProof, {accepted: true}>): Promise<AuroraError> {
  const {info, signal} = rotation.input
  const moved = `${sentenceStart(rotation.who)} rotated ${info.name} (AWSCURRENT is version ${rotation.target})`
  if (signal.aborted)
    return new AuroraError('INTERRUPTED', `${moved}; interrupted before its password was proven to log in.`, {
      hint: 'Check it: auroractl doctor (db.auth).',
    })
  if (!refusedPassword(proof)) {
    return new AuroraError('CHECK_FAILED', `${moved}, but auroractl could not log in to prove the new password: ${proof.reason}`, {
      hint: 'Check the route to the cluster, then whether the password works: auroractl doctor (db.auth).',
    })
  }

  const {credentials, versionId} = rotation.old
  const old = await proveLogin(
    rotation.input.connection,
    {password: credentials.password, username: credentials.username},
    {applicationName},
  )
  const oldWords = old.accepted ? 'still logs in' : refusedPassword(old) ? 'is refused too' : `could not be tried (${old.reason})`
  const hint =
    info.mode === 'rds-managed'
      ? `RDS owns this password: have it set both again with \`aws rds modify-db-cluster --db-cluster-identifier ${rotation.input.connection.cluster.DBClusterIdentifier} --rotate-master-user-password --apply-immediately\`, and read the cluster's events (auroractl events).`
      : `Read the function's log group /aws/lambda/${rotation.functionName}. To make the old password current again: ${moveStageCommand(info.secretArn, 'AWSCURRENT', {from: rotation.target, to: versionId})}`
  return new AuroraError(
    'CHECK_FAILED',
    `${moved}, but the database refuses the new password (${proof.reason}); the old password (version ${versionId}) ${oldWords}. The secret and the database disagree.`,
    {hint},
  )
}

async function interrupted(rotation: ManagedRotation, waited: RotationWaitResult): Promise<AuroraError> {
  const {info, secretsManager} = rotation.input
  const stages = await readVersionStages(secretsManager, info.secretArn).catch(() => waited.stages)
  rotation.input.progress.fail(`Interrupted: ${describeStages(stages)}`)
  return new AuroraError(
    'INTERRUPTED',
    `Interrupted while waiting for ${rotation.who} to rotate ${info.name}. The rotation is AWS's and keeps going; auroractl undid nothing. Last seen: ${describeStages(stages)}.`,
    {
      hint: `See where it got to: auroractl doctor --only secret.rotation, or aws secretsmanager describe-secret --secret-id ${info.secretArn}.`,
    },
  )
}

/** RDS has not moved AWSCURRENT in time: say where everything is; RDS carries on. */
async function timedOut(rotation: ManagedRotation, stages: undefined | VersionStages): Promise<AuroraError> {
  const {connection, info, progress, rds, timeoutMs} = rotation.input
  const cluster = await describeCluster(rds, connection.cluster.DBClusterIdentifier!).catch(() => {})
  const status = cluster?.MasterUserSecret?.SecretStatus
  progress.fail(`RDS has not moved AWSCURRENT: ${describeStages(stages)}`)
  return new AuroraError(
    'TIMED_OUT',
    `Gave up after ${formatDuration(timeoutMs)} waiting for RDS to rotate ${info.name}: ${describeStages(stages)}${status ? `; the cluster's MasterUserSecret is ${status}` : ''}. RDS keeps going; auroractl undid nothing, and applications read the AWSCURRENT password until it moves.`,
    {
      hint: 'Check again in a few minutes (auroractl doctor --only secret.rotation, auroractl events), or raise --timeout. An AWSPENDING that stays for long means RDS could not finish: see the cluster events.',
    },
  )
}

/** The function did not move AWSCURRENT by the deadline: it failed (or hangs). Say so, then make the secret and the database agree. */
async function failedFunction(rotation: ManagedRotation, waited: RotationWaitResult): Promise<RotationReport> {
  const {connection, info, progress, secretsManager, timeoutMs} = rotation.input
  const functionName = rotation.functionName ?? 'unknown'
  const message = `The rotation function ${functionName} did not finish within ${formatDuration(timeoutMs)}: ${describeStages(waited.stages)}. Its log group: /aws/lambda/${functionName}.`
  addStep(rotation, 'wait-for-current', 'failed', message)
  progress.fail(message)
  progress.note('Making the secret and the database agree on the AWSCURRENT password again:')
  // The wait is over: what follows may change the database's password, and must not be cut short by a second Ctrl-C.
  const reconcile = () => reconcileFailedRotation({connection, functionName, progress, secretId: info.secretArn, secretsManager})
  const reconciled = await (rotation.input.shield ? rotation.input.shield(reconcile) : reconcile())
  return {
    ...reconciled,
    failure: {code: 'ROTATION_FAILED', message, step: 'wait-for-current'},
    mode: info.mode,
    newVersion: rotation.target,
    secretArn: info.secretArn,
    steps: rotation.steps,
    username: rotation.old.credentials.username,
  }
}

/** "the rotation function f" at the start of a sentence: "The rotation function f". */
const sentenceStart = (words: string) => `${words.charAt(0).toUpperCase()}${words.slice(1)}`

function addStep(rotation: ManagedRotation, step: string, status: RotationStep['status'], detail: string): void {
  rotation.steps.push({detail, status, step})
}
