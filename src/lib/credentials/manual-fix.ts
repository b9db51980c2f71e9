import {moveStageCommand} from './secret-versions.js'

/**
 * What to run by hand when a secret and its database disagree and auroractl could not fix it. No command holds
 * a password: labels are moved between versions (the cheapest fix: point AWSCURRENT at the password the database
 * takes), and a password that must be set is read from the secret inside the pipeline or pasted at a prompt.
 */

export interface DisagreementFacts {
  clusterId: string
  /** Where AWSCURRENT is now (undefined: on no version). */
  currentVersion?: string
  /** Which password the database took when last tried. */
  databaseAccepts: 'neither' | 'new' | 'old' | 'unknown'
  /** Whether the user is the master user (its password is RDS's to set). */
  master: boolean
  newVersion: string
  oldVersion: string
  pendingOnNew: boolean
  secretArn: string
  username: string
}

/** Sets the database's password to the one in the secret's AWSCURRENT version. */
export function resetToSecretCommands(context: {clusterId: string; master: boolean; secretArn: string; username: string}): string[] {
  if (context.master) {
    return [
      `aws secretsmanager get-secret-value --secret-id ${context.secretArn} --query SecretString --output text | jq '{DBClusterIdentifier: "${context.clusterId}", MasterUserPassword: .password, ApplyImmediately: true}' | aws rds modify-db-cluster --cli-input-json file:///dev/stdin`,
    ]
  }

  return [
    `auroractl psql --cluster ${context.clusterId} (as the master user), then \\password ${context.username} and paste the password \`auroractl secret get --secret ${context.secretArn} --field password --reveal\` prints`,
  ]
}

/** The commands that make the secret and the database agree again, in order; empty when they already do. */
export function manualFixCommands(facts: DisagreementFacts): string[] {
  const {currentVersion, databaseAccepts, newVersion, oldVersion, secretArn} = facts
  const commands: string[] = []
  const secretHolds = currentVersion === oldVersion ? 'old' : currentVersion === newVersion ? 'new' : 'other'
  if (databaseAccepts === 'new' && secretHolds !== 'new') {
    // The database took the new password: make the secret follow it, rather than set the database again.
    commands.push(moveStageCommand(secretArn, 'AWSCURRENT', {from: currentVersion, to: newVersion}))
  } else if (databaseAccepts === 'old' && secretHolds !== 'old') {
    commands.push(moveStageCommand(secretArn, 'AWSCURRENT', {from: currentVersion, to: oldVersion}))
  } else if (databaseAccepts === 'neither') {
    commands.push(...resetToSecretCommands(facts))
  } else if (databaseAccepts === 'unknown') {
    commands.push(
      `auroractl psql --cluster ${facts.clusterId} --secret ${secretArn} -- -c 'SELECT 1' (once the database can be reached: proves the AWSCURRENT password; if it is refused, run ${moveStageCommand(secretArn, 'AWSCURRENT', {from: currentVersion, to: currentVersion === newVersion ? oldVersion : newVersion})})`,
    )
  }

  if (facts.pendingOnNew) commands.push(moveStageCommand(secretArn, 'AWSPENDING', {from: newVersion}))
  return commands
}
