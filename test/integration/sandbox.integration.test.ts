import {GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeSecurityGroupsCommand} from '@aws-sdk/client-ec2'
import {DescribeDBSubnetGroupsCommand} from '@aws-sdk/client-rds'
import {GetSecretValueCommand} from '@aws-sdk/client-secrets-manager'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {sandboxShape, seededMetricHours} from '../../src/lib/sandbox/seed.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

async function credentials() {
  return getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
}

describe('sandbox: the seeded AWS side', () => {
  it('holds the secret in the RDS format, pointing at the cluster endpoint', async () => {
    const {SecretString} = await (
      await sandboxClients().secretsManager()
    ).send(new GetSecretValueCommand({SecretId: sandboxEnv().AURORACTL_SECRET}))
    const secret = JSON.parse(SecretString!)
    expect(Object.keys(secret).sort()).toEqual(['dbClusterIdentifier', 'dbname', 'engine', 'host', 'password', 'port', 'username'])
    expect(secret).toMatchObject({
      dbClusterIdentifier: 'nba-tracker-dev',
      dbname: 'nbatracker',
      engine: 'postgres',
      port: 5432,
      username: 'nbatracker',
    })
    expect(secret.host).toMatch(/^nba-tracker-dev\.cluster-/)
    expect(secret.password.length).toBeGreaterThanOrEqual(24)
  })

  it('has a subnet group in two AZs and a DB security group open on 5432 to the app group only', async () => {
    const clients = sandboxClients()
    const {DBSubnetGroups} = await (
      await clients.rds()
    ).send(new DescribeDBSubnetGroupsCommand({DBSubnetGroupName: sandboxShape.subnetGroupName}))
    const zones = new Set(DBSubnetGroups![0]!.Subnets!.map((subnet) => subnet.SubnetAvailabilityZone!.Name))
    expect(zones).toEqual(new Set(['us-east-1a', 'us-east-1b']))

    const {SecurityGroups} = await (
      await clients.ec2()
    ).send(
      new DescribeSecurityGroupsCommand({
        Filters: [{Name: 'group-name', Values: [sandboxShape.dbSecurityGroupName, sandboxShape.appSecurityGroupName]}],
      }),
    )
    const db = SecurityGroups!.find((group) => group.GroupName === sandboxShape.dbSecurityGroupName)!
    const app = SecurityGroups!.find((group) => group.GroupName === sandboxShape.appSecurityGroupName)!
    expect(db.IpPermissions).toEqual([
      expect.objectContaining({
        FromPort: 5432,
        IpProtocol: 'tcp',
        IpRanges: [],
        ToPort: 5432,
        UserIdGroupPairs: [expect.objectContaining({GroupId: app.GroupId})],
      }),
    ])
  })

  it('has hours of capacity datapoints in CloudWatch', async () => {
    const end = new Date()
    const {MetricDataResults} = await (
      await sandboxClients().cloudWatch()
    ).send(
      new GetMetricDataCommand({
        EndTime: end,
        MetricDataQueries: ['ServerlessDatabaseCapacity', 'ACUUtilization'].map((name, index) => ({
          Id: `m${index}`,
          MetricStat: {
            Metric: {Dimensions: [{Name: 'DBClusterIdentifier', Value: 'nba-tracker-dev'}], MetricName: name, Namespace: 'AWS/RDS'},
            Period: 60,
            Stat: 'Maximum',
          },
        })),
        // An hour of slack: the datapoints were seeded when the run began, and a long run reaches this file late.
        StartTime: new Date(end.getTime() - (seededMetricHours * 60 + 60) * 60_000),
      }),
    )
    const [capacity, utilisation] = MetricDataResults!
    expect(capacity!.Values!.length).toBeGreaterThanOrEqual(seededMetricHours * 60 - 2)
    expect(Math.max(...capacity!.Values!)).toBe(1)
    expect(Math.min(...capacity!.Values!)).toBe(0.5)
    expect(Math.max(...utilisation!.Values!)).toBe(100)
  })
})

describe('sandbox: the database side', () => {
  it('logs in with the secret over TLS, verifying the chain and the endpoint name through the endpoint map', async () => {
    const env = sandboxEnv()
    const client = await connectWithCredentials(await credentials(), {
      caFile: env.PGSSLROOTCERT,
      endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    })
    try {
      const {rows} = await client.query(
        "SELECT current_user AS user, current_database() AS db, ssl, current_setting('server_version_num')::int / 10000 AS major, (SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements')::int AS pgss FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
      )
      expect(rows[0]).toEqual({db: 'nbatracker', major: 15, pgss: 1, ssl: true, user: 'nbatracker'})
      const {rows: roles} = await client.query('SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user')
      expect(roles[0]).toEqual({rolcreatedb: true, rolcreaterole: true, rolsuper: false})
    } finally {
      await client.end()
    }
  })

  it('refuses a server certificate it cannot verify, and one issued for another name', async () => {
    const env = sandboxEnv()
    const endpointMap = await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!)
    const creds = await credentials()
    // No CA given and PGSSLROOTCERT unset: the system store does not know the sandbox CA.
    await expect(connectWithCredentials(creds, {endpointMap}, {})).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i)
    // The right CA, but through --via to a name the certificate does not carry.
    const local = Object.values(endpointMap)[0]!
    const [host, port] = local.split(':')
    await expect(
      connectWithCredentials(creds, {
        caFile: env.PGSSLROOTCERT,
        host: 'db.example.com',
        port: 5432,
        via: {host: host!, port: Number(port)},
      }),
    ).rejects.toThrow(/db\.example\.com|altnames|Hostname/i)
  })

  it('refuses a wrong password without echoing it', async () => {
    const env = sandboxEnv()
    const wrong = {...(await credentials()), password: 'definitely-wrong-Pw'}
    const error = await connectWithCredentials(wrong, {
      caFile: env.PGSSLROOTCERT,
      endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    }).catch((error_: Error) => error_)
    expect((error as Error).message).toContain('password authentication failed')
    expect((error as Error).message).not.toContain('definitely-wrong-Pw')
  })
})

describe('sandbox lifecycle through the CLI', () => {
  it('starts, is a no-op when running, stops, and leaves files it did not create', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-sandbox-'))
    const env = {AURORACTL_SANDBOX_DIR: dir}
    await writeFile(path.join(dir, 'notes.txt'), 'mine')
    try {
      const up = await runCli(['sandbox', 'up', '--json'], {env})
      expect(up.exitCode, up.stderr).toBe(0)
      const started = JSON.parse(up.stdout)
      expect(started).toMatchObject({alreadyRunning: false, cluster: 'nba-tracker-dev'})
      expect(started.env.AWS_ENDPOINT_URL).toBe(started.motoUrl)

      const again = await runCli(['sandbox', 'up'], {env})
      expect(again.exitCode).toBe(0)
      expect(again.stdout).toContain('already running')

      const status = await runCli(['sandbox', 'status', '--json'], {env})
      expect(JSON.parse(status.stdout)).toMatchObject({moto: {running: true}, postgres: {running: true}, running: true})

      const shell = await runCli(['sandbox', 'env'], {env})
      expect(shell.stdout).toContain(`export AWS_ENDPOINT_URL=${started.motoUrl}`)
      expect(shell.stdout).toMatch(/^unset AWS_PROFILE/m)
      expect(shell.stdout).not.toMatch(/password/i)

      const down = await runCli(['sandbox', 'down', '--json'], {env})
      expect(JSON.parse(down.stdout)).toEqual({dir, stopped: ['postgres', 'moto'], wasRunning: true})
      expect(
        await fetch(`${started.motoUrl}/moto-api/`).then(
          () => 'up',
          () => 'down',
        ),
      ).toBe('down')
      expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine')
      expect(existsSync(path.join(dir, 'state.json'))).toBe(false)

      const after = await runCli(['sandbox', 'status', '--json'], {env})
      expect(JSON.parse(after.stdout).running).toBe(false)
      const noEnv = await runCli(['sandbox', 'env'], {env})
      expect(noEnv.exitCode).toBe(3)
      expect(noEnv.stderr).toContain('Hint: Start it with `auroractl sandbox up`')
      const downAgain = await runCli(['sandbox', 'down'], {env})
      expect(downAgain.exitCode).toBe(0)
      expect(downAgain.stdout).toContain('No sandbox was running')
    } finally {
      await runCli(['sandbox', 'down'], {env})
    }
  })

  it('says what to install when the PostgreSQL server or Python is missing, and starts nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-sandbox-'))
    const noPostgres = await runCli(['sandbox', 'up'], {env: {AURORACTL_PG_BINDIR: '/nonexistent', AURORACTL_SANDBOX_DIR: dir}})
    expect(noPostgres.exitCode).toBe(1)
    expect(noPostgres.stderr).toContain('apt-get install postgresql-15')
    expect(existsSync(path.join(dir, 'state.json'))).toBe(false)

    const home = await mkdtemp(path.join(os.tmpdir(), 'auroractl-home-'))
    const noPython = await runCli(['sandbox', 'up'], {
      env: {AURORACTL_PYTHON: '/nonexistent/python3', AURORACTL_SANDBOX_DIR: dir, AURORACTL_SANDBOX_HOME: home},
    })
    expect(noPython.exitCode).toBe(1)
    expect(noPython.stderr).toContain('python3-venv')
    expect(existsSync(path.join(dir, 'state.json'))).toBe(false)
  })
})
