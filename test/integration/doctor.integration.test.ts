import {PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeSecurityGroupsCommand} from '@aws-sdk/client-ec2'
import {CreateSecretCommand} from '@aws-sdk/client-secrets-manager'
import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {freePort} from '../../src/lib/sandbox/processes.js'
import {sandboxShape} from '../../src/lib/sandbox/seed.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

interface Report {
  checks: Array<{detail: string; hint?: string; id: string; items?: string[]; ms: number; status: string}>
  summary: {fail: number; ok: number; skip: number; slowest: {id: string; ms: number}; totalMs: number; warn: number}
}

async function doctor(
  args: string[],
  env: Record<string, string | undefined> = sandboxEnv(),
): Promise<{exitCode: number; report: Report; stderr: string}> {
  const result = await runCli(['doctor', '--json', ...args], {env})
  return {exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr}
}

const byId = (report: Report, id: string) => report.checks.find((check) => check.id === id)!

/**
 * Test files running at the same time make situations of their own for a moment: doctor-thresholds holds replication
 * slots, oncall-sessions holds locks with waiters behind them (its sessions' application_name starts with "oncall-"), and
 * secret-rotate holds a role's row so that a rotation's ALTER ROLE ("auroractl-rotate") waits behind it ("rot-...").
 */
const fromOtherTests = (check: Report['checks'][number]) =>
  (check.id === 'db.replication-slots' && (check.items ?? []).every((item) => item.startsWith('doctor_thresholds_'))) ||
  (check.id === 'db.blocking' &&
    (check.items ?? []).every((item) => /apps "oncall-[^"]*" and "oncall-|apps "auroractl-rotate" and "rot-/.test(item)))

async function groupId(name: string): Promise<string> {
  const {SecurityGroups = []} = await (
    await sandboxClients().ec2()
  ).send(new DescribeSecurityGroupsCommand({Filters: [{Name: 'group-name', Values: [name]}]}))
  return SecurityGroups[0]!.GroupId!
}

/** The local address the sandbox's PostgreSQL listens on. */
async function postgresAddress(): Promise<string> {
  return Object.values(await loadEndpointMap(sandboxEnv().AURORACTL_ENDPOINT_MAP!))[0]!
}

describe('doctor against the sandbox', () => {
  it('is all green on the seeded cluster, with the app security group admitted', async () => {
    const {exitCode, report} = await doctor(['--from-sg', await groupId(sandboxShape.appSecurityGroupName)])
    const notGreen = report.checks.filter((check) => (check.status === 'warn' || check.status === 'fail') && !fromOtherTests(check))
    expect(notGreen).toEqual([])
    expect(exitCode).toBe(0)
    expect(report.summary.ok).toBeGreaterThanOrEqual(20)
    expect(byId(report, 'network.security-group').detail).toMatch(/allows TCP 5432 from sg-/)
    expect(byId(report, 'network.tls').detail).toMatch(/chain verified .* matches, expires in \d+ days/)
    expect(byId(report, 'db.auth').detail).toMatch(/logged in as nbatracker/)
    // The password never appears.
    const secret = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
    expect(JSON.stringify(report)).not.toContain(secret.password)
  })

  it('fails a security group without the 5432 rule, with the exact rule to add (exit 4)', async () => {
    const dbGroup = await groupId(sandboxShape.dbSecurityGroupName)
    const stranger = await groupId('default')
    const {exitCode, report} = await doctor(['--from-sg', stranger, '--only', 'aws.credentials,cluster.status,network.security-group'])
    expect(exitCode).toBe(4)
    const check = byId(report, 'network.security-group')
    expect(check.status).toBe('fail')
    expect(check.hint).toContain(
      `aws ec2 authorize-security-group-ingress --group-id ${dbGroup} --protocol tcp --port 5432 --source-group ${stranger}`,
    )
    expect(check.hint).toContain('source_security_group_id')
  })

  it('tells a refused port apart, and skips what depends on it', async () => {
    const port = await freePort()
    const {exitCode, report} = await doctor(['--via', `127.0.0.1:${port}`])
    expect(exitCode).toBe(4)
    expect(byId(report, 'network.tcp')).toMatchObject({status: 'fail'})
    expect(byId(report, 'network.tcp').detail).toContain('refused the connection')
    expect(byId(report, 'network.tls').status).toBe('skip')
    expect(byId(report, 'db.connections').status).toBe('skip')
  })

  it('bounds a listener that accepts and never answers by the timeout', async () => {
    const silent = net.createServer(() => {})
    await new Promise<void>((resolve) => {
      silent.listen(0, '127.0.0.1', resolve)
    })
    try {
      const {port} = silent.address() as net.AddressInfo
      const {exitCode, report} = await doctor([
        '--via',
        `127.0.0.1:${port}`,
        '--tcp-timeout',
        '1s',
        '--only',
        'aws.credentials,cluster.status,network.tcp,network.tls',
      ])
      expect(exitCode).toBe(4)
      expect(byId(report, 'network.tcp').status).toBe('ok')
      expect(byId(report, 'network.tls')).toMatchObject({status: 'fail'})
      // Ended by its own --tcp-timeout, not by the check's overall timeout ("no answer within ...").
      expect(byId(report, 'network.tls').detail).toMatch(/timed out/)
    } finally {
      silent.close()
    }
  })

  it('fails the login with a wrong password, without printing it', async () => {
    const good = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
    const {ARN} = await (
      await sandboxClients().secretsManager()
    ).send(
      new CreateSecretCommand({
        Name: `doctor-wrong-${process.pid}`,
        SecretString: JSON.stringify({...good, password: 'Wrong-Password-123'}),
      }),
    )
    const result = await runCli(
      ['doctor', '--secret', ARN!, '--only', 'aws.credentials,cluster.status,network.tcp,db.auth,db.connections'],
      {env: sandboxEnv()},
    )
    expect(result.exitCode).toBe(4)
    expect(result.stdout).toMatch(/✗ fail\s+db\.auth\s+Cannot connect .* password authentication failed/)
    expect(result.stdout).toMatch(/- skip\s+db\.connections/)
    expect(result.stdout + result.stderr).not.toContain('Wrong-Password-123')
  })
})

describe('doctor on real trouble in PostgreSQL and CloudWatch', () => {
  const sessions: Array<{end: () => Promise<void>}> = []
  let blocker: Awaited<ReturnType<typeof connectWithCredentials>>

  beforeAll(async () => {
    const env = sandboxEnv()
    const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
    const endpointMap = await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!)
    const open = async () => {
      const client = await connectWithCredentials(credentials, {caFile: env.PGSSLROOTCERT, endpointMap})
      client.on('error', () => {})
      sessions.push(client)
      return client
    }

    const setup = await open()
    await setup.query('CREATE TABLE IF NOT EXISTS doctor_lock_test (id int)')
    // A long-running query, an idle transaction, and a session blocked behind a lock.
    const long = await open()
    long.query('SELECT pg_sleep(60) /* doctor-long */').catch(() => {})
    const idle = await open()
    await idle.query('BEGIN')
    await idle.query('SELECT 1 /* doctor-idle */')
    blocker = await open()
    await blocker.query('BEGIN')
    await blocker.query('LOCK TABLE doctor_lock_test IN ACCESS EXCLUSIVE MODE')
    const blocked = await open()
    blocked.query('SELECT count(*) FROM doctor_lock_test /* doctor-blocked */').catch(() => {})
    await new Promise((resolve) => {
      setTimeout(resolve, 1500)
    })
  })

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.end().catch(() => {})))
  })

  it('lists the long-running query, the idle transaction and the blocked lock with their pids', async () => {
    const {exitCode, report} = await doctor(['--query-age', '1s', '--only', 'db.auth,db.long-queries,db.idle-in-transaction,db.blocking'])
    expect(exitCode).toBe(0) // warnings, not failures
    const long = byId(report, 'db.long-queries')
    expect(long.status).toBe('warn')
    expect(long.items?.join('\n')).toMatch(/pid \d+ \(nbatracker, \d+s\): SELECT pg_sleep\(60\) \/\* doctor-long \*\//)
    const idle = byId(report, 'db.idle-in-transaction')
    expect(idle.status).toBe('warn')
    expect(idle.items?.join('\n')).toContain('doctor-idle')
    const blocking = byId(report, 'db.blocking')
    expect(blocking.status).toBe('warn')
    expect(blocking.items?.join('\n')).toMatch(
      /pid \d+ \(SELECT count\(\*\) FROM doctor_lock_test .*\) waits for pid \d+ \(LOCK TABLE doctor_lock_test/,
    )
    expect(blocking.hint).toContain('auroractl kill --root-blocker')
  })

  it('warns when capacity sat at the maximum in the last hour, pointing at scale --max', async () => {
    // A cluster of its own, so the seeded one stays green for the other tests.
    const scratch = `doctor-${process.pid}`
    const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: sandboxEnv()})
    expect(restored.exitCode, restored.stderr).toBe(0)
    const now = Math.floor(Date.now() / 60_000) * 60_000
    await (
      await sandboxClients().cloudWatch()
    ).send(
      new PutMetricDataCommand({
        MetricData: Array.from({length: 20}, (_, index) => ({
          Dimensions: [{Name: 'DBClusterIdentifier', Value: scratch}],
          MetricName: 'ServerlessDatabaseCapacity',
          Timestamp: new Date(now - (index + 1) * 60_000),
          Value: index < 5 ? 1 : 0.5,
        })),
        Namespace: 'AWS/RDS',
      }),
    )
    const {exitCode, report} = await doctor(['--only', 'aws.credentials,cluster.status,capacity.ceiling'], {
      ...sandboxEnv(),
      AURORACTL_CLUSTER: scratch,
    })
    expect(exitCode).toBe(0)
    const ceiling = byId(report, 'capacity.ceiling')
    expect(ceiling.status).toBe('warn')
    expect(ceiling.detail).toBe('last hour: peak 1 ACU of max 1; at the ceiling 25% of 20 minutes')
    expect(ceiling.hint).toContain('auroractl scale --max 2')

    // And TLS to a cluster whose name the certificate does not carry fails on the host name.
    const tlsCheck = await doctor(['--via', await postgresAddress(), '--only', 'aws.credentials,cluster.status,network.tcp,network.tls'], {
      ...sandboxEnv(),
      AURORACTL_CLUSTER: scratch,
    })
    expect(tlsCheck.exitCode).toBe(4)
    expect(byId(tlsCheck.report, 'network.tls').detail).toMatch(new RegExp(`certificate does not match ${scratch}\\.cluster-`))
  })

  it('rejects bad flags with exit 2', async () => {
    for (const [args, message] of [
      [['--only', 'db.nope'], '--only names unknown check(s) db.nope'],
      [['--from-sg', 'app'], '--from-sg "app" is not a security group id'],
      [['--tcp-timeout', 'soon'], '--tcp-timeout "soon" is not a duration'],
      [['--from-cidr', '10.0.0.0/8', '--from-sg', 'sg-12345678'], 'cannot also be provided'],
    ] as const) {
      const result = await runCli(['doctor', ...args], {env: sandboxEnv()})
      expect(result.exitCode, args.join(' ')).toBe(2)
      expect(result.stderr).toContain(message)
    }
  })
})
