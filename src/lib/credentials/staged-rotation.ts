import type {RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {randomUUID} from 'node:crypto'

import type {Progress} from '../cli/progress.js'
import type {ClusterConnection} from '../target/cluster-connection.js'
import type {RotationPlan, RotationReport} from './rotation-mode.js'

import {AuroraError, toRenderedError} from '../cli/errors.js'
import {generatedPasswordLength, generatePassword} from './password.js'
import {moveStage, putPendingVersion, readSecretVersion, readVersionStages, versionWithStage} from './secret-versions.js'
import {rollBack} from './staged-rollback.js'
import {
  alterOwnPassword,
  proveNewPassword,
  proveOldRefused,
  type Rotation,
  setMasterPassword,
  StepFailure,
  stepLabels,
  type StepName,
} from './staged-steps.js'

/**
 * The staged rotation of a plain secret (what the bundled module creates), as Secrets Manager's own rotation
 * functions do it (createSecret, setSecret, testSecret, finishSecret), run by auroractl: a generated password
 * stored as AWSPENDING, set in the database (ALTER ROLE, or ModifyDBCluster for the master user), proven by a
 * login, promoted to AWSCURRENT, and the old password proven refused. Any failure, Ctrl-C or SIGTERM included,
 * rolls back so that the secret's AWSCURRENT and the database agree on the old password, and says so.
 */

export interface StagedRotationInput {
  /** The route, TLS and database to the cluster; the secret's own username and password are used to log in. */
  connection: ClusterConnection
  plan: RotationPlan
  progress: Progress
  rds: RDSClient
  secretsManager: SecretsManagerClient
  /** Runs the rollback so that a second Ctrl-C cannot cut it short (the command's shielded()). */
  shield?: <R>(work: () => Promise<R>) => Promise<R>
  /** Ctrl-C and SIGTERM: stop at the next step (or wait) and roll back. */
  signal: AbortSignal
  /** For each wait: the master password to apply, a login to be accepted. */
  timeoutMs: number
}

export async function rotateStaged(input: StagedRotationInput): Promise<RotationReport> {
  const rotation = await startRotation(input)
  try {
    await runSteps(rotation)
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error
    const undo = () => rollBack(rotation, error.failure)
    return input.shield ? input.shield(undo) : undo()
  }

  return {
    databaseAccepts: 'new',
    mode: 'staged',
    newVersion: rotation.newVersion,
    outcome: 'rotated',
    secretArn: rotation.secretId,
    state: `AWSCURRENT is version ${rotation.newVersion}, the new password: it logs in, and the old one is refused. AWSPREVIOUS is version ${rotation.oldVersion}, the old password.`,
    steps: rotation.steps,
    username: rotation.username,
    versions: {current: rotation.newVersion, previous: rotation.oldVersion},
  }
}

/** Reads what the rotation starts from; nothing is changed yet, so a failure here is a plain error. */
async function startRotation(input: StagedRotationInput): Promise<Rotation> {
  const {plan, secretsManager} = input
  const stages = await readVersionStages(secretsManager, plan.secretArn)
  const current = versionWithStage(stages, 'AWSCURRENT')
  if (current !== plan.currentVersion.versionId) {
    throw new AuroraError(
      'BAD_INPUT',
      `AWSCURRENT of ${plan.secretName} moved (to ${current ?? 'no version'}) since the plan was made; nothing was changed.`,
      {
        exitCode: 2,
        hint: 'Something else changed the secret: run the rotation again to plan it afresh.',
      },
    )
  }

  const old = await readSecretVersion(secretsManager, plan.secretArn, {versionId: current})
  return {
    clusterId: plan.clusterId,
    databaseTouched: false,
    input,
    master: plan.passwordChange === 'modify-db-cluster',
    newVersion: randomUUID(),
    oldJson: old.json,
    oldPassword: old.credentials.password,
    oldVersion: current,
    previousVersion: versionWithStage(stages, 'AWSPREVIOUS'),
    secretId: plan.secretArn,
    steps: [],
    username: old.credentials.username,
  }
}

async function runSteps(rotation: Rotation): Promise<void> {
  const {secretsManager} = rotation.input
  const {newVersion, oldVersion, secretId} = rotation
  await step(rotation, 'generate-password', async () => {
    rotation.newPassword = await generatePassword(secretsManager)
    return `${generatedPasswordLength} characters from GetRandomPassword`
  })
  await step(rotation, 'store-pending', async () => {
    await putPendingVersion(secretsManager, secretId, {json: {...rotation.oldJson, password: rotation.newPassword}, versionId: newVersion})
    return `new version ${newVersion}`
  })
  await step(rotation, 'set-in-database', () => (rotation.master ? setMasterPassword(rotation) : alterOwnPassword(rotation)))
  await step(rotation, 'prove-new-password', () => proveNewPassword(rotation))
  await step(rotation, 'promote', async () => {
    await moveStage(secretsManager, secretId, 'AWSCURRENT', {from: oldVersion, to: newVersion})
    return 'AWSCURRENT on the new version, AWSPREVIOUS on the old one'
  })
  await step(rotation, 'clear-pending', async () => {
    await moveStage(secretsManager, secretId, 'AWSPENDING', {from: newVersion})
    return 'removed from the new version'
  })
  await step(rotation, 'prove-old-refused', () => proveOldRefused(rotation))
}

/** One step, timed on the progress line and recorded; it does not start once Ctrl-C or SIGTERM came. */
async function step(rotation: Rotation, name: StepName, work: () => Promise<string>): Promise<void> {
  const {progress, signal} = rotation.input
  if (signal.aborted) {
    rotation.steps.push({detail: 'not started: interrupted', status: 'skipped', step: name})
    throw new StepFailure({
      code: 'INTERRUPTED',
      message: `Interrupted (Ctrl-C or SIGTERM) before: ${stepLabels[name].toLowerCase()}.`,
      step: name,
    })
  }

  progress.start(stepLabels[name])
  try {
    const detail = await work()
    rotation.steps.push({detail, status: 'done', step: name})
    progress.succeed(`${stepLabels[name]}: ${detail}`)
  } catch (error) {
    const rendered = toRenderedError(error)
    const failure = signal.aborted
      ? {code: 'INTERRUPTED', message: `Interrupted (Ctrl-C or SIGTERM) during: ${stepLabels[name].toLowerCase()}.`, step: name}
      : {code: String(rendered.code), message: rendered.message, step: name}
    rotation.steps.push({detail: failure.message, status: 'failed', step: name})
    progress.fail(`${stepLabels[name]}: ${failure.message}`)
    throw new StepFailure(failure)
  }
}
