import type {RotationReport, RotationStep} from './rotation-mode.js'

import {toRenderedError} from '../cli/errors.js'
import {refusedPassword} from './login.js'
import {manualFixCommands} from './manual-fix.js'
import {requestMasterPassword, waitForMasterPassword} from './master-password.js'
import {alterRolePasswordSql} from './password.js'
import {moveStage, readSecretVersion, readVersionStages, type VersionStages, versionWithStage} from './secret-versions.js'
import {asUser, proofLimits, proveAs, reportSteps, type Rotation, type StepName} from './staged-steps.js'

/**
 * Undoes a staged rotation that failed at any step: the database first (back to the old password where it may
 * have changed), then the labels (AWSCURRENT and AWSPREVIOUS back where they were, AWSPENDING removed), then
 * proves the end state: the old password logs in and the secret's AWSCURRENT holds it. Each undo runs whatever
 * the previous one did, and none uses the interrupted signal: the rollback finishes. When the end state does not
 * agree, the report says exactly what disagrees and what to run by hand. It runs shielded from signals, so it
 * has one deadline of its own (--timeout from its start) that every wait and login in it shares.
 */

type Failure = {code: string; message: string; step: StepName}

/** How long the rollback's own ALTER ROLE waits for a lock: longer than the rotation's, it must finish. */
const rollbackLockTimeoutMs = 30_000

interface FinalState {
  currentVersion?: string
  databaseAccepts: NonNullable<RotationReport['databaseAccepts']>
  newVersionExists: boolean
  pendingOnNew: boolean
  previousVersion?: string
  secretHolds: 'new' | 'old' | 'other' | 'unknown'
}

export async function rollBack(rotation: Rotation, failure: Failure): Promise<RotationReport> {
  const {progress} = rotation.input
  progress.note(
    `Rolling back after: ${failure.message} The old password goes back wherever it was changed; a second Ctrl-C does not stop this.`,
  )
  const rollback: RotationStep[] = []
  const until = Date.now() + rotation.input.timeoutMs
  await undo(rotation, rollback, 'restore-database-password', () => restoreDatabasePassword(rotation, until))
  await undo(rotation, rollback, 'restore-labels', () => restoreLabels(rotation))
  progress.start('Verify: the old password logs in and AWSCURRENT holds it')
  const final = await finalState(rotation, until)
  const agree = final.secretHolds === 'old' && final.databaseAccepts === 'old' && !final.pendingOnNew
  const state = describeFinalState(rotation, final)
  rollback.push({
    detail: agree ? 'the old password logs in, and AWSCURRENT holds it' : state,
    status: agree ? 'done' : 'failed',
    step: 'verify',
  })
  if (agree) progress.succeed('Rolled back: the secret and the database agree on the old password')
  else progress.fail(state)
  const manualFix = agree
    ? undefined
    : manualFixCommands({
        clusterId: rotation.clusterId,
        currentVersion: final.currentVersion,
        databaseAccepts: final.databaseAccepts,
        master: rotation.master,
        newVersion: rotation.newVersion,
        oldVersion: rotation.oldVersion,
        pendingOnNew: final.pendingOnNew,
        secretArn: rotation.secretId,
        username: rotation.username,
      })
  return {
    databaseAccepts: final.databaseAccepts,
    failure,
    manualFix,
    mode: 'staged',
    newVersion: final.newVersionExists ? rotation.newVersion : undefined,
    outcome: agree ? 'rolled-back' : 'rollback-failed',
    rollback,
    secretArn: rotation.secretId,
    state,
    steps: reportSteps(rotation.steps, agree),
    username: rotation.username,
    versions: {current: final.currentVersion ?? '', previous: final.previousVersion ?? null},
  }
}

async function undo(rotation: Rotation, rollback: RotationStep[], step: string, work: () => Promise<string>): Promise<void> {
  try {
    rollback.push({detail: await work(), status: 'done', step})
  } catch (error) {
    const {message} = toRenderedError(error)
    rollback.push({detail: message, status: 'failed', step})
    rotation.input.progress.note(`Rollback: ${step} failed: ${message}`)
  }
}

/** What is left of the rollback's deadline for one wait (at least a second: the wait looks once). */
const remainingMs = (until: number) => Math.max(1000, until - Date.now())

async function restoreDatabasePassword(rotation: Rotation, until: number): Promise<string> {
  if (!rotation.databaseTouched || !rotation.newPassword) return 'not needed: the database never received the new password'
  const {progress, rds} = rotation.input
  if (rotation.master) {
    // A change RDS accepted applies whatever we do: wait for it, then set the old password the same way.
    progress.start('Rollback: wait for the new master password to apply, then set the old one')
    await waitForMasterPassword(rds, rotation.clusterId, {progress, timeoutMs: remainingMs(until)})
    await requestMasterPassword(rds, rotation.clusterId, rotation.oldPassword)
    await waitForMasterPassword(rds, rotation.clusterId, {progress, timeoutMs: remainingMs(until)})
    progress.succeed('Rollback: the old master password is set')
    return 'ModifyDBCluster --master-user-password with the old password, applied'
  }

  const proof = await proveAs(rotation, rotation.newPassword, {deadline: proofLimits(rotation, until).deadline, want: 'accepted'})
  if (refusedPassword(proof)) return 'not needed: the database refuses the new password (it kept the old one)'
  if (!proof.accepted) throw new Error(`Could not log in to find out which password the database takes: ${proof.reason}`)
  await asUser(rotation, rotation.newPassword, rollbackLockTimeoutMs, async (client) => {
    await client.query(alterRolePasswordSql(rotation.username, rotation.oldPassword))
  })
  return `ALTER ROLE ${rotation.username} back to the old password, logged in with the new one`
}

async function restoreLabels(rotation: Rotation): Promise<string> {
  const {secretsManager} = rotation.input
  const {newVersion, oldVersion, previousVersion, secretId} = rotation
  const done: string[] = []
  let stages = await readVersionStages(secretsManager, secretId)
  if (stages[newVersion]?.includes('AWSCURRENT')) {
    await moveStage(secretsManager, secretId, 'AWSCURRENT', {from: newVersion, to: oldVersion})
    done.push(`AWSCURRENT back on ${oldVersion}`)
    // Moving AWSCURRENT hands AWSPREVIOUS to the version it left: give it back to the one that had it.
    stages = await readVersionStages(secretsManager, secretId)
    if (stages[newVersion]?.includes('AWSPREVIOUS')) {
      await moveStage(secretsManager, secretId, 'AWSPREVIOUS', {from: newVersion, to: previousVersion})
      done.push(previousVersion ? `AWSPREVIOUS back on ${previousVersion}` : `AWSPREVIOUS removed from ${newVersion}`)
    }
  }

  if (stages[newVersion]?.includes('AWSPENDING')) {
    await moveStage(secretsManager, secretId, 'AWSPENDING', {from: newVersion})
    done.push(`AWSPENDING removed from ${newVersion}`)
  }

  return done.length > 0 ? done.join('; ') : 'not needed: no label had moved'
}

/** What is true now, read back rather than assumed: the labels, the AWSCURRENT value, and which password logs in. */
async function finalState(rotation: Rotation, until: number): Promise<FinalState> {
  const {secretsManager} = rotation.input
  let stages: undefined | VersionStages
  let current: Awaited<ReturnType<typeof readSecretVersion>> | undefined
  try {
    stages = await readVersionStages(secretsManager, rotation.secretId)
    current = await readSecretVersion(secretsManager, rotation.secretId, {versionStage: 'AWSCURRENT'})
  } catch {
    // Unreadable (Secrets Manager unreachable, access denied): reported as unknown, never guessed.
  }

  const held = current?.credentials.password
  return {
    currentVersion: stages && versionWithStage(stages, 'AWSCURRENT'),
    databaseAccepts: await databaseAccepts(rotation, until),
    newVersionExists: stages?.[rotation.newVersion] !== undefined,
    pendingOnNew: stages?.[rotation.newVersion]?.includes('AWSPENDING') ?? false,
    previousVersion: stages && versionWithStage(stages, 'AWSPREVIOUS'),
    secretHolds: held === undefined ? 'unknown' : held === rotation.oldPassword ? 'old' : held === rotation.newPassword ? 'new' : 'other',
  }
}

async function databaseAccepts(rotation: Rotation, until: number): Promise<FinalState['databaseAccepts']> {
  // After a master password change the old one comes back a moment after RDS applied it: asked again for the grace.
  const {deadline, graceDeadline} = proofLimits(rotation, until)
  const old = await proveAs(rotation, rotation.oldPassword, {
    deadline,
    graceDeadline: rotation.databaseTouched ? graceDeadline : undefined,
    want: 'accepted',
  })
  if (old.accepted) return 'old'
  if (!rotation.newPassword || !rotation.databaseTouched) return refusedPassword(old) ? 'neither' : 'unknown'
  const fresh = await proveAs(rotation, rotation.newPassword, {deadline: proofLimits(rotation, until).deadline, want: 'accepted'})
  if (fresh.accepted) return 'new'
  return refusedPassword(old) && refusedPassword(fresh) ? 'neither' : 'unknown'
}

function describeFinalState(rotation: Rotation, final: FinalState): string {
  const {newVersion, oldVersion} = rotation
  const database = {
    neither: 'refuses both the old and the new password',
    new: 'takes the new password',
    old: 'takes the old password (proven by a login)',
    unknown: 'could not be reached to find out which password it takes',
  }[final.databaseAccepts]
  const holds = {
    new: 'the new password',
    old: 'the old password',
    other: 'neither the old nor the new password',
    unknown: 'a value that could not be read',
  }[final.secretHolds]
  const current =
    final.secretHolds === 'unknown'
      ? 'the secret could not be read'
      : final.currentVersion
        ? `AWSCURRENT is version ${final.currentVersion} (${holds})`
        : 'no version is AWSCURRENT'
  if (final.secretHolds === 'old' && final.databaseAccepts === 'old') {
    const abandoned = final.newVersionExists
      ? `version ${newVersion} keeps the abandoned password, ${final.pendingOnNew ? 'STILL labelled AWSPENDING' : 'without a label'}`
      : 'no new version was stored'
    return `${final.pendingOnNew ? 'Not fully rolled back' : 'Rolled back'}: AWSCURRENT is version ${oldVersion} as before, holding the old password, and the database takes it (proven by a login); ${abandoned}.`
  }

  return `The secret and the database disagree: ${current}, and the database ${database}.`
}
