import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'

import {DescribeDBClustersCommand, DescribeEventsCommand, FailoverDBClusterCommand, RDSClient} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {setImmediate as setImmediatePromise} from 'node:timers/promises'
import {beforeEach, describe, expect, it} from 'vitest'

import type {FailoverMeasurement, FailoverReport, ProbeResult} from '../../src/lib/failover/types.js'

import {parseDuration} from '../../src/lib/cli/duration.js'
import {AuroraError} from '../../src/lib/cli/errors.js'
import {silentProgress} from '../../src/lib/cli/progress.js'
import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderFailoverPlan, renderFailoverText} from '../../src/lib/cli/render/failover.js'
import {answerChange, buildMeasurement, failoverSettled, measureOutage} from '../../src/lib/failover/measure.js'
import {planFailover} from '../../src/lib/failover/plan.js'
import {type ProbeClock, startWriteProbe, type WriteAttempt} from '../../src/lib/failover/probe.js'
import {renderFailoverJunit, renderFailoverMarkdown} from '../../src/lib/failover/reports.js'
import {failoverExitCode, judge, runFailover} from '../../src/lib/failover/run.js'
import {describeProbeError} from '../../src/lib/failover/write-attempt.js'

const palette = createPalette({json: false, noColorFlag: true})

function cluster(members: Array<{id: string; tier?: number; writer?: boolean}>, status = 'available'): DBCluster {
  return {
    DBClusterIdentifier: 'app',
    DBClusterMembers: members.map((member) => ({
      DBInstanceIdentifier: member.id,
      IsClusterWriter: member.writer ?? false,
      PromotionTier: member.tier,
    })),
    Status: status,
  }
}

function instances(ids: string[], status: Record<string, string> = {}): DBInstance[] {
  return ids.map((id) => ({DBInstanceClass: 'db.serverless', DBInstanceIdentifier: id, DBInstanceStatus: status[id] ?? 'available'}))
}

const plan = (c: DBCluster, options: {allowNoReader?: boolean; to?: string} = {}, status: Record<string, string> = {}) =>
  planFailover(
    c,
    instances(
      (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier!),
      status,
    ),
    {allowNoReader: false, ...options},
  )

function refusal(work: () => unknown): AuroraError {
  try {
    work()
  } catch (error) {
    return error as AuroraError
  }

  throw new Error('expected a refusal')
}

describe('failover plan', () => {
  const three = cluster([
    {id: 'w', tier: 0, writer: true},
    {id: 'r-tier2', tier: 2},
    {id: 'r-tier1', tier: 1},
  ])

  it('picks the reader in the lowest promotion tier, as AWS does, and leaves the choice to AWS in the call', () => {
    const result = plan(three)
    expect(result.writer).toBe('w')
    expect(result.target).toEqual({chosenBy: 'promotion tier', id: 'r-tier1', promotionTier: 1, tiedWith: []})
    expect(result.call).toEqual({api: 'FailoverDBCluster', input: {DBClusterIdentifier: 'app'}})
    expect(result.warnings).toEqual([])
  })

  it('names the readers tied in the lowest tier, and counts a reader without a tier as tier 1', () => {
    const result = plan(cluster([{id: 'w', writer: true}, {id: 'a', tier: 1}, {id: 'b'}, {id: 'c', tier: 3}]))
    expect(result.target?.id).toBe('a')
    expect(result.target?.tiedWith).toEqual(['b'])
    expect(renderFailoverPlan(result, palette)).toContain('tied with b: AWS picks one of them')
  })

  it('--to names the target in the call, and warns when it is in a tier that may be scaled down', () => {
    const result = plan(three, {to: 'r-tier2'})
    expect(result.call.input).toEqual({DBClusterIdentifier: 'app', TargetDBInstanceIdentifier: 'r-tier2'})
    expect(result.target?.chosenBy).toBe('--to')
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toMatch(/--to r-tier2 is in promotion tier 2/)
  })

  it('refuses a --to that is the writer, not an instance, or not available (exit 2)', () => {
    for (const [to, message] of [
      ['w', /--to w is the writer already/],
      ['nope', /--to nope is not an instance of app; its readers: r-tier2, r-tier1/],
    ] as const) {
      const error = refusal(() => plan(three, {to}))
      expect(error.exitCode).toBe(2)
      expect(error.message).toMatch(message)
    }

    expect(refusal(() => plan(three, {to: 'r-tier1'}, {'r-tier1': 'rebooting'})).message).toMatch(/is rebooting, not available/)
  })

  it('warns when no reader is in promotion tier 0 or 1', () => {
    const result = plan(
      cluster([
        {id: 'w', tier: 1, writer: true},
        {id: 'r', tier: 5},
      ]),
    )
    expect(result.target?.id).toBe('r')
    expect(result.warnings.join(' ')).toMatch(/No reader is in promotion tier 0 or 1/)
  })

  it('refuses a cluster without readers unless --allow-no-reader, and explains why', () => {
    const lone = cluster([{id: 'w', writer: true}])
    const error = refusal(() => plan(lone))
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/no reader: .*replace the writer w itself, which takes minutes/)
    expect(error.hint).toMatch(/--allow-no-reader/)
    const allowed = plan(lone, {allowNoReader: true})
    expect(allowed.target).toBeNull()
    expect(allowed.call.input).toEqual({DBClusterIdentifier: 'app'})
    expect(allowed.warnings).toHaveLength(1)
  })

  it('refuses a cluster that is not available, and one whose readers are all unavailable', () => {
    expect(refusal(() => plan(cluster([{id: 'w', writer: true}, {id: 'r'}], 'modifying'))).message).toMatch(
      /app is modifying, not available/,
    )
    expect(refusal(() => plan(cluster([{id: 'w', writer: true}, {id: 'r'}]), {}, {r: 'creating'})).message).toMatch(
      /No reader is available to promote \(r creating\)/,
    )
  })
})

/** Lets every promise chain that can move, move. */
const flush = () => setImmediatePromise()

/** A clock the test moves by hand: sleeps resolve when the test advances past them (or at once when aborted). */
function fakeClock() {
  let now = 0
  let timers: Array<{at: number; resolve: () => void}> = []
  const clock: ProbeClock = {
    now: () => now,
    sleep(ms, signal) {
      return new Promise((resolve) => {
        const timer = {at: now + ms, resolve}
        timers.push(timer)
        signal?.addEventListener(
          'abort',
          () => {
            timers = timers.filter((item) => item !== timer)
            resolve()
          },
          {once: true},
        )
      })
    },
  }
  async function advance(ms: number): Promise<void> {
    const end = now + ms
    for (;;) {
      await flush()
      const next = timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      timers = timers.filter((timer) => timer !== next)
      now = next.at
      next.resolve()
    }

    now = end
    await flush()
  }

  return {advance, clock}
}

const connectionRefused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), {code: 'ECONNREFUSED'})
const wrongPassword = new AuroraError('UNEXPECTED', 'Cannot connect: password authentication failed', {
  cause: Object.assign(new Error('password authentication failed for user "app"'), {code: '28P01'}),
})

/** Each attempt takes 10 ms and does what `script` says for the time it started at. */
function scripted(clock: ProbeClock, script: (startedMs: number) => 'hang' | 'ok' | Error, answer = () => '10.0.0.1'): WriteAttempt {
  return async () => {
    const startedMs = clock.now()
    const outcome = script(startedMs)
    if (outcome === 'hang') return new Promise(() => {})
    await clock.sleep(10)
    if (outcome instanceof Error) throw outcome
    return {answer: answer()}
  }
}

describe('write probe', () => {
  const options = {describe: describeProbeError, intervalMs: 250, maxInFlight: 5, timeoutMs: 1000}

  it('probes on a fixed schedule, each attempt timed from its own start, and records what each write did', async () => {
    const {advance, clock} = fakeClock()
    const probe = startWriteProbe({
      ...options,
      attempt: scripted(clock, (at) => (at >= 500 && at < 1000 ? connectionRefused : 'ok')),
      clock,
    })
    await advance(1490)
    await probe.stop()
    expect(probe.results.map((result) => [result.startedMs, result.ok, result.errorCode ?? null])).toEqual([
      [0, true, null],
      [250, true, null],
      [500, false, 'ECONNREFUSED'],
      [750, false, 'ECONNREFUSED'],
      [1000, true, null],
      [1250, true, null],
    ])
    expect(probe.results[0]!.finishedMs).toBe(10)
    expect(probe.fatal()).toBeUndefined()
  })

  it('does not let a hung attempt stall the schedule: it fails at its deadline while the next ones go on', async () => {
    const {advance, clock} = fakeClock()
    const probe = startWriteProbe({...options, attempt: scripted(clock, (at) => (at === 250 ? 'hang' : 'ok')), clock})
    await advance(1600)
    await probe.stop()
    const hung = probe.results.find((result) => result.startedMs === 250)!
    expect(hung).toMatchObject({error: 'no answer within 1s', errorCode: 'timeout', finishedMs: 1250, ok: false})
    expect(probe.results.filter((result) => result.ok).map((result) => result.startedMs)).toEqual([0, 500, 750, 1000, 1250, 1500])
  })

  it('caps the attempts in flight: a full house skips its tick rather than queueing it', async () => {
    const {advance, clock} = fakeClock()
    const probe = startWriteProbe({...options, attempt: scripted(clock, () => 'hang'), clock, maxInFlight: 2})
    await advance(1200)
    const stopped = probe.stop()
    // The attempts in flight still end by their deadlines.
    await advance(1000)
    await stopped
    // 0 and 250 hang; 500 and 750 find two in flight and are skipped; 1000 starts as 0 times out.
    expect(probe.results.map((result) => [result.startedMs, result.finishedMs])).toEqual([
      [0, 1000],
      [250, 1250],
      [1000, 2000],
    ])
  })

  it('ends at once on an error that cannot get better (a wrong password), keeping it as the reason', async () => {
    const {advance, clock} = fakeClock()
    const probe = startWriteProbe({...options, attempt: scripted(clock, (at) => (at >= 250 ? wrongPassword : 'ok')), clock})
    await advance(2000)
    expect(probe.ended.aborted).toBe(true)
    expect(probe.fatal()).toBe(wrongPassword)
    await probe.stop()
    expect(probe.results).toHaveLength(2)
  })
})

describe('probe errors', () => {
  it('ends the run only for failures retrying cannot fix', () => {
    expect(describeProbeError(wrongPassword)).toMatchObject({code: '28P01', fatal: true})
    expect(describeProbeError(Object.assign(new Error('self-signed certificate'), {code: 'TLS_UNVERIFIED'})).fatal).toBe(true)
    expect(describeProbeError(connectionRefused)).toEqual({
      code: 'ECONNREFUSED',
      fatal: false,
      reason: 'connect ECONNREFUSED 10.0.0.1:5432',
    })
    const readOnly = Object.assign(new Error('cannot assign TransactionIds during recovery'), {code: '25006'})
    expect(describeProbeError(readOnly)).toMatchObject({code: '25006', fatal: false})
    expect(describeProbeError(Object.assign(new Error('the database system is starting up'), {code: '57P03'})).fatal).toBe(false)
    expect(describeProbeError(new Error('Connection terminated unexpectedly'))).toMatchObject({code: 'other', fatal: false})
  })
})

const ok = (startedMs: number, finishedMs = startedMs + 10, answer = 'a'): ProbeResult => ({answer, finishedMs, ok: true, startedMs})
const failed = (startedMs: number, errorCode = 'ECONNREFUSED', answer: null | string = 'a'): ProbeResult => ({
  answer,
  error: `${errorCode} …`,
  errorCode,
  finishedMs: startedMs + 5,
  ok: false,
  startedMs,
})

describe('measuring the outage', () => {
  it('spans from the last write before the first failure to the first write after the last one', () => {
    const outage = measureOutage([ok(0), ok(250), failed(500), failed(750, 'timeout'), ok(1000, 1020, 'b'), ok(1250, 1260, 'b')])
    expect(outage.lastOkBefore).toEqual({atMs: 260})
    expect(outage.firstFailed).toEqual({atMs: 500, error: 'ECONNREFUSED …'})
    expect(outage.firstOkAfter).toEqual({atMs: 1020})
    expect(outage.downtimeMs).toBe(760)
    expect(outage.failedWrites).toBe(2)
    expect(outage.failureReasons).toEqual({ECONNREFUSED: 1, timeout: 1})
    expect(outage.dnsChange).toEqual({atMs: 1000, from: 'a', to: 'b'})
  })

  it('covers flapping whole, is zero without failures, and null while writes still fail', () => {
    expect(measureOutage([ok(0), failed(250), ok(500), failed(750), ok(1000)]).downtimeMs).toBe(1010 - 10)
    expect(measureOutage([ok(0), ok(250)])).toMatchObject({downtimeMs: 0, failedWrites: 0, firstFailed: null})
    expect(measureOutage([ok(0), failed(250), failed(500)]).downtimeMs).toBeNull()
  })

  it('uses results in start order, whatever order they finished in', () => {
    // A slow success that started before the failure but returned after it still counts as before.
    const outage = measureOutage([ok(250, 260), failed(500), ok(0, 700), ok(750, 760)])
    expect(outage.lastOkBefore).toEqual({atMs: 700})
    expect(outage.downtimeMs).toBe(60)
  })

  it('notices the first change of the endpoint answer, ignoring probes that got none', () => {
    expect(answerChange([ok(0), failed(250, 'ENOTFOUND', null), ok(500, 510, 'b')])).toEqual({atMs: 500, from: 'a', to: 'b'})
    expect(answerChange([ok(0), ok(250)])).toBeNull()
  })

  it('is over only when the API says available with another writer and writes have worked for the settle time', () => {
    const results = [ok(0), failed(250), ok(500, 510)]
    const settle = {fromWriter: 'w', nowMs: 3600, settleMs: 3000}
    expect(failoverSettled(results, {atMs: 3600, status: 'available', writer: 'r'}, settle)).toBe(true)
    expect(failoverSettled(results, {atMs: 3600, status: 'available', writer: 'r'}, {...settle, nowMs: 3400})).toBe(false)
    expect(failoverSettled(results, {atMs: 3600, status: 'failing-over', writer: 'r'}, settle)).toBe(false)
    expect(failoverSettled(results, {atMs: 3600, status: 'available', writer: 'w'}, settle)).toBe(false)
    expect(failoverSettled([...results, failed(3500)], {atMs: 3600, status: 'available', writer: 'r'}, settle)).toBe(false)
  })
})

function measurement(downtimeMs: number, overrides: Partial<FailoverMeasurement> = {}): FailoverMeasurement {
  const base = buildMeasurement({
    endedMs: 9000,
    events: [{categories: ['failover'], date: '2026-01-01T00:00:01.000Z', message: 'Completed failover to DB instance: r', source: 'app'}],
    fromWriter: 'w',
    kind: 'failover',
    newWriter: 'r',
    observations: [
      {atMs: 1100, status: 'failing-over', writer: 'w'},
      {atMs: 5100, status: 'available', writer: 'r'},
    ],
    requestedEpochMs: Date.parse('2026-01-01T00:00:00.000Z'),
    requestedMs: 1000,
    results: [ok(900), ok(1200), failed(1450), ok(1450 + downtimeMs, 1450 + downtimeMs + 10, 'b')],
    toWriter: 'r',
  })
  return {...base, ...overrides}
}

function report(measurements: FailoverMeasurement[], objectiveSeconds: null | number): FailoverReport {
  const result: FailoverReport = {
    clusterId: 'app',
    dryRun: false,
    finalState: null,
    finishedAt: '2026-01-01T00:00:10.000Z',
    measurements,
    objectiveSeconds,
    outcome: 'passed',
    plan: plan(cluster([{id: 'w', writer: true}, {id: 'r'}])),
    probe: {endpoint: 'app.cluster-x.rds.amazonaws.com:5432', intervalMs: 250, route: 'direct', timeoutMs: 1000},
    startedAt: '2026-01-01T00:00:00.000Z',
    warnings: [],
  }
  result.outcome = judge(measurements, objectiveSeconds === null ? undefined : objectiveSeconds * 1000)
  return result
}

describe('failover reports', () => {
  it('builds a timeline relative to the request, with the API, the endpoint answer and the RDS events in order', () => {
    const m = measurement(2000)
    expect(m.downtimeSeconds).toBe(2.25)
    expect(m.requestedAt).toBe('2026-01-01T00:00:00.000Z')
    expect(m.timeline.map((entry) => [entry.t, entry.what.split(':')[0]])).toEqual([
      [0, 'failover requested (w → r)'],
      [0.1, 'cluster reports failing-over'],
      [0.21, 'last write ok before the outage'],
      [0.45, 'first failed write'],
      [1, 'RDS event'],
      [2.45, 'writer endpoint answer changed'],
      [2.46, 'first write ok after the outage'],
      [4.1, 'API reports writer r'],
      [4.1, 'cluster reports available'],
    ])
  })

  it('judges against the objective: exit 4 over it, 0 within it or without one', () => {
    expect(failoverExitCode(report([measurement(2000)], 30))).toBe(0)
    expect(failoverExitCode(report([measurement(2000)], null))).toBe(0)
    const over = report([measurement(2000), measurement(500, {kind: 'failback'})], 1)
    expect(over.outcome).toBe('failed')
    expect(failoverExitCode(over)).toBe(4)
    expect(failoverExitCode({...over, outcome: 'timeout'})).toBe(5)
    expect(failoverExitCode({...over, outcome: 'interrupted'})).toBe(130)
  })

  it('JUnit: a downtime case failing over the objective, and a writer-change case per failover', () => {
    const xml = renderFailoverJunit(report([measurement(2000), measurement(500, {fromWriter: 'r', kind: 'failback', newWriter: 'r'})], 1))
    expect(xml).toContain('<testsuites name="auroractl failover" tests="4" failures="2"')
    expect(xml).toContain('<failure message="writes unavailable for 2.25 s, over the objective of 1 s">')
    expect(xml).toContain('the API did not report another writer than r')
    expect(xml).toContain('<property name="failover.downtimeSeconds" value="2.25"/>')
  })

  it('Markdown and text: the verdict, the writer change and the timeline', () => {
    const passed = report([measurement(2000)], 30)
    const markdown = renderFailoverMarkdown(passed)
    expect(markdown).toMatch(/^## Failover rehearsal: ✅ passed/)
    expect(markdown).toContain('### Failover: `w` → `r`')
    expect(markdown).toContain('| +0.45s | 2026-01-01T00:00:00.450Z | first failed write: ECONNREFUSED … |')
    const text = renderFailoverText(passed, palette)
    expect(text).toContain('failover of app: writes unavailable for 2.25 s (objective 30 s); writer w → r')
    expect(text).toContain('  t  +0.45s  first failed write: ECONNREFUSED …')
    expect(text).toContain('PASSED: failover 2.25 s (objective 30 s)')
  })

  it('accepts milliseconds in durations (--max-downtime 500ms, --probe-interval 250ms)', () => {
    expect(parseDuration('250ms', '--probe-interval')).toBe(250)
    expect(parseDuration('1s500ms', '--max-downtime')).toBe(1500)
    expect(() => parseDuration('10mss', '--max-downtime')).toThrow(/not a duration/)
  })
})

describe('runFailover', () => {
  const rdsMock = mockClient(RDSClient)
  const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'eu-west-1'})

  beforeEach(() => rdsMock.reset())

  const twoInstances = plan(cluster([{id: 'w', writer: true}, {id: 'r'}]))
  const probeOptions = {
    describe: describeProbeError,
    endpoint: 'app:5432',
    intervalMs: 50,
    maxInFlight: 3,
    route: 'direct' as const,
    timeoutMs: 500,
  }

  it('measures a failover: writes fail for a while after the request, the API names the new writer, the objective decides', async () => {
    let requestedAt = Number.POSITIVE_INFINITY
    rdsMock.on(FailoverDBClusterCommand).callsFake(() => {
      requestedAt = performance.now()
      return {DBCluster: {Status: 'failing-over'}}
    })
    rdsMock.on(DescribeDBClustersCommand).callsFake(() => {
      const done = performance.now() - requestedAt > 900
      return {
        DBClusters: [
          cluster(
            [
              {id: 'w', writer: !done},
              {id: 'r', writer: done},
            ],
            done ? 'available' : 'failing-over',
          ),
        ],
      }
    })
    rdsMock.on(DescribeEventsCommand).resolves({Events: []})
    const attempt: WriteAttempt = async () => {
      const since = performance.now() - requestedAt
      if (since > 100 && since < 600) throw connectionRefused
      return {answer: since >= 600 ? 'new' : 'old'}
    }

    const result = await runFailover({
      failback: false,
      objectiveMs: 100,
      plan: twoInstances,
      probe: {...probeOptions, attempt},
      progress: silentProgress,
      rds,
      settleMs: 300,
      signal: new AbortController().signal,
      timeoutMs: 30_000,
    })
    expect(result.outcome).toBe('failed')
    const [only] = result.measurements
    expect(only).toMatchObject({fromWriter: 'w', kind: 'failover', newWriter: 'r', toWriter: 'r'})
    expect(only!.downtimeSeconds).toBeGreaterThan(0.4)
    expect(only!.downtimeSeconds).toBeLessThan(0.8)
    expect(only!.dnsChange).toMatchObject({from: 'old', to: 'new'})
    expect(rdsMock.commandCalls(FailoverDBClusterCommand)[0]!.args[0].input).toEqual({DBClusterIdentifier: 'app'})
  }, 20_000)

  it('stops at --timeout with what it measured and the state the cluster is in (exit 5)', async () => {
    rdsMock.on(FailoverDBClusterCommand).resolves({DBCluster: {Status: 'failing-over'}})
    rdsMock.on(DescribeDBClustersCommand).resolves({DBClusters: [cluster([{id: 'w', writer: true}, {id: 'r'}], 'failing-over')]})
    const result = await runFailover({
      failback: true,
      plan: twoInstances,
      probe: {...probeOptions, attempt: async () => ({answer: 'old'})},
      progress: silentProgress,
      rds,
      settleMs: 300,
      signal: new AbortController().signal,
      timeoutMs: 3000,
    })
    expect(result.outcome).toBe('timeout')
    expect(failoverExitCode(result)).toBe(5)
    expect(result.error).toMatch(/Gave up after 3s \(--timeout\) waiting for the new writer of app/)
    expect(result.finalState).toEqual({status: 'failing-over', writer: 'w'})
    expect(result.measurements.map((measured) => [measured.kind, measured.newWriter, measured.downtimeSeconds])).toEqual([
      ['failover', null, 0],
    ])
  }, 20_000)

  it('ends with the real error, asking nothing of AWS, when the probe cannot log in', async () => {
    const attempt: WriteAttempt = async () => {
      throw wrongPassword
    }

    await expect(
      runFailover({
        failback: false,
        plan: twoInstances,
        probe: {...probeOptions, attempt},
        progress: silentProgress,
        rds,
        settleMs: 300,
        signal: new AbortController().signal,
        timeoutMs: 30_000,
      }),
    ).rejects.toBe(wrongPassword)
    expect(rdsMock.commandCalls(FailoverDBClusterCommand)).toHaveLength(0)
  })
})
