import {DescribeDBClustersCommand, ModifyDBClusterCommand} from '@aws-sdk/client-rds'
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {SecretRotateOutput} from '../../src/commands/secret/rotate.js'
import type {CheckResult} from '../../src/lib/doctor/types.js'

import {AuroraError} from '../../src/lib/cli/errors.js'
import {silentProgress} from '../../src/lib/cli/progress.js'
import {proveLogin} from '../../src/lib/credentials/login.js'
import {rotateThroughSecretsManager} from '../../src/lib/credentials/managed-rotation.js'
import {alterRolePasswordSql} from '../../src/lib/credentials/password.js'
import {describeSecretRotation, type RotationReport} from '../../src/lib/credentials/rotation-mode.js'
import {resolveClusterTls} from '../../src/lib/pg/tls.js'
import {sandboxShape} from '../../src/lib/sandbox/seed.js'
import {type ClusterConnection, connectToCluster, resolveClusterConnection} from '../../src/lib/target/cluster-connection.js'
import {resolveTarget} from '../../src/lib/target/target.js'
import {runCli, startCli} from '../helpers/run-cli.js'
import {deleteScratchCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * The two rotations AWS runs, against the sandbox's emulation of them (sandbox/moto_launcher.py), driven at the
 * library level with real moto-backed clients and real logins:
 * - RDS-managed: a cluster of our own (restored from the seeded cluster's snapshot), since its master password
 *   changes; the seeded cluster's master password is what every other test file logs in with.
 * - A rotation function: login roles of our own on the seeded cluster, each with its own secret.
 */
const scratch = `mgd-rotation-${process.pid}`
const rolePrefix = `mgd_rot_${process.pid}_`
const functionPrefix = `mgd-rotation-${process.pid}`
const applicationName = `mgd-rotation-${process.pid}`
const createdSecrets: string[] = []
const createdRoles: string[] = []

const secretsManager = () => sandboxClients().secretsManager()
const scratchEnv = () => ({...sandboxEnv(), AURORACTL_CLUSTER: scratch, AURORACTL_SECRET: undefined})
const rds = () => sandboxClients().rds()

/** What `secret rotate` would resolve for this cluster and secret: the route, TLS (verify-full) and credentials. */
async function connectionTo(cluster: string, secret: string | undefined): Promise<ClusterConnection> {
  const env = {...sandboxEnv(), AURORACTL_CLUSTER: cluster, AURORACTL_SECRET: secret}
  const target = await resolveTarget({
    env,
    flags: {},
    loadConfig: async () => undefined,
    readTerraform() {
      throw new Error('no Terraform in this test')
    },
  })
  return resolveClusterConnection(target, sandboxClients(), {tls: resolveClusterTls({}, env)})
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const {Versions: versions = []} = await (await secretsManager()).send(new ListSecretVersionIdsCommand({SecretId: secretId}))
  return Object.fromEntries(versions.map((version) => [version.VersionId!, version.VersionStages ?? []]))
}

const currentVersionOf = async (secretId: string): Promise<string> =>
  Object.entries(await stagesOf(secretId)).find(([, labels]) => labels.includes('AWSCURRENT'))![0]

async function valueOf(secretId: string, versionId: string): Promise<{password: string; username: string}> {
  const {SecretString: text} = await (await secretsManager()).send(new GetSecretValueCommand({SecretId: secretId, VersionId: versionId}))
  return JSON.parse(text!) as {password: string; username: string}
}

async function logsIn(connection: ClusterConnection, login: {password: string; username: string}): Promise<boolean | string> {
  const proof = await proveLogin(connection, login, {applicationName, deadline: Date.now() + 10_000})
  return proof.accepted || proof.failure.kind
}

/** Waits until the secret has no AWSPENDING version apart from AWSCURRENT's (a rotation the sandbox runs has ended). */
async function settled(secretId: string): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const stages = Object.values(await stagesOf(secretId))
    if (!stages.some((labels) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT')) || Date.now() > deadline) return
    await sleep(250)
  }
}

/**
 * moto's IAM and Lambda, asked directly (auroractl has no client for either): moto reads the service from the
 * signature's credential scope and does not check the signature itself.
 */
async function motoCall(service: 'iam' | 'lambda', path: string, body: string, contentType: string): Promise<string> {
  const response = await fetch(`${sandboxEnv().AWS_ENDPOINT_URL}${path}`, {
    body,
    headers: {
      Authorization: `AWS4-HMAC-SHA256 Credential=sandbox/20260101/${sandboxShape.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      'Content-Type': contentType,
    },
    method: 'POST',
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${service} ${path}: ${response.status} ${text}`)
  return text
}

// A zip holding lambda_function.py with an empty handler: the sandbox never runs a function's code, it emulates AWS's.
const functionZip =
  'UEsDBBQAAAAAAAAAIVwEu9x1LQAAAC0AAAASAAAAbGFtYmRhX2Z1bmN0aW9uLnB5ZGVmIGxhbWJkYV9oYW5kbGVyKGV2ZW50LCBjb250ZXh0KToKICAgIHBhc3MKUEsBAhQDFAAAAAAAAAAhXAS73HUtAAAALQAAABIAAAAAAAAAAAAAAIABAAAAAGxhbWJkYV9mdW5jdGlvbi5weVBLBQYAAAAAAQABAEAAAABdAAAAAAA='

/** A rotation function in moto's Lambda; `failAt` makes the sandbox's emulation of it stop before that step. */
async function createRotationFunction(name: string, failAt?: string): Promise<string> {
  const roleArn = `arn:aws:iam::123456789012:role/${functionPrefix}`
  const created = await motoCall(
    'lambda',
    '/2015-03-31/functions',
    JSON.stringify({
      Code: {ZipFile: functionZip},
      Environment: {Variables: failAt ? {SANDBOX_FAIL_AT_STEP: failAt} : {}},
      FunctionName: name,
      Handler: 'lambda_function.lambda_handler',
      Role: roleArn,
      Runtime: 'python3.12',
    }),
    'application/json',
  )
  return (JSON.parse(created) as {FunctionArn: string}).FunctionArn
}

/** A login role of our own on the seeded cluster, with a secret in the module's shape, its rotation handed to `functionArn`. */
async function roleWithRotation(
  suffix: string,
  functionArn: string,
): Promise<{connection: ClusterConnection; password: string; secretArn: string}> {
  const username = `${rolePrefix}${suffix}`
  const password = `Initial${suffix}${process.pid}Pw0rd`
  const master = await connectToCluster(await connectionTo(sandboxShape.clusterId, sandboxEnv().AURORACTL_SECRET), {applicationName})
  try {
    await master.query(`CREATE ROLE ${username} LOGIN`)
    createdRoles.push(username)
    await master.query(alterRolePasswordSql(username, password))
  } finally {
    await master.end()
  }

  const seeded = await connectionTo(sandboxShape.clusterId, sandboxEnv().AURORACTL_SECRET)
  const value = {
    dbClusterIdentifier: sandboxShape.clusterId,
    dbname: sandboxShape.databaseName,
    engine: 'postgres',
    host: seeded.cluster.Endpoint,
    password,
    port: seeded.cluster.Port,
    username,
  }
  const sm = await secretsManager()
  const {ARN: secretArn} = await sm.send(
    new CreateSecretCommand({Name: `${functionPrefix}-${suffix}`, SecretString: JSON.stringify(value)}),
  )
  createdSecrets.push(secretArn!)
  // Configures the function without rotating now (AWS would run its testSecret step only).
  await sm.send(new RotateSecretCommand({RotateImmediately: false, RotationLambdaARN: functionArn, SecretId: secretArn}))
  return {connection: await connectionTo(sandboxShape.clusterId, secretArn), password, secretArn: secretArn!}
}

async function rotate(connection: ClusterConnection, secretArn: string, timeoutMs: number): Promise<RotationReport> {
  const sm = await secretsManager()
  return rotateThroughSecretsManager({
    connection,
    info: await describeSecretRotation(sm, secretArn, connection.cluster),
    progress: silentProgress,
    rds: await rds(),
    secretsManager: sm,
    signal: new AbortController().signal,
    timeoutMs,
  })
}

async function doctorRotation(env: Record<string, string | undefined>, extra: string[] = []): Promise<CheckResult> {
  const result = await runCli(['doctor', '--only', 'secret.rotation', '--json', ...extra], {env})
  const report = JSON.parse(result.stdout) as {checks: CheckResult[]}
  return report.checks.find((check) => check.id === 'secret.rotation')!
}

describe('an RDS-managed master secret, rotated by RDS', () => {
  let secretArn: string
  let connection: ClusterConnection

  beforeAll(async () => {
    const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: sandboxEnv()})
    expect(restored.exitCode, restored.stderr).toBe(0)
    const client = await rds()
    await client.send(new ModifyDBClusterCommand({ApplyImmediately: true, DBClusterIdentifier: scratch, ManageMasterUserPassword: true}))
    const {DBClusters: clusters = []} = await client.send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch}))
    secretArn = clusters[0]!.MasterUserSecret!.SecretArn!
    connection = await connectionTo(scratch, undefined)
  })

  afterAll(async () => {
    await deleteScratchCluster(scratch)
  })

  it('holds the master user and a password of its own, which the cluster took (the seeded master password no longer logs in there)', async () => {
    expect(connection.credentials.username).toBe(sandboxShape.username)
    const info = await describeSecretRotation(await secretsManager(), secretArn, connection.cluster)
    expect(info).toMatchObject({automaticallyAfterDays: 7, mode: 'rds-managed', rotationEnabled: true})
    expect(await logsIn(connection, connection.credentials)).toBe(true)
    const seeded = await connectionTo(sandboxShape.clusterId, sandboxEnv().AURORACTL_SECRET)
    expect(await logsIn(connection, seeded.credentials)).toBe('auth')
  })

  it('rotates: AWSCURRENT moves to a new version whose password logs in, the old one is refused, AWSPREVIOUS holds it', async () => {
    const before = await stagesOf(secretArn)
    const oldVersion = Object.keys(before).find((id) => before[id]!.includes('AWSCURRENT'))!
    const report = await rotate(connection, secretArn, 30_000)
    expect(report).toMatchObject({databaseAccepts: 'new', mode: 'rds-managed', outcome: 'rotated', versions: {previous: oldVersion}})
    expect(report.steps.map((step) => step.status)).toEqual(['done', 'done', 'done', 'done'])
    const after = await stagesOf(secretArn)
    expect(after[report.versions.current]).toEqual(['AWSCURRENT'])
    expect(after[oldVersion]).toEqual(['AWSPREVIOUS'])
    const fresh = await valueOf(secretArn, report.versions.current)
    expect(fresh.username).toBe(sandboxShape.username)
    expect(await logsIn(connection, fresh)).toBe(true)
    expect(await logsIn(connection, await valueOf(secretArn, oldVersion))).toBe('auth')
    expect(JSON.stringify(report)).not.toContain(fresh.password)
    // ListSecretVersionIds gives each version its own creation time (moto gave every one "now").
    const {Versions: versions = []} = await (await secretsManager()).send(new ListSecretVersionIdsCommand({SecretId: secretArn}))
    const created = (id: string) => versions.find((version) => version.VersionId === id)!.CreatedDate!.getTime()
    expect(created(report.versions.current)).toBeGreaterThan(created(oldVersion))
  })

  it('past --timeout exits 5 saying where the labels are; RDS finishes anyway, and ModifyDBCluster --rotate-master-user-password rotates too', async () => {
    const error = await rotate(connection, secretArn, 300).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuroraError)
    expect((error as AuroraError).exitCode).toBe(5)
    expect((error as AuroraError).message).toMatch(
      /waiting for RDS to rotate .*: AWSCURRENT on version \S+, AWSPENDING on version \S+; the cluster's MasterUserSecret is rotating\. RDS keeps going/,
    )
    await settled(secretArn)
    const current = await valueOf(
      secretArn,
      Object.entries(await stagesOf(secretArn)).find(([, labels]) => labels.includes('AWSCURRENT'))![0],
    )
    expect(await logsIn(connection, current)).toBe(true)

    await (
      await rds()
    ).send(new ModifyDBClusterCommand({ApplyImmediately: true, DBClusterIdentifier: scratch, RotateMasterUserPassword: true}))
    await sleep(200)
    await settled(secretArn)
    const rotated = await valueOf(
      secretArn,
      Object.entries(await stagesOf(secretArn)).find(([, labels]) => labels.includes('AWSCURRENT'))![0],
    )
    expect(rotated.password).not.toBe(current.password)
    expect(await logsIn(connection, rotated)).toBe(true)
    expect(await logsIn(connection, current)).toBe('auth')
  })

  it('from the CLI: secret rotate --cluster finds the MasterUserSecret, plans, refuses without --confirm, rotates, prints no password', async () => {
    const dry = await runCli(['secret', 'rotate', '--dry-run', '--json'], {env: scratchEnv()})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({outcome: 'dry-run', plan: {mode: 'rds-managed', passwordChange: 'rds', secretArn}})
    // stdin is not a terminal here: no --confirm is a refusal, before anything changes.
    const before = await currentVersionOf(secretArn)
    const refused = await runCli(['secret', 'rotate'], {env: scratchEnv()})
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`Pass --confirm ${scratch}`)
    expect(await currentVersionOf(secretArn)).toBe(before)

    const result = await runCli(['secret', 'rotate', '--confirm', scratch], {env: scratchEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain('(RDS-managed)')
    expect(result.stdout).toMatch(/^Rotated the password of \S+\.\n {2}✓ request-rotation/)
    expect(result.stdout).toContain('✓ prove-old-refused   the old password is refused')
    const after = await stagesOf(secretArn)
    const current = await currentVersionOf(secretArn)
    expect(current).not.toBe(before)
    expect(after[before]).toEqual(['AWSPREVIOUS'])
    const fresh = await valueOf(secretArn, current)
    expect(await logsIn(connection, fresh)).toBe(true)
    expect(await logsIn(connection, await valueOf(secretArn, before))).toBe('auth')
    for (const output of [result.stdout, result.stderr]) expect(output).not.toContain(fresh.password)
    // The commands that read the secret follow it.
    const psql = await runCli(['psql', '--', '-tAc', 'select current_user'], {env: scratchEnv()})
    expect(psql.exitCode, psql.stderr).toBe(0)
    expect(psql.stdout.trim()).toBe(fresh.username)
  })

  it('from the CLI: Ctrl-C while RDS rotates stops the wait only (exit 130, undoes nothing); RDS finishes and the two agree', async () => {
    const before = await currentVersionOf(secretArn)
    const running = startCli(['secret', 'rotate', '--confirm', scratch], scratchEnv())
    const deadline = Date.now() + 30_000
    while (!running.output.stderr.includes('Waiting for AWSCURRENT to move') && Date.now() < deadline) await sleep(25)
    running.child.kill('SIGINT')
    expect(await running.exited).toBe(130)
    expect(running.output.stderr).toMatch(/Interrupted while waiting for RDS to rotate .*auroractl undid nothing/)
    expect(running.output.stdout).toBe('')
    await settled(secretArn)
    const current = await currentVersionOf(secretArn)
    expect(current).not.toBe(before)
    expect(await logsIn(connection, await valueOf(secretArn, current))).toBe(true)
  })

  it('doctor secret.rotation: ok with the mode, the schedule and the age; warns past a threshold', async () => {
    const check = await doctorRotation(scratchEnv())
    expect(check.status).toBe('ok')
    expect(check.detail).toMatch(
      /: RDS-managed master secret, rotated automatically every 7 days \(next \d{4}-\d\d-\d\d\); AWSCURRENT version created \d+ min ago$/,
    )
    expect(check.value).toBeGreaterThanOrEqual(0)
    await sleep(1100)
    const aged = await doctorRotation(scratchEnv(), ['--threshold', 'secret.rotation=1s'])
    expect(aged.status).toBe('warn')
    expect(aged.detail).toMatch(/ min ago, past 1s$/)
    expect(aged.hint).toContain('auroractl secret rotate')
  })
})

describe('a secret with a rotation function', () => {
  const functions: Record<string, string> = {}

  beforeAll(async () => {
    await motoCall(
      'iam',
      '/',
      new URLSearchParams({
        Action: 'CreateRole',
        AssumeRolePolicyDocument: '{}',
        RoleName: functionPrefix,
        Version: '2010-05-08',
      }).toString(),
      'application/x-www-form-urlencoded',
    )
    functions.working = await createRotationFunction(`${functionPrefix}-working`)
    functions.setSecret = await createRotationFunction(`${functionPrefix}-set`, 'setSecret')
    functions.testSecret = await createRotationFunction(`${functionPrefix}-test`, 'testSecret')
  })

  afterAll(async () => {
    const sm = await secretsManager()
    for (const secret of createdSecrets)
      await sm.send(new DeleteSecretCommand({ForceDeleteWithoutRecovery: true, SecretId: secret})).catch(() => {})
    const master = await connectToCluster(await connectionTo(sandboxShape.clusterId, sandboxEnv().AURORACTL_SECRET), {applicationName})
    try {
      for (const role of createdRoles) await master.query(`DROP ROLE IF EXISTS ${role}`)
    } finally {
      await master.end()
    }
  })

  it('rotates when the function works: the new password logs in, the old one is refused, the stages moved', async () => {
    const {connection, password, secretArn} = await roleWithRotation('ok', functions.working!)
    const oldVersion = Object.keys(await stagesOf(secretArn))[0]!
    const report = await rotate(connection, secretArn, 30_000)
    expect(report).toMatchObject({mode: 'rotation-function', outcome: 'rotated', versions: {previous: oldVersion}})
    expect(report.state).toContain(`The rotation function ${functionPrefix}-working rotated`)
    const stages = await stagesOf(secretArn)
    expect(stages[report.versions.current]).toContain('AWSCURRENT')
    expect(stages[oldVersion]).toEqual(['AWSPREVIOUS'])
    const fresh = await valueOf(secretArn, report.versions.current)
    expect(await logsIn(connection, fresh)).toBe(true)
    expect(await logsIn(connection, {password, username: fresh.username})).toBe('auth')
  })

  for (const [failAt, restored] of [
    ['setSecret', false],
    ['testSecret', true],
  ] as const) {
    it(`fails at ${failAt}: says so, names the log group, and leaves the secret and the database agreeing on the old password`, async () => {
      const {connection, password, secretArn} = await roleWithRotation(failAt.toLowerCase(), functions[failAt]!)
      const oldVersion = Object.keys(await stagesOf(secretArn))[0]!
      const report = await rotate(connection, secretArn, 6000)
      const name = `${functionPrefix}-${failAt === 'setSecret' ? 'set' : 'test'}`
      expect(report).toMatchObject({
        databaseAccepts: 'old',
        failure: {code: 'ROTATION_FAILED'},
        outcome: 'rolled-back',
        versions: {current: oldVersion},
      })
      expect(report.failure!.message).toContain(`The rotation function ${name} did not finish within 6s`)
      expect(report.state).toContain(`/aws/lambda/${name}`)
      expect(report.rollback!.map((step) => step.step)).toEqual(
        restored
          ? ['check-database-password', 'restore-database-password', 'clear-pending', 'verify']
          : ['check-database-password', 'clear-pending', 'verify'],
      )
      expect(report.rollback!.every((step) => step.status === 'done')).toBe(true)
      // The old password works, the failed rotation's does not, and no AWSPENDING is left.
      expect(await logsIn(connection, {password, username: connection.credentials.username})).toBe(true)
      const pending = await valueOf(secretArn, report.newVersion!)
      expect(await logsIn(connection, pending)).toBe('auth')
      const stages = await stagesOf(secretArn)
      expect(stages[oldVersion]).toEqual(['AWSCURRENT'])
      expect(Object.values(stages).some((labels) => labels.includes('AWSPENDING'))).toBe(false)
      expect(JSON.stringify(report)).not.toContain(pending.password)
      expect(JSON.stringify(report)).not.toContain(password)
    })
  }

  it('from the CLI: secret rotate --secret ARN runs the function and proves the result (text on stdout, progress on stderr)', async () => {
    const {connection, password, secretArn} = await roleWithRotation('cli_ok', functions.working!)
    const env = {...sandboxEnv(), AURORACTL_SECRET: secretArn}
    const result = await runCli(['secret', 'rotate', '--confirm', sandboxShape.clusterId], {env})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain(`(rotation function)`)
    expect(result.stderr).toContain(`RotateSecret: the function runs createSecret ... finishSecret`)
    expect(result.stdout).toContain(`The rotation function ${functionPrefix}-working rotated`)
    const fresh = await valueOf(secretArn, await currentVersionOf(secretArn))
    expect(await logsIn(connection, fresh)).toBe(true)
    expect(await logsIn(connection, {password, username: fresh.username})).toBe('auth')
    for (const output of [result.stdout, result.stderr]) expect(output).not.toContain(fresh.password)
  })

  it('from the CLI: a function failing at setSecret is rolled back (exit 4, one JSON report), the old password still works', async () => {
    const {connection, password, secretArn} = await roleWithRotation('cli_set', functions.setSecret!)
    const oldVersion = await currentVersionOf(secretArn)
    const env = {...sandboxEnv(), AURORACTL_SECRET: secretArn}
    const result = await runCli(['secret', 'rotate', '--confirm', sandboxShape.clusterId, '--timeout', '10s', '--json'], {env})
    expect(result.exitCode, result.stderr).toBe(4)
    const report = JSON.parse(result.stdout) as SecretRotateOutput
    expect(report).toMatchObject({
      databaseAccepts: 'old',
      failure: {code: 'ROTATION_FAILED', step: 'wait-for-current'},
      mode: 'rotation-function',
      outcome: 'rolled-back',
      plan: {mode: 'rotation-function', secretArn},
      versions: {current: oldVersion},
    })
    expect(report.failure!.message).toContain(`/aws/lambda/${functionPrefix}-set`)
    expect(await logsIn(connection, {password, username: connection.credentials.username})).toBe(true)
    const stages = await stagesOf(secretArn)
    expect(stages[oldVersion]).toEqual(['AWSCURRENT'])
    expect(Object.values(stages).some((labels) => labels.includes('AWSPENDING'))).toBe(false)
    const abandoned = await valueOf(secretArn, report.newVersion!)
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.toContain(abandoned.password)
      expect(output).not.toContain(password)
    }
  })

  it('doctor secret.rotation warns while a rotation is left unfinished, naming the function log group (and only it warns)', async () => {
    const {secretArn} = await roleWithRotation('stuck', functions.testSecret!)
    await (await secretsManager()).send(new RotateSecretCommand({RotateImmediately: true, SecretId: secretArn}))
    await sleep(3000)
    const check = await doctorRotation({...sandboxEnv(), AURORACTL_SECRET: secretArn})
    expect(check.status).toBe('warn')
    expect(check.detail).toMatch(
      /rotation function .*-test, no automatic rotation; AWSCURRENT version created \d+ min ago; a rotation started \d+ min ago is under way: AWSPENDING is on version/,
    )
    expect(check.hint).toContain(`/aws/lambda/${functionPrefix}-test`)
    // One stuck rotation, one warning: secret.matches-cluster leaves it to secret.rotation.
    const matches = await runCli(['doctor', '--only', 'secret.matches-cluster', '--json'], {
      env: {...sandboxEnv(), AURORACTL_SECRET: secretArn},
    })
    expect((JSON.parse(matches.stdout) as {checks: CheckResult[]}).checks[0]).toMatchObject({id: 'secret.matches-cluster', status: 'ok'})
  })
})
