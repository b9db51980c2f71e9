import {CreateDBClusterCommand, DescribeDBClustersCommand, type Tag} from '@aws-sdk/client-rds'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {deleteDrillCluster} from '../../src/lib/drill/drill.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

// Drill clusters as a drill tags them, for two source clusters that exist only in these tags.
const suffix = process.pid
const mine = `cs-mine-${suffix}`
const theirs = `cs-theirs-${suffix}`
const past = new Date(Date.now() - 3_600_000).toISOString()
const future = new Date(Date.now() + 3_600_000).toISOString()
const drills = {
  mineExpired: `${mine}-drill-expired`,
  mineRunning: `${mine}-drill-running`,
  theirsExpired: `${theirs}-drill-expired`,
}

const rds = () => sandboxClients().rds()
const drillTags = (source: string, expires: string): Tag[] => [
  {Key: 'auroractl:drill', Value: 'true'},
  {Key: 'auroractl:drill-expires', Value: expires},
  {Key: 'auroractl:drill-source', Value: source},
]

async function existing(): Promise<string[]> {
  const {DBClusters = []} = await (await rds()).send(new DescribeDBClustersCommand({}))
  return DBClusters.map((cluster) => cluster.DBClusterIdentifier!)
}

beforeAll(async () => {
  const client = await rds()
  const shapes: Array<[string, Tag[]]> = [
    [drills.mineExpired, drillTags(mine, past)],
    [drills.mineRunning, drillTags(mine, future)],
    [drills.theirsExpired, drillTags(theirs, past)],
  ]
  for (const [id, tags] of shapes) {
    await client.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-postgresql',
        EngineVersion: '15.14',
        MasterUsername: 'edge',
        MasterUserPassword: 'edge-password-1',
        Tags: tags,
      }),
    )
  }
})

afterAll(async () => {
  const client = await rds()
  const left = await existing()
  for (const id of Object.values(drills).filter((drill) => left.includes(drill))) {
    await deleteDrillCluster(client, id, 60_000).catch(() => {})
  }
})

describe('drill cleanup is scoped', () => {
  it('a wrong --confirm deletes nothing (exit 2)', async () => {
    const result = await runCli(['drill', 'cleanup', '--cluster', mine, '--confirm', 'nba-tracker-dev'], {env: sandboxEnv()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(`does not match "${mine}"`)
    expect(await existing()).toEqual(expect.arrayContaining(Object.values(drills)))
  })

  it("by default takes only the resolved cluster's drills whose expiry has passed, and reports each", async () => {
    const result = await runCli(['drill', 'cleanup', '--cluster', mine, '--confirm', mine, '--json'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout)
    expect(output).toMatchObject({
      deleted: [drills.mineExpired],
      failed: [],
      scope: {allClusters: false, olderThan: null, sourceCluster: mine},
    })
    expect(output.notExpired.map((drill: {clusterId: string}) => drill.clusterId)).toEqual([drills.mineRunning])
    const left = await existing()
    expect(left).not.toContain(drills.mineExpired)
    expect(left).toContain(drills.mineRunning) // still running in another job
    expect(left).toContain(drills.theirsExpired) // another cluster's
  })

  it('--all-clusters widens to every cluster\'s expired drills, confirmed with "all-clusters"; human output lists each', async () => {
    const result = await runCli(['drill', 'cleanup', '--all-clusters', '--confirm', 'all-clusters'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain(`deleted  ${drills.theirsExpired}`)
    expect(result.stderr).toContain(`Left alone: ${drills.mineRunning}`)
    const left = await existing()
    expect(left).not.toContain(drills.theirsExpired)
    expect(left).toContain(drills.mineRunning)
  })

  it('--older-than takes a running drill deliberately', async () => {
    const result = await runCli(['drill', 'cleanup', '--cluster', mine, '--older-than', '1s', '--confirm', mine, '--json'], {
      env: sandboxEnv(),
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).deleted).toEqual([drills.mineRunning])
  })
})
