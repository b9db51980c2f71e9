import {DescribeDBClustersCommand, ModifyDBClusterCommand, RDSClient} from '@aws-sdk/client-rds'
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {stripVTControlCharacters} from 'node:util'
import {beforeEach, describe, expect, it, vi} from 'vitest'

import type {RotationPlan, RotationReport} from '../../src/lib/credentials/rotation-mode.js'
import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {silentProgress} from '../../src/lib/cli/progress.js'
import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderRotationPlan, renderRotationReport} from '../../src/lib/cli/render/credentials.js'
import {manualFixCommands} from '../../src/lib/credentials/manual-fix.js'
import {masterPasswordApplied, waitForMasterPassword} from '../../src/lib/credentials/master-password.js'
import {generatePassword, passwordExcludedCharacters} from '../../src/lib/credentials/password.js'
import {rotationExitCode} from '../../src/lib/credentials/rotation-outcome.js'
import {passwordChangeFor, plannedSteps} from '../../src/lib/credentials/rotation-plan.js'
import {moveStageCommand, putPendingVersion} from '../../src/lib/credentials/secret-versions.js'
import {rotateStaged} from '../../src/lib/credentials/staged-rotation.js'

/** The database's password, as the mocked login sees it; a login with `noRoleFor` is told the role does not exist (28000). */
const database = vi.hoisted(() => ({noRoleFor: undefined as string | undefined, password: ''}))

// A login is accepted when its password is the database's, else refused as the server refuses it (28P01).
vi.mock('../../src/lib/target/cluster-connection.js', () => ({
  async connectToCluster(target: {credentials: {password: string; username: string}}) {
    if (target.credentials.password === database.noRoleFor)
      throw Object.assign(new Error(`role "${target.credentials.username}" does not exist`), {code: '28000'})
    if (target.credentials.password !== database.password)
      throw Object.assign(new Error(`password authentication failed for user "${target.credentials.username}"`), {code: '28P01'})
    return {async end() {}, on() {}}
  },
}))

const colour = createPalette({json: false, noColorFlag: true})

/** A report with only an outcome and a failure code: what the exit code reads. */
const reportOf = (outcome: RotationReport['outcome'], code?: string) =>
  ({failure: code ? {code, message: '', step: 'x'} : undefined, outcome}) as RotationReport

describe('rotation outcome and manual fixes', () => {
  it('exit codes: 0 rotated or dry run; a clean rollback exits with its cause (130, 5, else 4); a failed rollback 1', () => {
    expect(rotationExitCode(reportOf('rotated'))).toBe(0)
    expect(rotationExitCode(reportOf('dry-run'))).toBe(0)
    expect(rotationExitCode(reportOf('rolled-back', 'INTERRUPTED'))).toBe(130)
    expect(rotationExitCode(reportOf('rolled-back', 'TIMED_OUT'))).toBe(5)
    expect(rotationExitCode(reportOf('rolled-back', 'AWS'))).toBe(4)
    expect(rotationExitCode(reportOf('rolled-back', 'CHECK_FAILED'))).toBe(4)
    expect(rotationExitCode(reportOf('rollback-failed', 'INTERRUPTED'))).toBe(1)
  })

  it('makes the secret follow the database where it can, and never puts a password in a command', () => {
    const facts = {
      clusterId: 'prod',
      master: false,
      newVersion: 'NEW',
      oldVersion: 'OLD',
      pendingOnNew: false,
      secretArn: 'arn:s',
      username: 'app',
    }
    expect(manualFixCommands({...facts, currentVersion: 'OLD', databaseAccepts: 'new'})).toEqual([
      moveStageCommand('arn:s', 'AWSCURRENT', {from: 'OLD', to: 'NEW'}),
    ])
    expect(manualFixCommands({...facts, currentVersion: 'NEW', databaseAccepts: 'old'})).toEqual([
      moveStageCommand('arn:s', 'AWSCURRENT', {from: 'NEW', to: 'OLD'}),
    ])
    expect(manualFixCommands({...facts, currentVersion: 'OLD', databaseAccepts: 'old', pendingOnNew: true})).toEqual([
      'aws secretsmanager update-secret-version-stage --secret-id arn:s --version-stage AWSPENDING --remove-from-version-id NEW',
    ])
    const [master] = manualFixCommands({...facts, currentVersion: 'OLD', databaseAccepts: 'neither', master: true})
    expect(master).toMatch(
      /get-secret-value --secret-id arn:s .* \| jq .*MasterUserPassword: \.password.* \| aws rds modify-db-cluster --cli-input-json file:\/\/\/dev\/stdin/,
    )
    expect(manualFixCommands({...facts, currentVersion: 'OLD', databaseAccepts: 'neither'})[0]).toMatch(
      /\\password app .*--field password --reveal/,
    )
    expect(manualFixCommands({...facts, currentVersion: 'OLD', databaseAccepts: 'unknown'})[0]).toMatch(
      /auroractl psql .* --move-to-version-id NEW/,
    )
  })

  it('the master user goes through RDS, every other role changes its own password', () => {
    expect(passwordChangeFor('staged', 'nbatracker', {MasterUsername: 'nbatracker'})).toBe('modify-db-cluster')
    expect(passwordChangeFor('staged', 'app_reader', {MasterUsername: 'nbatracker'})).toBe('alter-role')
    expect(passwordChangeFor('rds-managed', 'nbatracker', {MasterUsername: 'nbatracker'})).toBe('rds')
    expect(passwordChangeFor('rotation-function', 'app', {MasterUsername: 'nbatracker'})).toBe('rotation-function')
  })
})

describe('Secrets Manager and RDS calls', () => {
  const secretsManager = mockClient(SecretsManagerClient)
  const rds = mockClient(RDSClient)

  beforeEach(() => {
    secretsManager.reset()
    rds.reset()
  })

  it('asks GetRandomPassword for 32 characters without those that break URIs and shells, and stores AWSPENDING with our version id', async () => {
    secretsManager.on(GetRandomPasswordCommand).resolves({RandomPassword: 'x'.repeat(32)})
    const client = new SecretsManagerClient({region: 'us-east-1'})
    expect(await generatePassword(client)).toBe('x'.repeat(32))
    expect(secretsManager.commandCalls(GetRandomPasswordCommand)[0]!.args[0].input).toEqual({
      ExcludeCharacters: passwordExcludedCharacters,
      PasswordLength: 32,
      RequireEachIncludedType: true,
    })
    await putPendingVersion(client, 'arn:s', {json: {host: 'h', password: 'new', username: 'app'}, versionId: 'v2'})
    expect(secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({
      ClientRequestToken: 'v2',
      SecretId: 'arn:s',
      SecretString: '{"host":"h","password":"new","username":"app"}',
      VersionStages: ['AWSPENDING'],
    })
  })

  it('waits for a master password until the cluster is available without it pending; a cluster being deleted ends the wait', async () => {
    expect(masterPasswordApplied({PendingModifiedValues: {MasterUserPassword: '****'}, Status: 'available'})).toBe(false)
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({DBClusters: [{PendingModifiedValues: {MasterUserPassword: '****'}, Status: 'resetting-master-credentials'}]})
      .resolves({DBClusters: [{Status: 'available'}]})
    const seen: string[] = []
    const client = new RDSClient({region: 'us-east-1'})
    await waitForMasterPassword(client, 'prod', {progress: {...silentProgress, update: (text) => seen.push(text)}, timeoutMs: 10_000})
    expect(seen).toEqual([
      'Waiting for the master password to apply: cluster resetting-master-credentials, master password pending',
      'Waiting for the master password to apply: cluster available',
    ])
    rds.reset()
    rds.on(DescribeDBClustersCommand).resolves({DBClusters: [{Status: 'deleting'}]})
    await expect(waitForMasterPassword(client, 'prod', {timeoutMs: 10_000})).rejects.toThrow(
      /Failed waiting for the new master password of prod to apply: cluster deleting/,
    )
  })
})

/**
 * A staged rotation of the master user against fakes that behave like Secrets Manager (labels move as AWS moves
 * them) and RDS (a new master password applies on the next DescribeDBClusters), with the login proof mocked to
 * the fake database's password.
 */
describe('staged rotation, master user (mocked AWS)', () => {
  const secretsManager = mockClient(SecretsManagerClient)
  const rds = mockClient(RDSClient)
  const oldPassword = 'old-password-0123456789abcdefghij'
  const newPassword = 'NewPassword0123456789abcdefghijkl'
  let versions: Record<string, {stages: string[]; value: string}>
  let pendingPassword: string | undefined
  /** Runs once, after the next ModifyDBCluster (a Ctrl-C while it applies). */
  let afterModify: (() => void) | undefined
  const connection = {
    cluster: {DBClusterIdentifier: 'prod', MasterUsername: 'app'},
    credentials: {password: '', username: 'app'},
  } as ClusterConnection
  const plan = {
    clusterId: 'prod',
    currentVersion: {createdDate: null, versionId: 'v1'},
    mode: 'staged',
    passwordChange: 'modify-db-cluster',
    secretArn: 'arn:s',
    secretName: 's',
    sessions: {groups: [], total: 0},
    steps: [],
    username: 'app',
  } as RotationPlan

  const stagesOf = () => Object.fromEntries(Object.entries(versions).map(([id, version]) => [id, [...version.stages]]))
  const move = (stage: string, from?: string, to?: string) => {
    if (from) versions[from]!.stages = versions[from]!.stages.filter((label) => label !== stage)
    if (to) versions[to]!.stages.push(stage)
    if (stage === 'AWSCURRENT' && from) {
      for (const version of Object.values(versions)) version.stages = version.stages.filter((label) => label !== 'AWSPREVIOUS')
      versions[from]!.stages.push('AWSPREVIOUS')
    }
  }

  beforeEach(() => {
    secretsManager.reset()
    rds.reset()
    database.password = oldPassword
    database.noRoleFor = undefined
    pendingPassword = undefined
    versions = {
      v0: {stages: ['AWSPREVIOUS'], value: JSON.stringify({password: 'older', username: 'app'})},
      v1: {stages: ['AWSCURRENT'], value: JSON.stringify({dbname: 'db', host: 'h', password: oldPassword, username: 'app'})},
    }
    secretsManager.on(DescribeSecretCommand).callsFake(() => ({VersionIdsToStages: stagesOf()}))
    secretsManager.on(GetSecretValueCommand).callsFake(({VersionId: id, VersionStage: stage}) => {
      const found = id ?? Object.keys(versions).find((version) => versions[version]!.stages.includes(stage ?? 'AWSCURRENT'))!
      return {SecretString: versions[found]!.value, VersionId: found}
    })
    secretsManager.on(GetRandomPasswordCommand).resolves({RandomPassword: newPassword})
    secretsManager.on(PutSecretValueCommand).callsFake(({ClientRequestToken: id, SecretString: value}) => {
      for (const version of Object.values(versions)) version.stages = version.stages.filter((label) => label !== 'AWSPENDING')
      versions[id] = {stages: ['AWSPENDING'], value}
      return {VersionId: id}
    })
    secretsManager
      .on(UpdateSecretVersionStageCommand)
      .callsFake(({MoveToVersionId: to, RemoveFromVersionId: from, VersionStage: stage}) => move(stage, from, to))
    rds.on(ModifyDBClusterCommand).callsFake(({MasterUserPassword: password}) => {
      pendingPassword = password
      afterModify?.()
      afterModify = undefined
      return {DBCluster: {PendingModifiedValues: {MasterUserPassword: '****'}, Status: 'resetting-master-credentials'}}
    })
    rds.on(DescribeDBClustersCommand).callsFake(() => {
      if (pendingPassword === undefined) return {DBClusters: [{Status: 'available'}]}
      database.password = pendingPassword
      pendingPassword = undefined
      return {DBClusters: [{PendingModifiedValues: {MasterUserPassword: '****'}, Status: 'resetting-master-credentials'}]}
    })
  })

  const rotate = (signal = new AbortController().signal, timeoutMs = 10_000) =>
    rotateStaged({
      connection,
      plan,
      progress: silentProgress,
      rds: new RDSClient({region: 'us-east-1'}),
      secretsManager: new SecretsManagerClient({region: 'us-east-1'}),
      signal,
      timeoutMs,
    })

  it('stores AWSPENDING, sets the password through ModifyDBCluster, promotes it, and reports no password', async () => {
    const report = await rotate()
    expect(report.outcome).toBe('rotated')
    expect(database.password).toBe(newPassword)
    expect(rds.commandCalls(ModifyDBClusterCommand).map((call) => call.args[0].input)).toEqual([
      {ApplyImmediately: true, DBClusterIdentifier: 'prod', MasterUserPassword: newPassword},
    ])
    const created = report.versions.current
    expect(stagesOf()).toEqual({[created]: ['AWSCURRENT'], v0: [], v1: ['AWSPREVIOUS']})
    expect(JSON.parse(versions[created]!.value)).toEqual({dbname: 'db', host: 'h', password: newPassword, username: 'app'})
    expect(JSON.stringify(report)).not.toContain(newPassword)
    expect(JSON.stringify(report)).not.toContain(oldPassword)
  })

  it('a stage move failing at the promotion: ModifyDBCluster again with the old password, and the labels as they were', async () => {
    secretsManager.on(UpdateSecretVersionStageCommand, {VersionStage: 'AWSCURRENT'}).rejectsOnce(new Error('stage move refused'))
    const report = await rotate()
    expect(report).toMatchObject({databaseAccepts: 'old', failure: {step: 'promote'}, outcome: 'rolled-back'})
    expect(rds.commandCalls(ModifyDBClusterCommand).map((call) => call.args[0].input.MasterUserPassword)).toEqual([
      newPassword,
      oldPassword,
    ])
    expect(database.password).toBe(oldPassword)
    expect(stagesOf()).toEqual({[report.newVersion!]: [], v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT']})
    expect(rotationExitCode(report)).toBe(4)
  }, 20_000)

  it('the rollback has one deadline for all its waits and logins: a change that never applies costs --timeout once more, not four times', async () => {
    // RDS accepts the change and never applies it; the database refuses both passwords (someone else changed it).
    rds
      .on(DescribeDBClustersCommand)
      .resolves({DBClusters: [{PendingModifiedValues: {MasterUserPassword: '****'}, Status: 'resetting-master-credentials'}]})
    database.password = 'changed-by-someone-else'
    const started = Date.now()
    const report = await rotate(undefined, 2000)
    const elapsed = Date.now() - started
    expect(report).toMatchObject({databaseAccepts: 'neither', failure: {step: 'set-in-database'}, outcome: 'rollback-failed'})
    // The step's own wait (2 s), then the rollback's 2 s in all: its wait, and one answer per login (no grace left).
    expect(elapsed).toBeLessThan(2000 + 2000 + 1500)
  }, 20_000)

  it('a proof for the master user returns at once on a failure that is not the other answer (no retry for the grace)', async () => {
    // The new password's proof is told the role does not exist: an answer no wait changes.
    database.noRoleFor = newPassword
    const started = Date.now()
    const report = await rotate()
    expect(report).toMatchObject({databaseAccepts: 'old', failure: {step: 'prove-new-password'}, outcome: 'rolled-back'})
    expect(report.failure!.message).toContain('does not exist')
    // Retrying it would take the grace (20 s) or the whole --timeout (10 s); the rollback itself takes about 2 s here.
    expect(Date.now() - started).toBeLessThan(8000)
  }, 20_000)

  it('interrupted while the master password applies: waits for it, sets the old one back, exit 130', async () => {
    const abort = new AbortController()
    afterModify = () => abort.abort()
    const report = await rotate(abort.signal)
    expect(report).toMatchObject({failure: {code: 'INTERRUPTED', step: 'set-in-database'}, outcome: 'rolled-back'})
    expect(database.password).toBe(oldPassword)
    expect(rotationExitCode(report)).toBe(130)
    expect(report.versions).toEqual({current: 'v1', previous: 'v0'})
  }, 20_000)
})

describe('rendering', () => {
  const plan: RotationPlan = {
    clusterId: 'nba-tracker-dev',
    currentVersion: {createdDate: new Date(Date.now() - 3 * 86_400_000).toISOString(), versionId: '3859bd17-e343-4505-9f32-026ed8d0678a'},
    mode: 'staged',
    passwordChange: 'alter-role',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-reader-AbCdEf',
    secretName: 'nba-tracker-dev-app-reader',
    sessions: {
      groups: [
        {applicationName: 'api', clientAddress: '10.0.1.5', sessions: 12},
        {applicationName: '', clientAddress: null, sessions: 1},
      ],
      total: 13,
    },
    steps: [],
    username: 'app_reader',
  }

  it('the plan of a rotation AWS runs says when RotateSecret will reattempt an unfinished one', () => {
    expect(plannedSteps('rotation-function', 'app', true)[0]).toBe('RotateSecret: AWS reattempts the unfinished rotation (AWSPENDING)')
    expect(plannedSteps('rds', 'app')[0]).toBe('RotateSecret: RDS sets a new password in the secret and the database')
  })

  it('the plan says who is logged in and what will happen, within 80 columns', () => {
    const text = renderRotationPlan({...plan, steps: plannedSteps('alter-role', 'app_reader')}, colour)
    expect(text).toContain('Sessions  13 logged in as app_reader on the writer; they keep working,')
    expect(text).toContain('12  api from 10.0.1.5')
    expect(text).toContain(' 1  (no application_name) from a local socket')
    expect(text).toContain('(created 3 days ago)')
    expect(
      renderRotationPlan({...plan, passwordChange: 'modify-db-cluster', steps: plannedSteps('modify-db-cluster', 'app')}, colour),
    ).toContain('ModifyDBCluster --master-user-password, and wait until it applied')
    for (const change of ['alter-role', 'modify-db-cluster', 'rds', 'rotation-function'] as const) {
      for (const unfinished of [false, true]) {
        const lines = stripVTControlCharacters(
          renderRotationPlan({...plan, passwordChange: change, steps: plannedSteps(change, 'app_reader', unfinished)}, colour),
        )
        for (const line of lines.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
      }
    }
  })

  it('a rolled-back report lists each step, the rollback, the state, and the commands when they disagree', () => {
    const text = renderRotationReport(
      {
        databaseAccepts: 'new',
        failure: {code: 'AWS', message: 'AWS InternalServiceError: boom', step: 'promote'},
        manualFix: ['aws secretsmanager update-secret-version-stage ...'],
        mode: 'staged',
        outcome: 'rollback-failed',
        rollback: [{detail: 'boom', status: 'failed', step: 'restore-database-password'}],
        secretArn: 'arn:s',
        state:
          'The secret and the database disagree: AWSCURRENT is version v1 (the old password), and the database takes the new password.',
        steps: [
          {detail: 'new version v2', status: 'done', step: 'store-pending'},
          {detail: 'boom', status: 'failed', step: 'promote'},
          {status: 'skipped', step: 'clear-pending'},
        ],
        username: 'app',
        versions: {current: 'v1', previous: null},
      },
      colour,
    )
    expect(text.split('\n')).toEqual([
      "The rotation of app's password failed, and the rollback could not finish.",
      '  ✓ store-pending  new version v2',
      '  ✗ promote        failed: boom',
      '  - clear-pending  skipped',
      'Failed at promote: AWS InternalServiceError: boom',
      'Rollback:',
      '  ✗ restore-database-password  failed: boom',
      'The secret and the database disagree: AWSCURRENT is version v1 (the old password), and the database takes the new password.',
      'To make them agree, run:',
      '  aws secretsmanager update-secret-version-stage ...',
    ])
  })
})
