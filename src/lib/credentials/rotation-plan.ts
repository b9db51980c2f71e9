import type {DBCluster} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import type {ClusterConnection} from '../target/cluster-connection.js'
import type {PasswordChange, RotationMode, RotationPlan, SecretRotationInfo, UserSessions} from './rotation-mode.js'

import {badInput} from '../cli/errors.js'
import {classifyConnectError} from '../pg/errors.js'
import {queryOf} from '../pg/query.js'
import {proveLogin, rotationApplicationName, withLogin} from './login.js'
import {resetToSecretCommands} from './manual-fix.js'
import {moveStageCommand, readSecretVersion} from './secret-versions.js'
import {listUserSessions} from './sessions.js'

/**
 * Before a rotation changes anything: whose password, how the database will learn the new one, who is logged
 * in with it now, and whether a rotation is already half-way. The same plan is what --dry-run shows, and the
 * shared path of every mode (staged, RDS-managed, rotation function).
 */

/** Listing the sessions reads pg_stat_activity and takes no lock worth waiting for: a few seconds at most. */
const sessionsLockTimeoutMs = 5000

export interface PlanInput {
  /** The cluster connection whose credentials are the rotated secret's (its route, TLS and database are used). */
  connection: ClusterConnection
  info: SecretRotationInfo
  secretsManager: SecretsManagerClient
}

/** The master user's password is RDS's to change; any other role changes its own. */
export function passwordChangeFor(mode: RotationMode, username: string, cluster: Pick<DBCluster, 'MasterUsername'>): PasswordChange {
  if (mode === 'rds-managed') return 'rds'
  if (mode === 'rotation-function') return 'rotation-function'
  return username === cluster.MasterUsername ? 'modify-db-cluster' : 'alter-role'
}

export async function planRotation({connection, info, secretsManager}: PlanInput): Promise<RotationPlan> {
  const clusterId = connection.cluster.DBClusterIdentifier!
  const current = await readSecretVersion(secretsManager, info.secretArn, {versionId: info.current.versionId})
  const {dbClusterIdentifier, password, username} = current.credentials
  if (dbClusterIdentifier && dbClusterIdentifier !== clusterId) {
    throw badInput(
      `Secret ${info.name} is the credentials of cluster ${dbClusterIdentifier} (its dbClusterIdentifier), not of ${clusterId}; nothing was changed.`,
      `Rotate it against its own cluster (--cluster ${dbClusterIdentifier}), or name ${clusterId}'s own secret with --secret.`,
    )
  }

  const passwordChange = passwordChangeFor(info.mode, username, connection.cluster)
  const login: ClusterConnection = {...connection, credentials: {...connection.credentials, password, username}}
  // Before anything else: a half-done rotation decides which password the database takes, the current one or not.
  if (info.mode === 'staged' && info.pending) await refuseUnfinishedRotation(secretsManager, info, login)
  let sessions: null | UserSessions = null
  let sessionsError: string | undefined
  try {
    sessions = await sessionsOf(login, username)
  } catch (error) {
    // The staged protocol logs in with the current password (to change it, to prove a rollback): it must work.
    if (info.mode === 'staged') throw unusableCurrentPassword(error, {clusterId, info, passwordChange, username})
    sessionsError = (error as Error).message.split('\n')[0]
  }

  return {
    clusterId,
    currentVersion: {createdDate: info.current.createdDate?.toISOString() ?? null, versionId: info.current.versionId},
    mode: info.mode,
    passwordChange,
    secretArn: info.secretArn,
    secretName: info.name,
    sessions,
    sessionsError,
    steps: plannedSteps(passwordChange, username, info.pending !== undefined),
    username,
  }
}

function sessionsOf(login: ClusterConnection, username: string): Promise<UserSessions> {
  return withLogin(login, {applicationName: rotationApplicationName, lockTimeoutMs: sessionsLockTimeoutMs}, (client) =>
    listUserSessions(queryOf(client), username),
  )
}

function unusableCurrentPassword(
  error: unknown,
  context: {clusterId: string; info: SecretRotationInfo; passwordChange: PasswordChange; username: string},
): Error {
  if (classifyConnectError(error).kind !== 'auth') return error as Error
  const {clusterId, info, passwordChange, username} = context
  return badInput(
    `The password in ${info.name} (AWSCURRENT, version ${info.current.versionId}) does not log in as ${username}: the secret and the database disagree already, and a rotation needs it to work; nothing was changed.`,
    `Put the database back on the secret's password first: ${resetToSecretCommands({clusterId, master: passwordChange === 'modify-db-cluster', secretArn: info.secretArn, username}).join('; then ')}`,
  )
}

/**
 * A version labelled AWSPENDING (and not AWSCURRENT) is a rotation that is running or was cut short. Its new
 * password may already be the database's: which one logs in decides the way out, so both are tried and the
 * hint names the label move that matches. Nothing is overwritten.
 */
async function refuseUnfinishedRotation(
  secretsManager: SecretsManagerClient,
  info: SecretRotationInfo,
  login: ClusterConnection,
): Promise<never> {
  const {cluster, credentials} = login
  const reset = {
    clusterId: cluster.DBClusterIdentifier!,
    master: credentials.username === cluster.MasterUsername,
    secretArn: info.secretArn,
    username: credentials.username,
  }
  const pendingId = info.pending!.versionId
  const pending = await readSecretVersion(secretsManager, info.secretArn, {versionId: pendingId})
  const pendingProof = await proveLogin(login, {password: pending.credentials.password, username: pending.credentials.username})
  const created = info.pending!.createdDate ? ` (created ${info.pending!.createdDate.toISOString()})` : ''
  const message = `A rotation of ${info.name} is unfinished: version ${pendingId}${created} is AWSPENDING; nothing was changed.`
  const clearPending = moveStageCommand(info.secretArn, 'AWSPENDING', {from: pendingId})
  if (pendingProof.accepted) {
    throw badInput(
      message,
      `The database takes the AWSPENDING password (a rotation stopped after setting it): make it current with \`${moveStageCommand(info.secretArn, 'AWSCURRENT', {from: info.current.versionId, to: pendingId})}\`, then \`${clearPending}\`.`,
    )
  }

  const currentProof = await proveLogin(login, login.credentials)
  throw badInput(
    message,
    currentProof.accepted
      ? `The database takes the AWSCURRENT password, not the pending one: if no rotation is running, clear the label with \`${clearPending}\` and run this again.`
      : `The database takes neither the AWSCURRENT nor the AWSPENDING password (${currentProof.reason}): put it back on the current one (${resetToSecretCommands(reset).join('; ')}), then \`${clearPending}\`.`,
  )
}

/**
 * What would happen, in order, in words (the plan's steps). `unfinished`: a rotation AWS has not finished (AWSPENDING
 * on a version that is not current), which RotateSecret reattempts rather than start a new one; a staged secret with
 * one is refused before this. Each step fits one 80-column line of the plan.
 */
export function plannedSteps(change: PasswordChange, username: string, unfinished = false): string[] {
  const request = unfinished ? 'RotateSecret: AWS reattempts the unfinished rotation (AWSPENDING)' : undefined
  if (change === 'rds')
    return [request ?? 'RotateSecret: RDS sets a new password in the secret and the database', 'Wait until AWSCURRENT moves']
  if (change === 'rotation-function')
    return [request ?? 'RotateSecret: the function runs createSecret ... finishSecret', 'Wait until AWSCURRENT moves']
  return [
    'Generate a password (GetRandomPassword, 32 characters, URI-safe)',
    'Store it as a new version labelled AWSPENDING',
    change === 'alter-role'
      ? `Set it: ALTER ROLE ${username} (a SCRAM verifier), as ${username} itself`
      : 'Set it: ModifyDBCluster --master-user-password, and wait until it applied',
    'Prove a login with the new password',
    'Promote it: AWSCURRENT on it, AWSPREVIOUS on the old one, no AWSPENDING',
    'Prove the old password is refused',
  ]
}
