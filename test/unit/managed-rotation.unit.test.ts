import {DescribeDBClustersCommand, RDSClient} from '@aws-sdk/client-rds'
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {AuroraError} from '../../src/lib/cli/errors.js'
import {silentProgress} from '../../src/lib/cli/progress.js'
import {proveLogin} from '../../src/lib/credentials/login.js'
import {rotateThroughSecretsManager} from '../../src/lib/credentials/managed-rotation.js'
import {scramSha256Verifier} from '../../src/lib/credentials/password.js'
import {describeSecretRotation, type RotationReport, type SecretRotationInfo} from '../../src/lib/credentials/rotation-mode.js'
import {secretMatchesCluster, secretRotation} from '../../src/lib/doctor/checks/secret.js'
import {DoctorFacts} from '../../src/lib/doctor/facts.js'
import {connectToCluster} from '../../src/lib/target/cluster-connection.js'

vi.mock('../../src/lib/credentials/login.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/lib/credentials/login.js')>()),
  proveLogin: vi.fn(),
}))
vi.mock('../../src/lib/target/cluster-connection.js', () => ({connectToCluster: vi.fn()}))
// Its setTimeout on the global timers, which the tests fake (see the helper).
vi.mock('node:timers/promises', async (importOriginal) =>
  (await import('../helpers/timers-promises.js')).onGlobalTimers(await importOriginal<typeof import('node:timers/promises')>()),
)

const secretsMock = mockClient(SecretsManagerClient)
const rdsMock = mockClient(RDSClient)
const credentials = {accessKeyId: 'a', secretAccessKey: 'b'}
const secretsManager = new SecretsManagerClient({credentials, region: 'us-east-1'})
const rds = new RDSClient({credentials, region: 'us-east-1'})
const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf'
const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:app-rotation'
const connection = {
  cluster: {DBClusterIdentifier: 'c1'},
  credentials: {password: 'unused', username: 'app'},
} as unknown as ClusterConnection

/**
 * A secret as Secrets Manager keeps it (versions with values and labels) and the database's password for the
 * user, so the login proofs answer as the server would. `onPoll` runs before each DescribeSecret answer: the
 * rotation's progress, as RDS or a function would make it.
 */
interface World {
  database: Record<string, string>
  onPoll?: (poll: number) => void
  versions: Record<string, {stages: string[]; value?: {password: string; username: string}}>
}

let world: World
let polls: number

const stagesOf = () => Object.fromEntries(Object.entries(world.versions).map(([id, version]) => [id, [...version.stages]]))
const valueJson = (value: {password: string; username: string}) => JSON.stringify({...value, dbname: 'app', engine: 'postgres'})

function moveCurrent(to: string): void {
  for (const version of Object.values(world.versions)) {
    version.stages = version.stages.filter((stage) => stage !== 'AWSPREVIOUS')
    if (version.stages.includes('AWSCURRENT')) version.stages = [...version.stages.filter((stage) => stage !== 'AWSCURRENT'), 'AWSPREVIOUS']
  }

  world.versions[to]!.stages = [...world.versions[to]!.stages.filter((stage) => stage !== 'AWSPENDING'), 'AWSCURRENT']
}

function serveSecret(): void {
  secretsMock.on(GetSecretValueCommand).callsFake((input: {VersionId?: string; VersionStage?: string}) => {
    const id =
      input.VersionId ?? Object.keys(world.versions).find((key) => world.versions[key]!.stages.includes(input.VersionStage ?? 'AWSCURRENT'))
    const version = id ? world.versions[id] : undefined
    if (!version?.value) throw Object.assign(new Error('no value'), {name: 'ResourceNotFoundException'})
    return {SecretString: valueJson(version.value), VersionId: id}
  })
  secretsMock.on(DescribeSecretCommand).callsFake(() => {
    polls++
    world.onPoll?.(polls)
    return {ARN: secretArn, Name: 'app', VersionIdsToStages: stagesOf()}
  })
  secretsMock.on(RotateSecretCommand).callsFake((input: {ClientRequestToken: string}) => {
    world.versions[input.ClientRequestToken] = {stages: ['AWSPENDING']}
    return {ARN: secretArn, VersionId: input.ClientRequestToken}
  })
  secretsMock
    .on(UpdateSecretVersionStageCommand)
    .callsFake((input: {MoveToVersionId?: string; RemoveFromVersionId?: string; VersionStage: string}) => {
      const from = world.versions[input.RemoveFromVersionId ?? '']
      if (from) from.stages = from.stages.filter((stage) => stage !== input.VersionStage)
      if (input.MoveToVersionId) world.versions[input.MoveToVersionId]!.stages.push(input.VersionStage)
      return {ARN: secretArn}
    })
}

/** The version RotateSecret made (the test's secret starts with v1 only). */
const rotatedVersion = () => Object.keys(world.versions).find((id) => id !== 'v1' && id !== 'v0')!

function info(mode: 'rds-managed' | 'rotation-function'): SecretRotationInfo {
  return {
    current: {stages: ['AWSCURRENT'], versionId: 'v1'},
    mode,
    name: 'app',
    rotationEnabled: false,
    rotationFunctionArn: mode === 'rotation-function' ? functionArn : undefined,
    rotationFunctionName: mode === 'rotation-function' ? 'app-rotation' : undefined,
    secretArn,
  }
}

/** Runs a rotation on fake timers, advancing them until it settles. */
async function rotate(
  mode: 'rds-managed' | 'rotation-function',
  options: {
    connection?: ClusterConnection
    shield?: <R>(work: () => Promise<R>) => Promise<R>
    signal?: AbortSignal
    timeoutMs?: number
  } = {},
): Promise<RotationReport> {
  const running = rotateThroughSecretsManager({
    connection: options.connection ?? connection,
    info: info(mode),
    progress: silentProgress,
    rds,
    secretsManager,
    shield: options.shield,
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: options.timeoutMs ?? 30_000,
  })
  const state = {settled: false}
  running.then(
    () => {
      state.settled = true
    },
    () => {
      state.settled = true
    },
  )
  while (!state.settled) await vi.advanceTimersByTimeAsync(250)
  return running
}

async function rotationError(
  mode: 'rds-managed' | 'rotation-function',
  options: {signal?: AbortSignal; timeoutMs?: number} = {},
): Promise<AuroraError> {
  const error = await rotate(mode, options).catch((error_: unknown) => error_)
  expect(error).toBeInstanceOf(AuroraError)
  return error as AuroraError
}

const refusal = (username: string) => ({
  accepted: false as const,
  failure: {code: '28P01', kind: 'auth' as const, transient: false},
  reason: `password authentication failed for user "${username}"`,
})

/** The password whose SCRAM verifier an ALTER ROLE carries (recomputed with the verifier's own salt). */
function passwordOfVerifier(sql: string, candidates: string[]): string | undefined {
  const verifier = /'(SCRAM-SHA-256\$[^']+)'/.exec(sql)?.[1]
  const salt = Buffer.from(verifier?.split('$')[1]?.split(':')[1] ?? '', 'base64')
  return candidates.find((candidate) => scramSha256Verifier(candidate, salt) === verifier)
}

const alterRoleStatements: string[] = []
/** The session limits set before a password change (SET lock_timeout, statement_timeout). */
const sessionLimits: string[] = []

beforeEach(() => {
  vi.useFakeTimers()
  secretsMock.reset()
  rdsMock.reset()
  polls = 0
  alterRoleStatements.length = 0
  sessionLimits.length = 0
  world = {database: {app: 'Pw0ld7Qx'}, versions: {v1: {stages: ['AWSCURRENT'], value: {password: 'Pw0ld7Qx', username: 'app'}}}}
  serveSecret()
  rdsMock.on(DescribeDBClustersCommand).resolves({DBClusters: [{DBClusterIdentifier: 'c1', MasterUserSecret: {SecretStatus: 'rotating'}}]})
  vi.mocked(proveLogin).mockImplementation(async (_connection, login) =>
    world.database[login.username] === login.password ? {accepted: true} : refusal(login.username),
  )
  vi.mocked(connectToCluster).mockImplementation(async (target) => {
    const {password, username} = target.credentials
    if (world.database[username] !== password)
      throw Object.assign(new Error(`password authentication failed for user "${username}"`), {code: '28P01'})
    return {
      async end() {},
      on() {},
      async query(sql: string) {
        // The session's own limits (lock_timeout, statement_timeout) change no password.
        if (sql.startsWith('SET ')) {
          sessionLimits.push(sql)
          return {rows: []}
        }

        alterRoleStatements.push(sql)
        const role = /ALTER ROLE "([^"]+)"/.exec(sql)![1]!
        world.database[role] = passwordOfVerifier(sql, ['Pw0ld7Qx', 'PwN3w9Zk', 'Pw0ther3Lm']) ?? 'unknown'
        return {rows: []}
      },
    } as never
  })
})

afterEach(() => {
  vi.useRealTimers()
})

/** RDS (or a function) finishing the rotation on the poll given: the new password in the database, then AWSCURRENT moved. */
function finishesAtPoll(poll: number): void {
  world.onPoll = (count) => {
    const version = rotatedVersion()
    if (count === 1) world.versions[version]!.value = {password: 'PwN3w9Zk', username: 'app'}
    if (count === poll) {
      world.database.app = 'PwN3w9Zk'
      moveCurrent(version)
    }
  }
}

describe('rotateThroughSecretsManager: RDS-managed', () => {
  it('asks for the rotation, waits for AWSCURRENT to move, proves the new password logs in and the old one is refused', async () => {
    finishesAtPoll(3)
    const report = await rotate('rds-managed')
    const version = rotatedVersion()
    expect(report).toMatchObject({
      databaseAccepts: 'new',
      mode: 'rds-managed',
      newVersion: version,
      outcome: 'rotated',
      username: 'app',
      versions: {current: version, previous: 'v1'},
    })
    expect(report.steps.map((step) => [step.step, step.status])).toEqual([
      ['request-rotation', 'done'],
      ['wait-for-current', 'done'],
      ['prove-new-password', 'done'],
      ['prove-old-refused', 'done'],
    ])
    expect(report.state).toContain(
      `RDS rotated app: AWSCURRENT is version ${version}, the new password, which logs in, and the old one is refused`,
    )
    expect(secretsMock.commandCalls(RotateSecretCommand)[0]!.args[0].input).toMatchObject({RotateImmediately: true, SecretId: secretArn})
    expect(JSON.stringify(report)).not.toMatch(/Pw0ld7Qx|PwN3w9Zk/)
  })

  it('gives up at --timeout with exit 5, saying where the labels are and that RDS keeps going; nothing is undone', async () => {
    world.onPoll = () => {}
    const error = await rotationError('rds-managed', {timeoutMs: 10_000})
    expect(error.code).toBe('TIMED_OUT')
    expect(error.exitCode).toBe(5)
    expect(error.message).toMatch(
      /Gave up after 10s waiting for RDS to rotate app: AWSCURRENT on version v1, AWSPENDING on version [\w-]+; the cluster's MasterUserSecret is rotating\. RDS keeps going/,
    )
    expect(secretsMock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0)
    // Polls back off: far fewer than one a second over the 10 s.
    expect(polls).toBeLessThan(9)
  })

  it('keeps polling through throttling and a server error, and stops at once on access denied', async () => {
    finishesAtPoll(4)
    const throttled = Object.assign(new Error('Rate exceeded'), {$metadata: {httpStatusCode: 400}, name: 'ThrottlingException'})
    const unavailable = Object.assign(new Error('Service unavailable'), {$metadata: {httpStatusCode: 503}, name: 'ServiceUnavailable'})
    let call = 0
    secretsMock.on(DescribeSecretCommand).callsFake(() => {
      call++
      if (call === 1) throw throttled
      if (call === 2) throw unavailable
      polls++
      world.onPoll?.(polls)
      return {VersionIdsToStages: stagesOf()}
    })
    expect((await rotate('rds-managed')).outcome).toBe('rotated')

    secretsMock
      .on(DescribeSecretCommand)
      .rejects(Object.assign(new Error('not allowed'), {$metadata: {httpStatusCode: 400}, name: 'AccessDeniedException'}))
    const denied = await rotate('rds-managed').catch((error: unknown) => error)
    expect((denied as Error).name).toBe('AccessDeniedException')
  })

  it('on Ctrl-C stops waiting and says the rotation keeps going in AWS (exit 130); nothing is undone', async () => {
    const controller = new AbortController()
    world.onPoll = (count) => {
      if (count === 2) controller.abort()
    }

    const error = await rotationError('rds-managed', {signal: controller.signal})
    expect(error.code).toBe('INTERRUPTED')
    expect(error.message).toMatch(
      /The rotation is AWS's and keeps going; auroractl undid nothing\. Last seen: AWSCURRENT on version v1, AWSPENDING on version/,
    )
    expect(secretsMock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0)
    expect(alterRoleStatements).toEqual([])
  })

  it('waits for an unfinished rotation AWS reattempts, when RotateSecret refuses a new one', async () => {
    world.versions.v2 = {stages: ['AWSPENDING'], value: {password: 'PwN3w9Zk', username: 'app'}}
    secretsMock.on(RotateSecretCommand).rejects(
      Object.assign(new Error("A previous rotation isn't complete. That rotation will be reattempted."), {
        name: 'InvalidRequestException',
      }),
    )
    world.onPoll = (count) => {
      if (count === 3) {
        world.database.app = 'PwN3w9Zk'
        moveCurrent('v2')
      }
    }

    const report = await rotate('rds-managed')
    expect(report).toMatchObject({newVersion: 'v2', outcome: 'rotated', versions: {current: 'v2', previous: 'v1'}})
    expect(report.steps[0]!.detail).toMatch(/a previous rotation \(version v2\) was unfinished: Secrets Manager reattempts it/)
  })

  it('fails (exit 4) when AWSCURRENT moved but the database refuses its password, and says which password it takes', async () => {
    world.onPoll = (count) => {
      const version = rotatedVersion()
      world.versions[version]!.value = {password: 'PwN3w9Zk', username: 'app'}
      if (count === 2) moveCurrent(version)
    }

    const error = await rotationError('rds-managed')
    expect(error.code).toBe('CHECK_FAILED')
    expect(error.message).toMatch(
      /the database refuses the new password .*; the old password \(version v1\) still logs in\. The secret and the database disagree/,
    )
    expect(error.hint).toContain('--rotate-master-user-password --apply-immediately')
    expect(`${error.message} ${error.hint}`).not.toMatch(/Pw0ld7Qx|PwN3w9Zk/)
  })
})

describe('rotateThroughSecretsManager: a rotation function', () => {
  it('succeeds like RDS when the function moves AWSCURRENT', async () => {
    finishesAtPoll(2)
    const report = await rotate('rotation-function')
    expect(report).toMatchObject({mode: 'rotation-function', outcome: 'rotated', versions: {previous: 'v1'}})
    expect(report.state).toMatch(/^The rotation function app-rotation rotated app/)
  })

  it('failed after setSecret (the database has the pending password): puts the database back with the pending login, removes AWSPENDING', async () => {
    world.onPoll = (count) => {
      const version = rotatedVersion()
      world.versions[version]!.value = {password: 'PwN3w9Zk', username: 'app'}
      if (count === 2) world.database.app = 'PwN3w9Zk' // setSecret ran; testSecret failed
    }

    const report = await rotate('rotation-function', {timeoutMs: 8000})
    const version = rotatedVersion()
    expect(report).toMatchObject({
      databaseAccepts: 'old',
      failure: {code: 'ROTATION_FAILED', step: 'wait-for-current'},
      newVersion: version,
      outcome: 'rolled-back',
      versions: {current: 'v1', previous: null},
    })
    expect(report.failure!.message).toMatch(
      /The rotation function app-rotation did not finish within 8s: AWSCURRENT on version v1, AWSPENDING on version .*\/aws\/lambda\/app-rotation/,
    )
    expect(report.rollback!.map((step) => [step.step, step.status])).toEqual([
      ['check-database-password', 'done'],
      ['restore-database-password', 'done'],
      ['clear-pending', 'done'],
      ['verify', 'done'],
    ])
    expect(world.database.app).toBe('Pw0ld7Qx')
    expect(stagesOf()).toEqual({v1: ['AWSCURRENT'], [version]: []})
    expect(alterRoleStatements).toHaveLength(1)
    expect(alterRoleStatements[0]).toMatch(/^ALTER ROLE "app" PASSWORD 'SCRAM-SHA-256\$/)
    // Behind another session's lock on the role, it gives up rather than wait without end.
    expect(sessionLimits).toEqual(['SET lock_timeout = 30000', 'SET statement_timeout = 40000'])
    expect(vi.mocked(connectToCluster).mock.calls[0]![0].credentials.password).toBe('PwN3w9Zk')
    expect(report.state).toMatch(
      /AWSCURRENT is still version v1, the old password, and the database accepts it: the secret and the database agree/,
    )
    expect(JSON.stringify(report)).not.toMatch(/Pw0ld7Qx|PwN3w9Zk/)
  })

  it('failed before setSecret (the database still has the current password): only removes AWSPENDING', async () => {
    world.onPoll = () => {}
    const report = await rotate('rotation-function', {timeoutMs: 5000})
    expect(report.outcome).toBe('rolled-back')
    expect(report.rollback!.map((step) => [step.step, step.status])).toEqual([
      ['check-database-password', 'done'],
      ['clear-pending', 'done'],
      ['verify', 'done'],
    ])
    expect(alterRoleStatements).toEqual([])
    expect(stagesOf().v1).toEqual(['AWSCURRENT'])
  })

  it('when neither password logs in, leaves AWSPENDING as evidence and says what to do by hand (no password in it)', async () => {
    world.onPoll = () => {
      world.versions[rotatedVersion()]!.value = {password: 'PwN3w9Zk', username: 'app'}
      world.database.app = 'Pw0ther3Lm'
    }

    const report = await rotate('rotation-function', {timeoutMs: 5000})
    expect(report).toMatchObject({databaseAccepts: 'neither', outcome: 'rollback-failed'})
    expect(report.manualFix!.join('\n')).toContain(
      `aws secretsmanager update-secret-version-stage --secret-id ${secretArn} --version-stage AWSPENDING --remove-from-version-id ${rotatedVersion()}`,
    )
    expect(report.manualFix!.join('\n')).toContain('aws logs tail /aws/lambda/app-rotation')
    expect(stagesOf()[rotatedVersion()]).toEqual(['AWSPENDING'])
    expect(JSON.stringify(report)).not.toMatch(/Pw0ld7Qx|PwN3w9Zk|Pw0ther3Lm/)
  })

  it(
    String.raw`for the master user, the fix by hand goes through ModifyDBCluster (never \password, which RDS would not know)`,
    async () => {
      world.onPoll = () => {
        world.versions[rotatedVersion()]!.value = {password: 'PwN3w9Zk', username: 'app'}
        world.database.app = 'Pw0ther3Lm'
      }

      const master = {...connection, cluster: {DBClusterIdentifier: 'c1', MasterUsername: 'app'}} as ClusterConnection
      const report = await rotate('rotation-function', {connection: master, timeoutMs: 5000})
      expect(report).toMatchObject({databaseAccepts: 'neither', outcome: 'rollback-failed'})
      const fix = report.manualFix!.join('\n')
      expect(fix).toContain('aws rds modify-db-cluster --cli-input-json')
      expect(fix).toContain('"c1"')
      expect(fix).not.toContain(String.raw`\password`)
      expect(JSON.stringify(report)).not.toMatch(/Pw0ld7Qx|PwN3w9Zk|Pw0ther3Lm/)
    },
  )

  it('the reconciliation after a failed function runs shielded from signals (the shield the command passes)', async () => {
    let shielded = 0
    const shield = <R>(work: () => Promise<R>): Promise<R> => {
      shielded++
      return work()
    }

    world.onPoll = () => {}
    const failed = await rotate('rotation-function', {shield, timeoutMs: 5000})
    expect(failed.outcome).toBe('rolled-back')
    expect(shielded).toBe(1)
  })

  it('when the database cannot be asked, changes nothing and says the state is unknown', async () => {
    world.onPoll = () => {}
    vi.mocked(proveLogin).mockResolvedValue({
      accepted: false,
      failure: {code: 'ECONNREFUSED', kind: 'network', transient: true},
      reason: 'connect ECONNREFUSED',
    })
    const report = await rotate('rotation-function', {timeoutMs: 3000})
    expect(report).toMatchObject({databaseAccepts: 'unknown', outcome: 'rollback-failed'})
    expect(secretsMock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0)
  })

  it('on Ctrl-C does not fight the function: no reconciliation, exit 130', async () => {
    const controller = new AbortController()
    world.onPoll = (count) => {
      if (count === 1) controller.abort()
    }

    const error = await rotationError('rotation-function', {signal: controller.signal})
    expect(error.exitCode).toBe(130)
    expect(error.message).toMatch(/waiting for the rotation function app-rotation to rotate app/)
    expect(secretsMock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0)
  })
})

describe('doctor secret.rotation', () => {
  const now = new Date('2026-11-30T12:00:00Z')
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000)

  function facts(thresholds?: Record<string, number>): DoctorFacts {
    const doctorFacts = new DoctorFacts(
      {secretsManager: async () => secretsManager} as never,
      {clusterId: 'c1', secretId: secretArn, tcpTimeoutMs: 1000, thresholds},
      now,
    )
    vi.spyOn(doctorFacts, 'cluster').mockResolvedValue({DBClusterIdentifier: 'c1'})
    return doctorFacts
  }

  function serve(described: Record<string, unknown>, versions: Array<{created: Date; id: string; stages: string[]}>): void {
    secretsMock.on(DescribeSecretCommand).resolves({ARN: secretArn, Name: 'app', ...described})
    secretsMock.on(ListSecretVersionIdsCommand).resolves({
      Versions: versions.map((version) => ({CreatedDate: version.created, VersionId: version.id, VersionStages: version.stages})),
    })
  }

  it('is ok for a young secret without a schedule, and gives its age as the value', async () => {
    serve({}, [{created: daysAgo(3), id: 'v1', stages: ['AWSCURRENT']}])
    const outcome = await secretRotation.run(facts())
    expect(outcome).toMatchObject({status: 'ok', value: 3 * 86_400})
    expect(outcome.detail).toBe(
      'app: plain secret (auroractl rotates it: secret rotate), no automatic rotation; AWSCURRENT version created 3 days ago',
    )
  })

  it('warns past 90 days, or past the threshold given, naming the way to rotate', async () => {
    serve({}, [{created: daysAgo(91), id: 'v1', stages: ['AWSCURRENT']}])
    const aged = await secretRotation.run(facts())
    expect(aged).toMatchObject({status: 'warn', value: 91 * 86_400})
    expect(aged.detail).toMatch(/AWSCURRENT version created 91 days ago, past 90d$/)
    expect(aged.hint).toContain('auroractl secret rotate')
    serve({OwningService: 'rds', RotationEnabled: true, RotationRules: {AutomaticallyAfterDays: 7}}, [
      {created: daysAgo(3), id: 'v1', stages: ['AWSCURRENT']},
    ])
    const tuned = await secretRotation.run(facts({'secret.rotation': 86_400}))
    expect(tuned.status).toBe('warn')
    expect(tuned.detail).toMatch(
      /RDS-managed master secret, rotated automatically every 7 days; AWSCURRENT version created 3 days ago, past 1d/,
    )
  })

  it('warns when a rotation is stuck (AWSPENDING on a version that is not current), naming the function log group', async () => {
    serve({RotationLambdaARN: functionArn}, [
      {created: daysAgo(1), id: 'v1', stages: ['AWSCURRENT']},
      {created: new Date(now.getTime() - 3_600_000), id: 'v2', stages: ['AWSPENDING']},
    ])
    const outcome = await secretRotation.run(facts())
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toMatch(
      /rotation function app-rotation, .*; a rotation started 1 h ago has not finished: AWSPENDING is on version v2, not AWSCURRENT/,
    )
    expect(outcome.hint).toContain('/aws/lambda/app-rotation')
    // AWSPENDING on the current version (a finished rotation, as AWS's functions leave it) is fine.
    serve({RotationLambdaARN: functionArn}, [{created: daysAgo(1), id: 'v2', stages: ['AWSCURRENT', 'AWSPENDING']}])
    expect((await secretRotation.run(facts())).status).toBe('ok')
  })

  it('one stuck rotation is one warning: secret.rotation owns it, secret.matches-cluster stays ok', async () => {
    serve({}, [
      {created: daysAgo(1), id: 'v1', stages: ['AWSCURRENT']},
      {created: daysAgo(1), id: 'v2', stages: ['AWSPENDING']},
    ])
    secretsMock
      .on(DescribeSecretCommand)
      .resolves({ARN: secretArn, Name: 'app', VersionIdsToStages: {v1: ['AWSCURRENT'], v2: ['AWSPENDING']}})
    const doctorFacts = facts()
    vi.spyOn(doctorFacts, 'cluster').mockResolvedValue({DBClusterIdentifier: 'c1', Endpoint: 'c1.cluster-x', Port: 5432})
    vi.spyOn(doctorFacts, 'credentials').mockResolvedValue({host: 'c1.cluster-x', password: 'p', port: 5432, username: 'app'})
    const rotation = await secretRotation.run(doctorFacts)
    expect(rotation.status).toBe('warn')
    expect(rotation.detail).toContain('AWSPENDING is on version v2, not AWSCURRENT')
    expect(rotation.hint).toContain('auroractl secret rotate --dry-run')
    expect(await secretMatchesCluster.run(doctorFacts)).toMatchObject({status: 'ok'})
  })

  it('reads the mode and versions through describeSecretRotation', async () => {
    serve({OwningService: 'rds'}, [{created: daysAgo(1), id: 'v1', stages: ['AWSCURRENT']}])
    expect((await describeSecretRotation(secretsManager, secretArn)).mode).toBe('rds-managed')
  })
})
