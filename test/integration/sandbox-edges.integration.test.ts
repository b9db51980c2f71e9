import {DescribeDBClusterParameterGroupsCommand, DescribeDBClustersCommand} from '@aws-sdk/client-rds'
import {execFile} from 'node:child_process'
import {afterAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {deleteDrillCluster} from '../../src/lib/drill/drill.js'
import {cliPath, runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

const restored = `se-${process.pid}`
const sandboxDir = () => ({AURORACTL_SANDBOX_DIR: sandboxEnv().AURORACTL_SANDBOX_DIR!})

afterAll(async () => {
  await deleteDrillCluster(await sandboxClients().rds(), restored, 60_000).catch(() => {})
})

function bash(script: string, env: Record<string, string>): Promise<{exitCode: number; stderr: string; stdout: string}> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], {env: {PATH: process.env.PATH!, ...env}, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr, stdout})
    })
  })
}

describe('the sandbox as the module would make it', () => {
  it('seeds an aurora-postgresql15 cluster parameter group and gives it to the cluster', async () => {
    const rds = await sandboxClients().rds()
    const {DBClusters: [cluster] = []} = await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: 'nba-tracker-dev'}))
    expect(cluster!.DBClusterParameterGroup).toBe('nba-tracker-dev-pg15-sandbox')
    const {DBClusterParameterGroups: [group] = []} = await rds.send(
      new DescribeDBClusterParameterGroupsCommand({DBClusterParameterGroupName: cluster!.DBClusterParameterGroup}),
    )
    expect(group!.DBParameterGroupFamily).toBe('aurora-postgresql15')
  })

  it('sandbox env exports libpq variables (never the password) so plain psql reaches the writer with verify-full', async () => {
    const env = await runCli(['sandbox', 'env'], {env: sandboxDir()})
    expect(env.exitCode, env.stderr).toBe(0)
    for (const name of ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSSLROOTCERT'])
      expect(env.stdout).toMatch(new RegExp(`^export ${name}=\\S+$`, 'm'))
    expect(env.stdout).toMatch(/^export PGSSLMODE=verify-full$/m)
    expect(env.stdout).not.toMatch(/PGPASSWORD/)
    const {password} = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
    expect(env.stdout).not.toContain(password)

    // A new shell: eval the output, then the password as a user would type it (here, in the environment).
    const script = `eval "$(${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} sandbox env)" && psql -X -At -c "SELECT current_user || ' ' || current_database() || ' ' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"`
    const result = await bash(script, {...sandboxDir(), PGPASSWORD: password})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe('nbatracker nbatracker true')
  })

  it('auroractl psql is not redirected by an inherited PGHOSTADDR', async () => {
    const result = await runCli(['psql', '--', '-X', '-At', '-c', 'SELECT 42'], {
      env: {...sandboxEnv(), PGHOSTADDR: '192.0.2.1', PGPORT: '1'},
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe('42')
  })

  it('sandbox status lists every PostgreSQL server, restored clusters included', async () => {
    const restore = await runCli(['restore', '--snapshot', 'latest', '--target', restored, '--json'], {env: sandboxEnv()})
    expect(restore.exitCode, restore.stderr).toBe(0)
    const status = await runCli(['sandbox', 'status', '--json'], {env: sandboxDir()})
    expect(status.exitCode, status.stderr).toBe(0)
    const {servers} = JSON.parse(status.stdout)
    expect(servers[0]).toMatchObject({cluster: 'nba-tracker-dev', primary: true, running: true})
    expect(servers).toEqual(expect.arrayContaining([expect.objectContaining({cluster: restored, primary: false, running: true})]))
    const human = await runCli(['sandbox', 'status'], {env: sandboxDir()})
    expect(human.stdout).toMatch(new RegExp(`${restored}\\s+running\\s+127\\.0\\.0\\.1:\\d+\\s+\\(restored\\)`))
  }, 120_000)
})
