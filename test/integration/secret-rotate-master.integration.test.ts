import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {DescribeDBClustersCommand, DescribeEventsCommand} from '@aws-sdk/client-rds'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {SecretRotateOutput} from '../../src/commands/secret/rotate.js'
import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {describeCluster} from '../../src/lib/aws/rds.js'
import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {silentProgress} from '../../src/lib/cli/progress.js'
import {describeSecretRotation, type RotationReport} from '../../src/lib/credentials/rotation-mode.js'
import {planRotation} from '../../src/lib/credentials/rotation-plan.js'
import {rotateStaged} from '../../src/lib/credentials/staged-rotation.js'
import {setPassword} from '../../src/lib/sandbox/data-plane.js'
import {sandboxPaths} from '../../src/lib/sandbox/paths.js'
import {clusterConnection, createRoleSecret, deleteSecret, logsIn, onCall, secretState, versionPassword} from '../helpers/rotation.js'
import {runCli, startCli} from '../helpers/run-cli.js'
import {deleteScratchCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * The master user's path (ModifyDBCluster --master-user-password, applied by the sandbox in the background as
 * AWS does) on a cluster of this file's own, restored from the seeded cluster's snapshot: its master password is
 * the snapshot's, and changing it disturbs no other test file. Its secret is one of ours, in the module's shape.
 */
const scratch = `rotm-${process.pid}`
const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: scratch, AURORACTL_SECRET: secretArn})
let secretArn: string
let secretsManager: SecretsManagerClient
let connection: ClusterConnection
let username: string

async function clusterState(): Promise<{pending: boolean; status: string}> {
  const {DBClusters: clusters = []} = await (
    await sandboxClients().rds()
  ).send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch}))
  return {pending: Boolean(clusters[0]?.PendingModifiedValues?.MasterUserPassword), status: clusters[0]?.Status ?? 'missing'}
}

/** The secret and the database agree on the password AWSCURRENT holds, and it logs in as the master user. */
async function expectAgreement(expected: {password?: string; version: string}): Promise<string> {
  const state = await secretState(secretsManager, secretArn)
  expect(state.current).toBe(expected.version)
  if (expected.password) expect(state.password).toBe(expected.password)
  expect(state.pending).toBeUndefined()
  expect(await logsIn(connection, username, state.password)).toBe(true)
  expect(await clusterState()).toEqual({pending: false, status: 'available'})
  return state.password
}

beforeAll(async () => {
  const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: sandboxEnv()})
  expect(restored.exitCode, restored.stderr).toBe(0)
  secretsManager = await sandboxClients().secretsManager()
  const seeded = await getDatabaseCredentials(secretsManager, sandboxEnv().AURORACTL_SECRET!)
  const cluster = await describeCluster(await sandboxClients().rds(), scratch)
  username = cluster.MasterUsername!
  expect(username).toBe(seeded.username)
  secretArn = await createRoleSecret(secretsManager, `${scratch}-master`, {
    clusterId: scratch,
    host: cluster.Endpoint!,
    password: seeded.password,
    username,
  })
  connection = await clusterConnection(scratch, {...seeded, host: cluster.Endpoint})
})

afterAll(async () => {
  if (secretArn) await deleteSecret(secretsManager, secretArn)
  await deleteScratchCluster(scratch)
})

describe('secret rotate, the master user (ModifyDBCluster)', () => {
  it('rotates through ModifyDBCluster, waits until it applied, proves both passwords, records the RDS event, never prints it', async () => {
    const before = await secretState(secretsManager, secretArn)
    const requested = new Date()
    const result = await runCli(['secret', 'rotate', '--confirm', scratch, '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as SecretRotateOutput
    expect(report.plan.passwordChange).toBe('modify-db-cluster')
    expect(report).toMatchObject({databaseAccepts: 'new', outcome: 'rotated', username})
    const after = await secretState(secretsManager, secretArn)
    expect(after.previous).toBe(before.current)
    await expectAgreement({version: report.versions.current})
    expect(await logsIn(connection, username, before.password)).toBe(false)
    for (const output of [result.stdout, result.stderr]) expect(output).not.toContain(after.password)
    const {Events: events = []} = await (
      await sandboxClients().rds()
    ).send(new DescribeEventsCommand({SourceIdentifier: scratch, SourceType: 'db-cluster', StartTime: requested}))
    expect(events.map((event) => [event.Message, event.EventCategories])).toContainEqual([
      'Reset master credentials',
      ['configuration change'],
    ])
  })

  it('SIGTERM while the new master password applies: rolled back (a second signal does not cut the rollback short), exit 130, the old password works', async () => {
    const before = await secretState(secretsManager, secretArn)
    const running = startCli(['secret', 'rotate', '--confirm', scratch], env())
    const deadline = Date.now() + 30_000
    while (!running.output.stderr.includes('cluster resetting-master-credentials') && Date.now() < deadline) await sleep(25)
    running.child.kill('SIGTERM')
    while (!running.output.stderr.includes('Rolling back after:') && Date.now() < deadline) await sleep(25)
    running.child.kill('SIGINT')
    expect(await running.exited).toBe(130)
    expect(running.output.stderr).toContain('Rolling back: auroractl exits once the secret and the database agree again')
    expect(running.output.stdout).toContain('failed and was rolled back')
    expect(running.output.stdout).toMatch(
      /✓ restore-database-password {2}ModifyDBCluster --master-user-password with the old password, applied/,
    )
    const newVersion = /version (\S+) keeps the abandoned password/.exec(running.output.stdout)?.[1]
    expect(newVersion).toBeDefined()
    await expectAgreement({password: before.password, version: before.current})
    const abandoned = await versionPassword(secretsManager, secretArn, newVersion!)
    expect(await logsIn(connection, username, abandoned)).toBe(false)
    for (const output of [running.output.stdout, running.output.stderr]) expect(output).not.toContain(abandoned)
  })
})

async function rotateWith(
  inject: (clients: {abort: AbortController; rds: Awaited<ReturnType<ReturnType<typeof sandboxClients>['rds']>>}) => void,
): Promise<RotationReport> {
  const rds = await sandboxClients().rds()
  const abort = new AbortController()
  inject({abort, rds})
  const info = await describeSecretRotation(secretsManager, secretArn, connection.cluster)
  const plan = await planRotation({connection, info, secretsManager})
  return rotateStaged({connection, plan, progress: silentProgress, rds, secretsManager, signal: abort.signal, timeoutMs: 10_000})
}

describe('the master user: a failure at each step leaves the secret and the database agreeing (lib)', () => {
  it('RDS refusing ModifyDBCluster: nothing changed in the database, the pending version dropped', async () => {
    const before = await secretState(secretsManager, secretArn)
    const report = await rotateWith(({rds}) => {
      onCall(rds, 'ModifyDBClusterCommand', {
        action() {
          throw Object.assign(new Error('Injected: the cluster is not available'), {
            $metadata: {attempts: 1, httpStatusCode: 400},
            name: 'InvalidDBClusterStateFault',
          })
        },
        when: 'before',
      })
    })
    expect(report).toMatchObject({failure: {code: 'AWS', step: 'set-in-database'}, outcome: 'rolled-back'})
    expect(report.rollback![0]!.detail).toMatch(/^not needed/)
    await expectAgreement({password: before.password, version: before.current})
  })

  it('the login proof failing (something else set another password as it applied): ModifyDBCluster back to the old password', async () => {
    const before = await secretState(secretsManager, secretArn)
    const sabotage = await rotateWith(({rds}) => {
      onCall(rds, 'DescribeDBClustersCommand', {
        async action() {
          await setPassword(sandboxPaths(sandboxEnv()), {cluster: scratch, password: 'someone-else-set-this-1', username})
        },
        matches(_input, output) {
          const cluster = (output?.DBClusters as Array<{PendingModifiedValues?: object; Status?: string}> | undefined)?.[0]
          return cluster?.Status === 'available' && !cluster.PendingModifiedValues
        },
        when: 'after',
      })
    })
    expect(sabotage).toMatchObject({
      databaseAccepts: 'old',
      failure: {code: 'CHECK_FAILED', step: 'prove-new-password'},
      outcome: 'rolled-back',
    })
    expect(sabotage.failure!.message).toMatch(/The new password did not log in as .*password authentication failed/)
    expect(sabotage.rollback![0]!.detail).toBe('ModifyDBCluster --master-user-password with the old password, applied')
    await expectAgreement({password: before.password, version: before.current})
  }, 90_000)
})
