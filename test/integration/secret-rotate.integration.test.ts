import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import type pg from 'pg'

import {PutSecretValueCommand, UpdateSecretVersionStageCommand} from '@aws-sdk/client-secrets-manager'
import {randomBytes, randomUUID} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {SecretRotateOutput} from '../../src/commands/secret/rotate.js'
import type {DatabaseCredentials} from '../../src/lib/aws/secrets.js'
import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {silentProgress} from '../../src/lib/cli/progress.js'
import {describeSecretRotation, type RotationReport} from '../../src/lib/credentials/rotation-mode.js'
import {rotationExitCode} from '../../src/lib/credentials/rotation-outcome.js'
import {planRotation} from '../../src/lib/credentials/rotation-plan.js'
import {rotateStaged} from '../../src/lib/credentials/staged-rotation.js'
import {connectToCluster} from '../../src/lib/target/cluster-connection.js'
import {
  clusterConnection,
  createRoleSecret,
  deleteSecret,
  logsIn,
  onCall,
  secretState,
  serviceError,
  versionPassword,
} from '../helpers/rotation.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * The ALTER ROLE path on the shared seeded cluster, with roles and secrets of this file's own (never the master
 * user's password: other files log in with it). Each test makes a fresh role, tagged as `role create` tags its
 * secret, and checks the end state the way an application would meet it: GetSecretValue without a version, and a login.
 */
const cluster = 'nba-tracker-dev'
const tag = `rot-${process.pid}-${Date.now().toString(36)}`
const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: cluster})
const roles: string[] = []
const secrets: string[] = []
const sessions: pg.Client[] = []
let master: pg.Client
let masterCredentials: DatabaseCredentials
let secretsManager: SecretsManagerClient

interface TestRole {
  arn: string
  connection: ClusterConnection
  name: string
  password: string
}

async function makeRole(suffix: string): Promise<TestRole> {
  const name = `rot_${process.pid}_${suffix}`
  const password = `initial-${randomBytes(12).toString('hex')}`
  await master.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`)
  roles.push(name)
  const arn = await createRoleSecret(secretsManager, `${tag}-${suffix}`, {
    clusterId: cluster,
    host: masterCredentials.host!,
    password,
    username: name,
  })
  secrets.push(arn)
  return {arn, connection: await clusterConnection(cluster, {...masterCredentials, password, username: name}), name, password}
}

/** A session of the role's own, as an application would hold one. */
async function openSession(role: TestRole, password: string, app: string): Promise<pg.Client> {
  const client = await connectToCluster(
    {...role.connection, credentials: {...role.connection.credentials, password}},
    {applicationName: app},
  )
  client.on('error', () => {})
  sessions.push(client)
  return client
}

/** The secret and the database agree on `password`: AWSCURRENT is `version` and holds it, no AWSPENDING, it logs in. */
async function expectAgreement(role: TestRole, expected: {password: string; version: string}): Promise<void> {
  const state = await secretState(secretsManager, role.arn)
  expect(state.current).toBe(expected.version)
  expect(state.password).toBe(expected.password)
  expect(state.pending).toBeUndefined()
  expect(await logsIn(role.connection, role.name, expected.password)).toBe(true)
}

function expectNotPrinted(password: string, ...outputs: string[]): void {
  expect(password.length).toBeGreaterThan(20)
  for (const output of outputs) expect(output).not.toContain(password)
}

beforeAll(async () => {
  secretsManager = await sandboxClients().secretsManager()
  masterCredentials = await getDatabaseCredentials(secretsManager, sandboxEnv().AURORACTL_SECRET!)
  master = await connectToCluster(await clusterConnection(cluster, masterCredentials), {applicationName: `${tag}-setup`})
  master.on('error', () => {})
})

afterAll(async () => {
  for (const client of sessions) await client.end().catch(() => {})
  for (const role of roles) await master.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {})
  await master.end().catch(() => {})
  for (const arn of secrets) await deleteSecret(secretsManager, arn)
})

describe('secret rotate / role rotate (ALTER ROLE path, the real CLI)', () => {
  it('--dry-run lists the sessions logged in as the role and changes nothing; without --confirm a non-interactive run is refused', async () => {
    const role = await makeRole('dry')
    const held = await openSession(role, role.password, `${tag}-app`)
    const before = await secretState(secretsManager, role.arn)
    const dry = await runCli(['secret', 'rotate', '--secret', role.arn, '--dry-run', '--json'], {env: env()})
    expect(dry.exitCode, dry.stderr).toBe(0)
    const report = JSON.parse(dry.stdout) as SecretRotateOutput
    expect(report).toMatchObject({mode: 'staged', outcome: 'dry-run', username: role.name, versions: {current: before.current}})
    expect(report.plan).toMatchObject({clusterId: cluster, passwordChange: 'alter-role', secretArn: role.arn, username: role.name})
    expect(report.plan.sessions?.groups).toContainEqual({applicationName: `${tag}-app`, clientAddress: '127.0.0.1', sessions: 1})
    const human = await runCli(['role', 'rotate', role.name, '--dry-run'], {env: env()})
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`Sessions {2}1 logged in as ${role.name} on the writer`))
    expect(human.stdout).toContain(`1  ${tag}-app from 127.0.0.1`)
    expect(human.stdout).toContain(`Set it: ALTER ROLE ${role.name}`)
    expect(human.stdout).toContain('Dry run: nothing was changed.')

    for (const args of [[], ['--confirm', 'another-cluster'], ['--yes']]) {
      const refused = await runCli(['secret', 'rotate', '--secret', role.arn, ...args], {env: env()})
      expect(refused.exitCode, refused.stderr).toBe(2)
    }

    const unconfirmed = await runCli(['role', 'rotate', role.name], {env: env()})
    expect(unconfirmed.exitCode).toBe(2)
    expect(unconfirmed.stderr).toContain(`Pass --confirm ${cluster} to go ahead.`)
    expect(await secretState(secretsManager, role.arn)).toEqual(before)
    await expectAgreement(role, {password: role.password, version: before.current})
    await held.query('SELECT 1')
  })

  it('role rotate: the new password logs in, the old one is refused, the labels moved, and the password is never printed', async () => {
    const role = await makeRole('ok')
    const held = await openSession(role, role.password, `${tag}-held`)
    const before = await secretState(secretsManager, role.arn)
    const result = await runCli(['role', 'rotate', role.name, '--confirm', cluster, '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as SecretRotateOutput
    expect(report.outcome).toBe('rotated')
    expect(report.steps.map((step) => [step.step, step.status])).toEqual([
      ['generate-password', 'done'],
      ['store-pending', 'done'],
      ['set-in-database', 'done'],
      ['prove-new-password', 'done'],
      ['promote', 'done'],
      ['clear-pending', 'done'],
      ['prove-old-refused', 'done'],
    ])
    const after = await secretState(secretsManager, role.arn)
    expect(report.versions).toEqual({current: after.current, previous: before.current})
    expect(after.current).not.toBe(before.current)
    expect(after.previous).toBe(before.current)
    expect(after.stages[after.current]).toEqual(['AWSCURRENT'])
    await expectAgreement(role, {password: after.password, version: after.current})
    expect(await logsIn(role.connection, role.name, role.password)).toBe(false)
    expectNotPrinted(after.password, result.stdout, result.stderr)
    // A session logged in before keeps working; it needs the new password only to connect again.
    await held.query('SELECT 1')

    // Again, for a person: the steps, and AWSPREVIOUS follows.
    const again = await runCli(['secret', 'rotate', '--secret', role.arn, '--confirm', cluster], {env: env()})
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.stdout).toContain(`Rotated the password of ${role.name}.`)
    const third = await secretState(secretsManager, role.arn)
    expect(third.previous).toBe(after.current)
    expect(await logsIn(role.connection, role.name, after.password)).toBe(false)
    await expectAgreement(role, {password: third.password, version: third.current})
    expectNotPrinted(third.password, again.stdout, again.stderr)
  })

  it('the database refusing ALTER ROLE (another session changing the role, uncommitted): exit 5, rolled back, the old password still works', async () => {
    const role = await makeRole('lock')
    const before = await secretState(secretsManager, role.arn)
    // The doctor test allows for this moment: its db.blocking check may see our ALTER ROLE waiting (apps "auroractl-rotate" and "rot-...").
    const blocker = await connectToCluster(await clusterConnection(cluster, masterCredentials), {applicationName: `${tag}-blocker`})
    blocker.on('error', () => {})
    sessions.push(blocker)
    await blocker.query('BEGIN')
    await blocker.query(`ALTER ROLE ${role.name} CONNECTION LIMIT 7`)
    let result
    try {
      result = await runCli(['secret', 'rotate', '--secret', role.arn, '--confirm', cluster, '--json'], {env: env()})
    } finally {
      await blocker.query('ROLLBACK')
    }

    expect(result.exitCode, result.stderr).toBe(5)
    const report = JSON.parse(result.stdout) as SecretRotateOutput
    expect(report).toMatchObject({databaseAccepts: 'old', failure: {code: 'TIMED_OUT', step: 'set-in-database'}, outcome: 'rolled-back'})
    expect(report.failure!.message).toMatch(/ALTER ROLE .* waited over 5s for a lock/)
    expect(report.rollback!.map((step) => step.status)).toEqual(['done', 'done', 'done'])
    await expectAgreement(role, {password: role.password, version: before.current})
    const abandoned = await versionPassword(secretsManager, role.arn, report.newVersion!)
    expect((await secretState(secretsManager, role.arn)).stages[report.newVersion!] ?? []).toEqual([])
    expect(await logsIn(role.connection, role.name, abandoned)).toBe(false)
    expectNotPrinted(abandoned, result.stdout, result.stderr)
  })

  it('refuses an unfinished rotation (exit 2) with the label move that fits which password the database takes', async () => {
    const role = await makeRole('pending')
    const pendingPassword = `pending-${randomBytes(12).toString('hex')}`
    const pendingVersion = randomUUID()
    const current = await getDatabaseCredentials(secretsManager, role.arn)
    await secretsManager.send(
      new PutSecretValueCommand({
        ClientRequestToken: pendingVersion,
        SecretId: role.arn,
        SecretString: JSON.stringify({...current, password: pendingPassword}),
        VersionStages: ['AWSPENDING'],
      }),
    )
    const before = await secretState(secretsManager, role.arn)
    const unused = await runCli(['secret', 'rotate', '--secret', role.arn, '--confirm', cluster], {env: env()})
    expect(unused.exitCode, unused.stderr).toBe(2)
    expect(unused.stderr).toContain(`version ${pendingVersion}`)
    expect(unused.stderr).toContain(`--version-stage AWSPENDING --remove-from-version-id ${pendingVersion}`)
    // A rotation cut short after setting the database: the pending password is the database's now.
    await master.query(`ALTER ROLE ${role.name} PASSWORD '${pendingPassword}'`)
    const applied = await runCli(['secret', 'rotate', '--secret', role.arn, '--dry-run'], {env: env()})
    expect(applied.exitCode, applied.stderr).toBe(2)
    expect(applied.stderr).toContain(
      `--version-stage AWSCURRENT --move-to-version-id ${pendingVersion} --remove-from-version-id ${before.current}`,
    )
    expect(await secretState(secretsManager, role.arn)).toEqual(before)
    expectNotPrinted(pendingPassword, unused.stdout, unused.stderr, applied.stdout, applied.stderr)
  })

  it('role rotate of a role without an auroractl secret: exit 3, naming role list', async () => {
    const result = await runCli(['role', 'rotate', `rot_${process.pid}_none`, '--confirm', cluster], {env: env()})
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr).toContain(`Role rot_${process.pid}_none has no secret made by auroractl for cluster ${cluster}`)
    expect(result.stderr).toContain('auroractl role list')
  })
})

/** The lib with real moto and PostgreSQL; the fault is injected into the Secrets Manager client it is given. */
async function rotateWith(
  role: TestRole,
  inject: (clients: {abort: AbortController; secretsManager: SecretsManagerClient}) => void = () => {},
): Promise<RotationReport> {
  const faulty = await sandboxClients().secretsManager()
  const abort = new AbortController()
  inject({abort, secretsManager: faulty})
  const info = await describeSecretRotation(secretsManager, role.arn, role.connection.cluster)
  const plan = await planRotation({connection: role.connection, info, secretsManager})
  return rotateStaged({
    connection: role.connection,
    plan,
    progress: silentProgress,
    rds: await sandboxClients().rds(),
    secretsManager: faulty,
    signal: abort.signal,
    timeoutMs: 30_000,
  })
}

const isStage = (stage: string) => (input: Record<string, unknown>) => input.VersionStage === stage

describe('a failure at each step leaves the secret and the database agreeing on the old password (lib)', () => {
  it('PutSecretValue failing: nothing to undo in the database', async () => {
    const role = await makeRole('put')
    const before = await secretState(secretsManager, role.arn)
    const report = await rotateWith(role, ({secretsManager: client}) => {
      onCall(client, 'PutSecretValueCommand', {
        action() {
          throw serviceError('Injected: Secrets Manager is unavailable')
        },
        when: 'before',
      })
    })
    expect(report).toMatchObject({failure: {code: 'AWS', step: 'store-pending'}, outcome: 'rolled-back'})
    expect(report.rollback![0]!.detail).toMatch(/^not needed: the database never received the new password/)
    expect(report.steps.filter((step) => step.status === 'skipped').map((step) => step.step)).toEqual([
      'set-in-database',
      'prove-new-password',
      'promote',
      'clear-pending',
      'prove-old-refused',
    ])
    expect(rotationExitCode(report)).toBe(4)
    await expectAgreement(role, {password: role.password, version: before.current})
  })

  it('UpdateSecretVersionStage failing at the promotion: the database goes back to the old password', async () => {
    const role = await makeRole('promote')
    const before = await secretState(secretsManager, role.arn)
    const report = await rotateWith(role, ({secretsManager: client}) => {
      onCall(client, 'UpdateSecretVersionStageCommand', {
        action() {
          throw serviceError('Injected: the stage move failed')
        },
        matches: isStage('AWSCURRENT'),
        when: 'before',
      })
    })
    expect(report).toMatchObject({databaseAccepts: 'old', failure: {step: 'promote'}, outcome: 'rolled-back'})
    expect(report.rollback![0]!.detail).toBe(`ALTER ROLE ${role.name} back to the old password, logged in with the new one`)
    expect(report.steps.find((step) => step.step === 'set-in-database')!.status).toBe('undone')
    await expectAgreement(role, {password: role.password, version: before.current})
    expect(await logsIn(role.connection, role.name, await versionPassword(secretsManager, role.arn, report.newVersion!))).toBe(false)
  })

  it('UpdateSecretVersionStage failing after the promotion (removing AWSPENDING): AWSCURRENT and AWSPREVIOUS go back too', async () => {
    const role = await makeRole('clear')
    const first = await rotateWith(role)
    expect(first.outcome).toBe('rotated')
    const rotated = await secretState(secretsManager, role.arn)
    const report = await rotateWith(role, ({secretsManager: client}) => {
      onCall(client, 'UpdateSecretVersionStageCommand', {
        action() {
          throw serviceError('Injected: the stage move failed')
        },
        matches: isStage('AWSPENDING'),
        when: 'before',
      })
    })
    expect(report).toMatchObject({failure: {step: 'clear-pending'}, outcome: 'rolled-back'})
    const after = await secretState(secretsManager, role.arn)
    expect(after.previous).toBe(rotated.previous)
    await expectAgreement(role, {password: rotated.password, version: rotated.current})
  })

  it('interrupted (the signal aborted) after AWSPENDING was stored: stops before the database, exit 130', async () => {
    const role = await makeRole('abort1')
    const before = await secretState(secretsManager, role.arn)
    const report = await rotateWith(role, ({abort, secretsManager: client}) => {
      onCall(client, 'PutSecretValueCommand', {action: () => abort.abort(), when: 'after'})
    })
    expect(report).toMatchObject({failure: {code: 'INTERRUPTED', step: 'set-in-database'}, outcome: 'rolled-back'})
    expect(rotationExitCode(report)).toBe(130)
    await expectAgreement(role, {password: role.password, version: before.current})
  })

  it('interrupted right after the promotion: database, AWSCURRENT and AWSPENDING all go back', async () => {
    const role = await makeRole('abort2')
    const before = await secretState(secretsManager, role.arn)
    const report = await rotateWith(role, ({abort, secretsManager: client}) => {
      onCall(client, 'UpdateSecretVersionStageCommand', {action: () => abort.abort(), matches: isStage('AWSCURRENT'), when: 'after'})
    })
    expect(report).toMatchObject({failure: {code: 'INTERRUPTED', step: 'clear-pending'}, outcome: 'rolled-back'})
    expect(report.rollback!.map((step) => step.detail)).toEqual([
      `ALTER ROLE ${role.name} back to the old password, logged in with the new one`,
      `AWSCURRENT back on ${before.current}; AWSPREVIOUS removed from ${report.newVersion}; AWSPENDING removed from ${report.newVersion}`,
      'the old password logs in, and AWSCURRENT holds it',
    ])
    await expectAgreement(role, {password: role.password, version: before.current})
    expect(before.previous).toBeUndefined()
    expect((await secretState(secretsManager, role.arn)).previous).toBeUndefined()
  })

  it('a rollback that cannot finish (every stage move fails) says what disagrees and the commands that fix it: exit 1', async () => {
    const role = await makeRole('stuck')
    const before = await secretState(secretsManager, role.arn)
    const report = await rotateWith(role, ({secretsManager: client}) => {
      onCall(client, 'UpdateSecretVersionStageCommand', {
        action() {
          throw serviceError('Injected: Secrets Manager refuses every stage move')
        },
        always: true,
        when: 'before',
      })
    })
    expect(report).toMatchObject({databaseAccepts: 'old', failure: {step: 'promote'}, outcome: 'rollback-failed'})
    expect(rotationExitCode(report)).toBe(1)
    expect(report.state).toMatch(/^Not fully rolled back: .* STILL labelled AWSPENDING/)
    const fix = `aws secretsmanager update-secret-version-stage --secret-id ${role.arn} --version-stage AWSPENDING --remove-from-version-id ${report.newVersion}`
    expect(report.manualFix).toEqual([fix])
    // The command it names does fix it.
    await secretsManager.send(
      new UpdateSecretVersionStageCommand({RemoveFromVersionId: report.newVersion, SecretId: role.arn, VersionStage: 'AWSPENDING'}),
    )
    await expectAgreement(role, {password: role.password, version: before.current})
  })
})
