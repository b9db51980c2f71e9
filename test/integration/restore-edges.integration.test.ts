import {
  CreateDBClusterParameterGroupCommand,
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterCommand,
  DescribeDBClustersCommand,
  type Tag,
} from '@aws-sdk/client-rds'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {deleteDrillCluster} from '../../src/lib/drill/drill.js'
import {runCli} from '../helpers/run-cli.js'
import {createBareCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

// Clusters of this file's own, so nothing else sees them.
const suffix = process.pid
const other = `re-other-${suffix}`
const mysqlGroup = `re-mysql-${suffix}`
const onMysql = `re-onmysql-${suffix}`
const gone = `re-gone-${suffix}`
const otherSnapshot = `${other}-snap`
const goneSnapshot = `${gone}-snap`
const created: string[] = []
const ownershipTags: Tag[] = [
  {Key: 'ManagedBy', Value: 'terraform'},
  {Key: 'terraform:workspace', Value: 'prod'},
  {Key: 'Project', Value: 'other-project'},
]

const rds = () => sandboxClients().rds()

async function createCluster(id: string, extra: Record<string, unknown> = {}): Promise<void> {
  await createBareCluster(id, extra)
  created.push(id)
}

beforeAll(async () => {
  const client = await rds()
  await client.send(
    new CreateDBClusterParameterGroupCommand({
      DBClusterParameterGroupName: `${other}-pg15`,
      DBParameterGroupFamily: 'aurora-postgresql15',
      Description: 'pg15',
    }),
  )
  await client.send(
    new CreateDBClusterParameterGroupCommand({
      DBClusterParameterGroupName: mysqlGroup,
      DBParameterGroupFamily: 'aurora-mysql8.0',
      Description: 'mysql',
    }),
  )
  await createCluster(other, {
    DBClusterParameterGroupName: `${other}-pg15`,
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/other-key',
    StorageEncrypted: true,
    Tags: ownershipTags,
  })
  await createCluster(onMysql, {DBClusterParameterGroupName: mysqlGroup})
  await createCluster(gone, {KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/gone-key', StorageEncrypted: true})
  await client.send(new CreateDBClusterSnapshotCommand({DBClusterIdentifier: other, DBClusterSnapshotIdentifier: otherSnapshot}))
  await client.send(new CreateDBClusterSnapshotCommand({DBClusterIdentifier: gone, DBClusterSnapshotIdentifier: goneSnapshot}))
  await client.send(new DeleteDBClusterCommand({DBClusterIdentifier: gone, SkipFinalSnapshot: true}))
})

afterAll(async () => {
  const client = await rds()
  for (const id of created.filter((cluster) => cluster !== gone)) {
    await deleteDrillCluster(client, id, 60_000).catch(() => {})
  }
})

/** A shell pointed at the sandbox's nba-tracker-dev (AURORACTL_CLUSTER, not typed). */
const devShell = () => ({...sandboxEnv(), AURORACTL_CLUSTER: 'nba-tracker-dev'})

async function dryRun(args: string[], env: Record<string, string | undefined> = devShell()) {
  const result = await runCli(['restore', ...args, '--dry-run', '--json'], {env})
  return {...result, plan: result.exitCode === 0 ? JSON.parse(result.stdout) : undefined}
}

describe("restore takes the snapshot's own settings", () => {
  it("a snapshot of another cluster is restored with that cluster's network, KMS key and parameter group, not the configured one's", async () => {
    const {exitCode, plan, stderr} = await dryRun(['--snapshot', otherSnapshot, '--target', `re-copy-${suffix}`])
    expect(exitCode, stderr).toBe(0)
    expect(plan.sourceClusterId).toBe(other)
    expect(plan.settingsFrom).toEqual({cluster: other, kind: 'cluster'})
    const {input} = plan.calls[0]
    expect(input.DBClusterParameterGroupName).toBe(`${other}-pg15`)
    expect(input.KmsKeyId).toBe('arn:aws:kms:us-east-1:123456789012:key/other-key')
    expect(input.DBSubnetGroupName).not.toBe('nba-tracker-dev-db-subnets')
    expect(stderr).toContain(
      `Note: Snapshot ${otherSnapshot} is of cluster ${other}, not nba-tracker-dev: its settings come from ${other}.`,
    )
  })

  it('does not copy ownership tags, and tags the copy with where it came from', async () => {
    const {plan} = await dryRun(['--snapshot', otherSnapshot, '--target', `re-copy-${suffix}`])
    const tags: Tag[] = plan.calls[0].input.Tags
    const keys = tags.map((tag) => tag.Key)
    expect(keys).not.toContain('ManagedBy')
    expect(keys).not.toContain('terraform:workspace')
    expect(tags).toEqual(
      expect.arrayContaining([
        {Key: 'Project', Value: 'other-project'},
        {Key: 'created-by', Value: 'auroractl'},
        {Key: 'auroractl:source-cluster', Value: other},
        {Key: 'auroractl:source-snapshot', Value: otherSnapshot},
      ]),
    )
  })

  it('refuses an explicit --cluster that contradicts the snapshot (exit 2, nothing created) unless --from-other-cluster', async () => {
    const target = `re-refused-${suffix}`
    const refused = await runCli(['restore', '--cluster', 'nba-tracker-dev', '--snapshot', otherSnapshot, '--target', target], {
      env: sandboxEnv(),
    })
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(
      `Error: Snapshot ${otherSnapshot} is of cluster ${other}, not --cluster nba-tracker-dev; nothing was restored.`,
    )
    expect(refused.stderr).toContain('--from-other-cluster')
    const {DBClusters = []} = await (await rds()).send(new DescribeDBClustersCommand({}))
    expect(DBClusters.map((cluster) => cluster.DBClusterIdentifier)).not.toContain(target)

    const allowed = await dryRun(
      ['--cluster', 'nba-tracker-dev', '--snapshot', otherSnapshot, '--target', target, '--from-other-cluster'],
      sandboxEnv(),
    )
    expect(allowed.exitCode, allowed.stderr).toBe(0)
    expect(allowed.plan.settingsFrom).toEqual({cluster: 'nba-tracker-dev', kind: 'cluster'})
    expect(allowed.plan.calls[0].input.DBSubnetGroupName).toBe('nba-tracker-dev-db-subnets')
  })

  it("takes the snapshot's own attributes when its cluster is gone", async () => {
    const {exitCode, plan, stderr} = await dryRun(['--snapshot', goneSnapshot, '--target', `re-fromgone-${suffix}`])
    expect(exitCode, stderr).toBe(0)
    expect(plan.settingsFrom).toEqual({cluster: null, kind: 'snapshot'})
    expect(plan.sourceClusterId).toBe(gone)
    expect(plan.calls[0].input.KmsKeyId).toBe('arn:aws:kms:us-east-1:123456789012:key/gone-key')
    expect(plan.calls[0].input.DBSubnetGroupName).toBeUndefined()
    expect(stderr).toContain(`Cluster ${gone} (the snapshot's) no longer exists`)
  })

  it('never passes a parameter group of another engine family', async () => {
    const {exitCode, plan, stderr} = await dryRun(['--snapshot', 'latest', '--target', `re-nomysql-${suffix}`], {
      ...sandboxEnv(),
      AURORACTL_CLUSTER: onMysql,
    })
    expect(exitCode, stderr).toBe(0)
    expect(plan.calls[0].input.DBClusterParameterGroupName).toBeUndefined()
    expect(stderr).toContain(`Parameter group ${mysqlGroup} is of family aurora-mysql8.0, not aurora-postgresql15`)
  })

  it('a real restore of the sandbox cluster gets its aurora-postgresql15 group and no ManagedBy tag', async () => {
    const target = `re-real-${suffix}`
    const result = await runCli(['restore', '--snapshot', 'latest', '--target', target, '--json'], {env: devShell()})
    expect(result.exitCode, result.stderr).toBe(0)
    created.push(target)
    const client = await rds()
    const {DBClusters: [restored] = []} = await client.send(new DescribeDBClustersCommand({DBClusterIdentifier: target}))
    expect(restored!.DBClusterParameterGroup).toBe('nba-tracker-dev-pg15-sandbox')
    const keys = (restored!.TagList ?? []).map((tag) => tag.Key)
    expect(keys).not.toContain('ManagedBy')
    expect(restored!.TagList).toEqual(
      expect.arrayContaining([
        {Key: 'Project', Value: 'nba-tracker'},
        {Key: 'auroractl:source-cluster', Value: 'nba-tracker-dev'},
      ]),
    )
  }, 120_000)
})
