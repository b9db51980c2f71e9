import {DescribeDBClustersCommand, DescribeDBClusterSnapshotsCommand, DescribeDBInstancesCommand} from '@aws-sdk/client-rds'
import {GetSecretValueCommand} from '@aws-sdk/client-secrets-manager'
import {chmod, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

// Every mutating test works on a cluster of its own, restored here from the sandbox cluster, so the
// tests that read nba-tracker-dev (status, sandbox) see it as seeded.
const scratch = `rb-${process.pid}`

/** The sandbox's AWS side, with the scratch cluster as the target. */
function env(cluster = scratch): Record<string, string> {
  return {...sandboxEnv(), AURORACTL_CLUSTER: cluster}
}

async function rds() {
  return sandboxClients().rds()
}

async function snapshotsOf(cluster: string) {
  const {DBClusterSnapshots = []} = await (await rds()).send(new DescribeDBClusterSnapshotsCommand({DBClusterIdentifier: cluster}))
  return DBClusterSnapshots
}

async function scalingOf(cluster: string) {
  const {DBClusters = []} = await (await rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: cluster}))
  return DBClusters[0]?.ServerlessV2ScalingConfiguration
}

describe('restore', () => {
  it('restores the latest snapshot into a cluster with scaling, a writer and a reader, timing each phase', async () => {
    const result = await runCli(['restore', '--snapshot', 'latest', '--target', scratch, '--readers', '1', '--max', '2', '--json'], {
      env: env('nba-tracker-dev'),
    })
    expect(result.exitCode, result.stderr).toBe(0)
    const restored = JSON.parse(result.stdout)
    expect(restored).toMatchObject({
      clusterId: scratch,
      dryRun: false,
      scaling: {maxAcu: 2, minAcu: 0.5},
      sourceClusterId: 'nba-tracker-dev',
    })
    expect(restored.snapshotId).toMatch(/^rds:nba-tracker-dev-/)
    for (const phase of ['apiAcceptedSeconds', 'clusterAvailableSeconds', 'instancesAvailableSeconds', 'totalSeconds'])
      expect(restored.phases[phase]).toBeGreaterThanOrEqual(0)

    // The AWS state, read with a separate client.
    const client = await rds()
    const {DBClusters: [cluster] = []} = await client.send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch}))
    expect(cluster!.ServerlessV2ScalingConfiguration).toMatchObject({MaxCapacity: 2, MinCapacity: 0.5})
    expect(cluster!.DBSubnetGroup).toBe('nba-tracker-dev-db-subnets')
    expect(cluster!.TagList).toEqual(
      expect.arrayContaining([
        {Key: 'created-by', Value: 'auroractl'},
        {Key: 'Project', Value: 'nba-tracker'},
      ]),
    )
    const {DBInstances = []} = await client.send(new DescribeDBInstancesCommand({Filters: [{Name: 'db-cluster-id', Values: [scratch]}]}))
    expect(
      DBInstances.map((instance) => [instance.DBInstanceIdentifier, instance.DBInstanceClass, instance.PerformanceInsightsEnabled]).sort(),
    ).toEqual([
      [`${scratch}-reader-1`, 'db.serverless', true],
      [`${scratch}-writer`, 'db.serverless', true],
    ])
    const writer = cluster!.DBClusterMembers!.find((member) => member.IsClusterWriter)
    expect(writer?.DBInstanceIdentifier).toBe(`${scratch}-writer`)
  })

  it('refuses an existing target (exit 2) and a dry run changes nothing', async () => {
    const existing = await runCli(['restore', '--snapshot', 'latest', '--target', 'nba-tracker-dev'], {env: env('nba-tracker-dev')})
    expect(existing.exitCode).toBe(2)
    expect(existing.stderr).toContain('Cluster "nba-tracker-dev" already exists; nothing was restored.')
    const dryRun = await runCli(['restore', '--snapshot', 'latest', '--target', `${scratch}-dry`, '--dry-run', '--json'], {
      env: env('nba-tracker-dev'),
    })
    expect(dryRun.exitCode, dryRun.stderr).toBe(0)
    expect(JSON.parse(dryRun.stdout).calls.map((call: {api: string}) => call.api)).toEqual([
      'RestoreDBClusterFromSnapshot',
      'CreateDBInstance',
    ])
    await expect((await rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: `${scratch}-dry`}))).rejects.toMatchObject({
      name: 'DBClusterNotFoundFault',
    })
  })

  it('restores the latest restorable time of a cluster', async () => {
    const result = await runCli(['restore', '--latest-restorable', '--target', `${scratch}-pitr`, '--json'], {env: env('nba-tracker-dev')})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      clusterId: `${scratch}-pitr`,
      instances: [{role: 'writer', status: 'available'}],
      snapshotId: null,
    })
  })

  it.each([
    [['--target', 'x'], 'Say what to restore'],
    [['--snapshot', 'latest', '--target', 'x', '--to-time', '2026-11-28T00:00:00Z'], 'cannot also be provided'],
    [['--to-time', 'yesterday', '--target', 'x'], '--to-time "yesterday" is not an ISO 8601 time'],
    [['--snapshot', 'latest', '--target', 'x', '--min', '0.3'], '--min 0.3 is not allowed'],
    [['--snapshot', 'latest', '--target', 'x', '--readers', '16'], 'Expected an integer less than or equal to 15'],
    [['--snapshot', 'latest', '--target', 'x', '--timeout', '10'], '--timeout "10" is not a duration'],
  ])('rejects %j with exit 2 naming the flag', async (args, message) => {
    const result = await runCli(['restore', ...args], {env: env('nba-tracker-dev')})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(message)
  })
})

describe('snapshot runbooks on the restored cluster', () => {
  beforeAll(async () => {
    // The restore test above creates the scratch cluster; when run alone, create it here.
    const found = await (await rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch})).catch(() => undefined)
    if (!found) {
      const result = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: env('nba-tracker-dev')})
      expect(result.exitCode, result.stderr).toBe(0)
    }
  })

  it('creates a tagged snapshot, waits for it, and refuses the same id again without creating anything', async () => {
    const result = await runCli(
      ['snapshot', 'create', '--id', `${scratch}-pre-deploy`, '--reason', 'deploy 3f2a9c1', '--tag', 'ticket=OPS-7', '--json'],
      {env: env()},
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      createdBy: 'auroractl',
      id: `${scratch}-pre-deploy`,
      reason: 'deploy 3f2a9c1',
      status: 'available',
      waited: true,
    })
    const snapshot = (await snapshotsOf(scratch)).find((item) => item.DBClusterSnapshotIdentifier === `${scratch}-pre-deploy`)
    expect(snapshot!.TagList).toEqual(
      expect.arrayContaining([
        {Key: 'created-by', Value: 'auroractl'},
        {Key: 'reason', Value: 'deploy 3f2a9c1'},
        {Key: 'ticket', Value: 'OPS-7'},
      ]),
    )

    const before = (await snapshotsOf(scratch)).length
    const again = await runCli(['snapshot', 'create', '--id', `${scratch}-pre-deploy`], {env: env()})
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toContain('already exists; nothing was created.')
    expect((await snapshotsOf(scratch)).length).toBe(before)
  })

  it('defaults the id to <cluster>-<timestamp>-<random>; --no-wait returns at once', async () => {
    const result = await runCli(['snapshot', 'create', '--no-wait', '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).id).toMatch(new RegExp(`^${scratch}-\\d{8}-\\d{6}-[a-z0-9]{4}$`))
  })

  it.each([
    [['snapshot', 'create', '--id', 'bad--id'], 'must not contain two consecutive hyphens'],
    [['snapshot', 'create', '--tag', 'novalue'], '--tag "novalue" is not KEY=VALUE'],
    [['snapshot', 'create', '--timeout', '2s'], '--timeout "2s" must be from 10s'],
    [['snapshot', 'list', '--type', 'weekly'], 'Expected --type=weekly to be one of: manual, automated, all'],
    [['snapshot', 'list', '--limit', '0'], 'Expected an integer greater than or equal to 1'],
    [['snapshot', 'prune'], 'Give --keep N, --older-than DURATION, or both.'],
    [['snapshot', 'prune', '--older-than', '30'], '--older-than "30" is not a duration'],
  ])('rejects %j with exit 2 and creates nothing', async (args, message) => {
    const before = (await snapshotsOf(scratch)).length
    const result = await runCli(args, {env: env()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(message)
    expect((await snapshotsOf(scratch)).length).toBe(before)
  })

  it('lists snapshots newest first with the creator tag', async () => {
    const result = await runCli(['snapshot', 'list', '--type', 'manual', '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const listed = JSON.parse(result.stdout) as Array<{createdAt: string; createdBy: string; type: string}>
    expect(listed.length).toBeGreaterThanOrEqual(2)
    expect(listed.every((item) => item.type === 'manual' && item.createdBy === 'auroractl')).toBe(true)
    expect([...listed].sort((a, b) => b.createdAt.localeCompare(a.createdAt))).toEqual(listed)
    const limited = await runCli(['snapshot', 'list', '--limit', '1', '--json'], {env: env()})
    expect(JSON.parse(limited.stdout)).toHaveLength(1)
  })

  it('deletes only with a matching confirmation', async () => {
    const id = `${scratch}-to-delete`
    expect((await runCli(['snapshot', 'create', '--id', id], {env: env()})).exitCode).toBe(0)
    const refused = await runCli(['snapshot', 'delete', id], {env: env()})
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`Pass --confirm ${id} to go ahead.`)
    const mismatch = await runCli(['snapshot', 'delete', id, '--confirm', 'other'], {env: env()})
    expect(mismatch.exitCode).toBe(2)
    expect((await snapshotsOf(scratch)).some((item) => item.DBClusterSnapshotIdentifier === id)).toBe(true)
    const deleted = await runCli(['snapshot', 'delete', id, '--confirm', id, '--json'], {env: env()})
    expect(deleted.exitCode, deleted.stderr).toBe(0)
    expect((await snapshotsOf(scratch)).some((item) => item.DBClusterSnapshotIdentifier === id)).toBe(false)
    const gone = await runCli(['snapshot', 'delete', id, '--confirm', id], {env: env()})
    expect(gone.exitCode).toBe(3)
  })

  it('prunes old manual snapshots after a dry run, never automated ones', async () => {
    for (const suffix of ['a', 'b', 'c'])
      expect((await runCli(['snapshot', 'create', '--id', `${scratch}-prune-${suffix}`], {env: env()})).exitCode).toBe(0)
    const manualBefore = (await snapshotsOf(scratch)).filter((item) => item.SnapshotType === 'manual')
    const automatedBefore = (await snapshotsOf(scratch)).filter((item) => item.SnapshotType === 'automated')

    const dryRun = await runCli(['snapshot', 'prune', '--keep', '1', '--dry-run', '--json'], {env: env()})
    expect(dryRun.exitCode, dryRun.stderr).toBe(0)
    expect(JSON.parse(dryRun.stdout)).toMatchObject({deleted: [], dryRun: true})
    expect(JSON.parse(dryRun.stdout).selected).toHaveLength(manualBefore.length - 1)
    expect((await snapshotsOf(scratch)).filter((item) => item.SnapshotType === 'manual')).toHaveLength(manualBefore.length)

    const unconfirmed = await runCli(['snapshot', 'prune', '--keep', '1'], {env: env()})
    expect(unconfirmed.exitCode).toBe(2)
    const pruned = await runCli(['snapshot', 'prune', '--keep', '1', '--confirm', scratch, '--json'], {env: env()})
    expect(pruned.exitCode, pruned.stderr).toBe(0)
    expect(JSON.parse(pruned.stdout).deleted).toHaveLength(manualBefore.length - 1)
    const after = await snapshotsOf(scratch)
    expect(after.filter((item) => item.SnapshotType === 'manual')).toHaveLength(1)
    expect(after.filter((item) => item.SnapshotType === 'automated')).toHaveLength(automatedBefore.length)
  })
})

describe('scale', () => {
  beforeAll(async () => {
    const found = await (await rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch})).catch(() => undefined)
    if (!found)
      expect((await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: env('nba-tracker-dev')})).exitCode).toBe(0)
  })

  it('raises the range, waits for it, and shows old and new', async () => {
    const result = await runCli(['scale', '--min', '1', '--max', '4'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/-> 1-4 ACU/)
    expect(await scalingOf(scratch)).toMatchObject({MaxCapacity: 4, MinCapacity: 1})
  })

  it('confirms lowering the maximum by the cluster id: refused without --confirm in a script, applied with it', async () => {
    const refused = await runCli(['scale', '--max', '2'], {env: env()})
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`Pass --confirm ${scratch} to go ahead.`)
    expect(await scalingOf(scratch)).toMatchObject({MaxCapacity: 4})
    const lowered = await runCli(['scale', '--max', '2', '--confirm', scratch, '--json'], {env: env()})
    expect(lowered.exitCode, lowered.stderr).toBe(0)
    expect(JSON.parse(lowered.stdout)).toMatchObject({
      after: {maxAcu: 2, minAcu: 1},
      before: {maxAcu: 4},
      dryRun: false,
      status: 'available',
    })
    expect(await scalingOf(scratch)).toMatchObject({MaxCapacity: 2, MinCapacity: 1})
  })

  it.each([
    [['--min', '0.7'], '--min 0.7 is not allowed: capacity goes from 0 to 256 ACU in steps of 0.5.'],
    [['--max', '300'], '--max 300 is not allowed'],
    [['--min', '3', '--max', '2'], '--min 3 is above --max 2'],
    [['--min', 'lots'], '--min "lots" is not a number.'],
    [['--min', '1', '--seconds-until-auto-pause', '600'], 'applies only with --min 0'],
    [[], 'Give --min, --max, or both'],
  ])('rejects %j with exit 2 and changes nothing', async (args, message) => {
    const before = await scalingOf(scratch)
    const result = await runCli(['scale', ...args, '--confirm', scratch], {env: env()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(message)
    expect(await scalingOf(scratch)).toEqual(before)
  })
})

/** The seeded password, read with a separate client, to prove it does not leak. */
async function password(): Promise<string> {
  const {SecretString} = await (
    await sandboxClients().secretsManager()
  ).send(new GetSecretValueCommand({SecretId: sandboxEnv().AURORACTL_SECRET}))
  return JSON.parse(SecretString!).password
}

describe('secret get and psql', () => {
  it('shows every field with the password masked by default, in text and --json', async () => {
    const secret = await password()
    const text = await runCli(['secret', 'get'], {env: env('nba-tracker-dev')})
    expect(text.exitCode, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^username\s+nbatracker$/m)
    expect(text.stdout).toMatch(/^password\s+\*{8}$/m)
    const json = await runCli(['secret', 'get', '--json'], {env: env('nba-tracker-dev')})
    expect(JSON.parse(json.stdout)).toMatchObject({
      fields: {dbname: 'nbatracker', password: '********', port: 5432},
      revealed: false,
      source: 'env',
    })
    for (const output of [text, json]) expect(output.stdout + output.stderr).not.toContain(secret)
  })

  it('prints the password for scripts with --reveal', async () => {
    const secret = await password()
    const field = await runCli(['secret', 'get', '--field', 'password', '--reveal'], {env: env('nba-tracker-dev')})
    expect(field.stdout).toBe(`${secret}\n`)
    const uri = await runCli(['secret', 'get', '--format', 'uri', '--reveal'], {env: env('nba-tracker-dev')})
    expect(uri.stdout).toContain(`nbatracker:${encodeURIComponent(secret)}@nba-tracker-dev.cluster-`)
    expect(uri.stdout).toContain(`?sslmode=verify-full&sslrootcert=${encodeURIComponent(sandboxEnv().PGSSLROOTCERT!)}`)
    const pgpass = await runCli(['secret', 'get', '--format', 'pgpass', '--reveal'], {env: env('nba-tracker-dev')})
    expect(pgpass.stdout).toBe(`${pgpass.stdout.split(':').slice(0, 4).join(':')}:${secret}\n`)
  })

  it('finds the secret from the cluster alone when RDS manages it, and says when there is none', async () => {
    const result = await runCli(['secret', 'get'], {env: {...env('nba-tracker-dev'), AURORACTL_SECRET: undefined}})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('No credentials secret named, and the cluster has no RDS-managed master secret.')
    const unknown = await runCli(['secret', 'get', '--secret', 'no-such-secret'], {env: env('nba-tracker-dev')})
    expect(unknown.exitCode).toBe(3)
    expect(unknown.stderr).not.toContain(await password())
  })

  it('psql runs the real psql over verified TLS, with the password in its environment and never in its argv', async () => {
    const secret = await password()
    // A psql on PATH that records what it was given, then runs the real one.
    const shimDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-psql-'))
    const record = path.join(shimDir, 'record.txt')
    await writeFile(
      path.join(shimDir, 'psql'),
      `#!/bin/sh\n{ printf 'ARGV %s\\n' "$*"; env | cut -d= -f1 | sed 's/^/ENV /'; printf 'SSL %s %s\\n' "$PGSSLMODE" "$PGHOST"; } > '${record}'\nexec /usr/bin/psql "$@"\n`,
    )
    await chmod(path.join(shimDir, 'psql'), 0o755)
    const result = await runCli(['psql', '--', '-tA', '-c', 'select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()'], {
      env: {...env('nba-tracker-dev'), PATH: `${shimDir}:${process.env.PATH}`},
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe('nbatracker|t')
    const recorded = await readFile(record, 'utf8')
    expect(recorded).toContain('ARGV -tA -c select current_user')
    expect(recorded).toMatch(/^ENV PGPASSWORD$/m)
    expect(recorded).toMatch(/^SSL verify-full nba-tracker-dev\.cluster-/m)
    expect(recorded).not.toContain(secret)
    expect(result.stdout + result.stderr).not.toContain(secret)
  })

  it("psql passes psql's exit code through", async () => {
    const result = await runCli(['psql', '--', '-c', 'select 1/0'], {env: env('nba-tracker-dev')})
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('division by zero')
  })
})
