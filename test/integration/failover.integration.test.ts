import {CreateDBInstanceCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand} from '@aws-sdk/client-rds'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {FailoverReport} from '../../src/lib/failover/types.js'

import {runCli, startCli} from '../helpers/run-cli.js'
import {deleteScratchCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * A cluster of our own (restored from the seeded cluster's snapshot, with a writer and a tier-0 reader): failing
 * over takes its server away for a few seconds, which no other test file must see.
 */
const scratch = `failover-${process.pid}`
const reader = `${scratch}-tier0`
const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: scratch})
let folder: string

async function roles(): Promise<{readers: string[]; status: string; writer: string}> {
  const rds = await sandboxClients().rds()
  const {DBClusters: clusters = []} = await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch}))
  const members = clusters[0]?.DBClusterMembers ?? []
  return {
    readers: members.filter((member) => !member.IsClusterWriter).map((member) => member.DBInstanceIdentifier!),
    status: clusters[0]?.Status ?? 'missing',
    writer: members.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier ?? 'none',
  }
}

/** The cluster is available again (a refused run must not have started a failover; a measured one has finished). */
async function settled(): Promise<{readers: string[]; writer: string}> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const now = await roles()
    if (now.status === 'available' || Date.now() > deadline) return now

    await sleep(250)
  }
}

describe('failover', () => {
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'auroractl-failover-'))
    const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: sandboxEnv()})
    expect(restored.exitCode, restored.stderr).toBe(0)
    const rds = await sandboxClients().rds()
    await rds.send(
      new CreateDBInstanceCommand({
        DBClusterIdentifier: scratch,
        DBInstanceClass: 'db.serverless',
        DBInstanceIdentifier: reader,
        Engine: 'aurora-postgresql',
        PromotionTier: 0,
      }),
    )
    const {DBInstances: instances = []} = await rds.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: reader}))
    expect(instances[0]?.DBInstanceStatus).toBe('available')
  })

  afterAll(async () => {
    await rm(folder, {force: true, recursive: true})
    await deleteScratchCluster(scratch)
  })

  it('--dry-run shows the plan (the tier-0 reader promoted) and the API call, and changes nothing', async () => {
    const before = await roles()
    const result = await runCli(['failover', '--dry-run'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`reader\\s+${reader}\\s+tier 0 .*← promoted \\(lowest promotion tier\\)`))
    expect(result.stdout).toContain(`Call: FailoverDBCluster {"DBClusterIdentifier":"${scratch}"}`)
    expect(result.stdout).toContain('Dry run: nothing was changed.')
    const json = await runCli(['failover', '--dry-run', '--to', reader, '--json'], {env: env()})
    const report = JSON.parse(json.stdout) as FailoverReport
    expect(report).toMatchObject({dryRun: true, measurements: [], outcome: 'dry-run'})
    expect(report.plan.call.input).toEqual({DBClusterIdentifier: scratch, TargetDBInstanceIdentifier: reader})
    expect(await roles()).toEqual({...before, status: 'available'})
  })

  it('refuses bad flags and an unconfirmed run (exit 2), before anything changes', async () => {
    const before = await roles()
    const refusals: Array<[string[], RegExp]> = [
      [['failover'], /Refusing to fail over .* without confirmation in a non-interactive run; nothing was changed/],
      [['failover', '--confirm', 'another-cluster'], /--confirm "another-cluster" does not match/],
      [['failover', '--confirm', scratch, '--max-downtime', 'soon'], /--max-downtime "soon" is not a duration/],
      [['failover', '--confirm', scratch, '--probe-interval', '10ms'], /--probe-interval "10ms" must be from 50ms to 10s/],
      [['failover', '--confirm', scratch, '--to', 'no-such-instance'], /--to no-such-instance is not an instance of/],
      [['failover', '--confirm', scratch, '--to', before.writer], /is the writer already/],
      [['failover', '--confirm', scratch, '--report-junit', path.join(folder, 'missing', 'x.xml')], /--report-junit .* does not exist/],
      [['failover', '--confirm', scratch, '--yes'], /--yes is not accepted/],
    ]
    for (const [args, message] of refusals) {
      const result = await runCli(args, {env: env()})
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr).toMatch(message)
    }

    expect(await roles()).toEqual({...before, status: 'available'})
  })

  it('measures a real outage and a real switch: within a generous objective it passes (exit 0), and the API agrees on the new writer', async () => {
    const before = await settled()
    const files = {json: path.join(folder, 'report.json'), junit: path.join(folder, 'report.xml'), md: path.join(folder, 'report.md')}
    const result = await runCli(
      [
        'failover',
        '--confirm',
        scratch,
        '--max-downtime',
        '60s',
        '--json',
        '--report-json',
        files.json,
        '--report-junit',
        files.junit,
        '--report-md',
        files.md,
      ],
      {env: env()},
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as FailoverReport
    expect(report.outcome).toBe('passed')
    expect(report.probe.route).toBe('endpoint map')
    const [measured] = report.measurements
    expect(measured).toMatchObject({fromWriter: before.writer, kind: 'failover', newWriter: reader, toWriter: reader})
    expect(measured!.downtimeSeconds).toBeGreaterThan(0)
    expect(measured!.downtimeSeconds).toBeLessThan(60)
    expect(measured!.failedWrites).toBeGreaterThan(0)
    expect(measured!.lastWriteBefore!.t).toBeLessThan(measured!.firstFailedWrite!.t)
    expect(measured!.firstWriteAfter!.t).toBeGreaterThan(measured!.firstFailedWrite!.t)
    // The endpoint map pointed the writer endpoint somewhere else, as DNS does on AWS.
    expect(measured!.dnsChange?.from).not.toBe(measured!.dnsChange?.to)
    expect(measured!.events.map((event) => event.message)).toContain(`Started cross AZ failover to DB instance: ${reader}`)
    expect((await settled()).writer).toBe(reader)

    expect(JSON.parse(await readFile(files.json, 'utf8'))).toEqual(report)
    expect(await readFile(files.junit, 'utf8')).toMatch(/<testsuites name="auroractl failover" tests="2" failures="0"/)
    expect(await readFile(files.md, 'utf8')).toMatch(/^## Failover rehearsal: ✅ passed/)
  }, 120_000)

  it('fails the objective with exit 4 when writes were unavailable longer than --max-downtime, with the timeline', async () => {
    const before = await settled()
    const result = await runCli(['failover', '--confirm', scratch, '--max-downtime', '10ms'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(4)
    expect(result.stdout).toMatch(
      new RegExp(
        `failover of ${scratch}: writes unavailable for \\d+\\.\\d+ s \\(objective 0.01 s\\); writer ${before.writer} → ${before.readers[0]}`,
      ),
    )
    expect(result.stdout).toMatch(/t {2}\+0\.00s {2}failover requested/)
    expect(result.stdout).toMatch(/first failed write: /)
    expect(result.stdout).toMatch(/FAILED: failover \d+\.\d+ s \(objective 0.01 s\)/)
    expect((await settled()).writer).toBe(before.readers[0])
  }, 120_000)

  it('--failback hands the writer role back, measured the same way', async () => {
    const before = await settled()
    const result = await runCli(['failover', '--confirm', scratch, '--failback', '--max-downtime', '60s', '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as FailoverReport
    expect(report.measurements.map((measured) => [measured.kind, measured.fromWriter, measured.newWriter])).toEqual([
      ['failover', before.writer, before.readers[0]],
      ['failback', before.readers[0], before.writer],
    ])
    for (const measured of report.measurements) expect(measured.downtimeSeconds).toBeGreaterThan(0)
    expect((await settled()).writer).toBe(before.writer)
  }, 180_000)

  it('SIGTERM (a cancelled CI job) stops the probe, prints what was measured and the state the cluster is in (exit 130)', async () => {
    const before = await settled()
    const running = startCli(['failover', '--confirm', scratch], env())
    const deadline = Date.now() + 30_000
    while (!running.output.stderr.includes('failover requested:') && Date.now() < deadline) await sleep(50)
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(130)
    expect(running.output.stdout).toMatch(new RegExp(`failover of ${scratch}: writes unavailable`))
    expect(running.output.stdout).toMatch(/INTERRUPTED: failover/)
    expect(running.output.stdout).toMatch(/The cluster is (failing-over|available), writer /)
    expect(running.output.stderr).toMatch(/Interrupted while waiting for the new writer .* goes on in AWS/)
    // The failover goes on without us, and ends.
    const after = await settled()
    expect(after.writer).toBe(before.readers[0])
  }, 120_000)

  it('refuses a cluster without a reader, explaining that AWS would replace the writer, unless --allow-no-reader', async () => {
    const rds = await sandboxClients().rds()
    const {readers} = await settled()
    for (const id of readers) await rds.send(new DeleteDBInstanceCommand({DBInstanceIdentifier: id, SkipFinalSnapshot: true}))
    const refused = await runCli(['failover', '--confirm', scratch], {env: env()})
    expect(refused.exitCode, refused.stderr).toBe(2)
    expect(refused.stderr).toMatch(/has no reader: a failover would leave AWS to replace the writer .* which takes minutes/)
    expect(refused.stderr).toMatch(/--allow-no-reader/)
    const planned = await runCli(['failover', '--allow-no-reader', '--dry-run', '--json'], {env: env()})
    expect(planned.exitCode, planned.stderr).toBe(0)
    expect((JSON.parse(planned.stdout) as FailoverReport).plan.target).toBeNull()
  })
})
