import {afterEach, describe, expect, it, vi} from 'vitest'

import type {Check} from '../../src/lib/doctor/types.js'

import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderDoctorReport} from '../../src/lib/cli/render/doctor.js'
import {cidrContains} from '../../src/lib/doctor/checks/network.js'
import {DoctorFacts} from '../../src/lib/doctor/facts.js'
import {
  gradeBackupRetention,
  gradeCeiling,
  gradeCertificate,
  gradeConnections,
  gradeHitRate,
  gradeSequence,
  gradeWraparound,
  isPrivateAddress,
} from '../../src/lib/doctor/grading.js'
import {allChecks, checkIds} from '../../src/lib/doctor/index.js'
import {runChecks} from '../../src/lib/doctor/run.js'
import {fail, ok, warn} from '../../src/lib/doctor/types.js'

describe('grading thresholds', () => {
  it('grades connections: warn at 75%, fail at 90%', () => {
    expect([gradeConnections(74, 100), gradeConnections(75, 100), gradeConnections(89, 100), gradeConnections(90, 100)]).toEqual([
      'ok',
      'warn',
      'warn',
      'fail',
    ])
  })

  it('grades backup retention under 7 days', () => {
    expect([gradeBackupRetention(6), gradeBackupRetention(7), gradeBackupRetention(35)]).toEqual(['warn', 'ok', 'ok'])
  })

  it('grades transaction id age: warn at 200 million, fail at a billion', () => {
    expect([
      gradeWraparound(199_999_999),
      gradeWraparound(200_000_000),
      gradeWraparound(999_999_999),
      gradeWraparound(1_000_000_000),
    ]).toEqual(['ok', 'warn', 'warn', 'fail'])
  })

  it('grades the cache hit rate below 0.99, once there are enough reads', () => {
    expect(gradeHitRate(98_000, 2000)).toBe('warn')
    expect(gradeHitRate(99_000, 1000)).toBe('ok')
    expect(gradeHitRate(10, 5000)).toBe('ok') // 5010 reads say nothing yet
  })

  it('grades sequences past 75% of their range', () => {
    expect([gradeSequence(0.75), gradeSequence(0.7501), gradeSequence(0.99)]).toEqual(['ok', 'warn', 'warn'])
  })

  it('grades certificates: expired fails, under 30 days warns', () => {
    expect([gradeCertificate(-1), gradeCertificate(0), gradeCertificate(29), gradeCertificate(30)]).toEqual(['fail', 'warn', 'warn', 'ok'])
  })

  it('warns when capacity touched the maximum, with the share of minutes', () => {
    expect(gradeCeiling([0.5, 0.5, 1, 1], 1)).toEqual({share: 0.5, status: 'warn'})
    expect(gradeCeiling([0.5, 2, 3.5], 4)).toEqual({share: 0, status: 'ok'})
    expect(gradeCeiling([], 4)).toEqual({share: 0, status: 'ok'})
  })

  it('tells private addresses from public ones', () => {
    expect(
      ['10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.1', '127.0.0.1', '100.64.0.1', '::1', 'fd00::1'].every((address) =>
        isPrivateAddress(address),
      ),
    ).toBe(true)
    expect(['172.32.0.1', '8.8.8.8', '54.1.2.3', '2600::1'].some((address) => isPrivateAddress(address))).toBe(false)
  })

  it('matches CIDRs for security group rules', () => {
    expect(cidrContains('10.0.0.0/16', '10.0.3.0/24')).toBe(true)
    expect(cidrContains('10.0.0.0/16', '10.1.0.0/24')).toBe(false)
    expect(cidrContains('10.0.0.0/24', '10.0.0.0/16')).toBe(false)
    expect(cidrContains('0.0.0.0/0', '203.0.113.7/32')).toBe(true)
  })
})

const check = <Facts = object>(id: string, dependsOn: string[], run: Check<Facts>['run'], timeoutMs = 1000): Check<Facts> => ({
  dependsOn,
  id,
  layer: 'db',
  run,
  timeoutMs,
})
const sleep = (ms: number) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

describe('runChecks', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs independent checks concurrently: every one has started before any finishes', async () => {
    const events: string[] = []
    let allStarted!: () => void
    const gate = new Promise<void>((resolve) => {
      allStarted = resolve
    })
    // Each check waits until all four have started: run one after another, the first would never finish
    // and would fail at its timeout instead.
    const gated = (id: string) =>
      check(id, [], async () => {
        events.push(`start ${id}`)
        if (events.length === 4) allStarted()
        await gate
        events.push(`end ${id}`)
        return ok(id)
      })
    const report = await runChecks([gated('a'), gated('b'), gated('c'), gated('d')], {})
    expect(report.summary.ok).toBe(4)
    expect(events.slice(0, 4).sort()).toEqual(['start a', 'start b', 'start c', 'start d'])
    expect(events.slice(4).sort()).toEqual(['end a', 'end b', 'end c', 'end d'])
  })

  it('skips a check whose dependency did not pass, naming it', async () => {
    const report = await runChecks(
      [
        check('network.tcp', [], async () => fail('refused')),
        check('network.tls', ['network.tcp'], async () => ok('never')),
        check('db.auth', ['network.tls'], async () => ok('never')),
      ],
      {},
    )
    expect(report.checks.map((result) => [result.id, result.status, result.detail])).toEqual([
      ['network.tcp', 'fail', 'refused'],
      ['network.tls', 'skip', 'skipped: network.tcp did not pass'],
      ['db.auth', 'skip', 'skipped: network.tls did not pass'],
    ])
  })

  it('fails a check that overruns its timeout, when that timeout passes', async () => {
    vi.useFakeTimers()
    let report: Awaited<ReturnType<typeof runChecks>> | undefined
    const running = runChecks([check('hangs', [], () => new Promise(() => {}), 200)], {}).then((done) => {
      report = done
    })
    await vi.advanceTimersByTimeAsync(199)
    expect(report).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    await running
    expect(report?.checks[0]).toMatchObject({detail: 'no answer within 200ms', status: 'fail'})
  })

  it('turns a thrown error into a failed check with its first line', async () => {
    const report = await runChecks(
      [
        check('throws', [], async () => {
          throw new Error('boom\nstack')
        }),
      ],
      {},
    )
    expect(report.checks[0]).toMatchObject({detail: 'error: boom', status: 'fail'})
  })

  it('skips, not fails, a check that gave up waiting for a locked table (lock_timeout, SQLSTATE 55P03), pointing at auroractl ps', async () => {
    const report = await runChecks(
      [
        check('locked', [], async () => {
          throw Object.assign(new Error('canceling statement due to lock timeout'), {code: '55P03'})
        }),
      ],
      {},
    )
    expect(report.checks[0]).toMatchObject({status: 'skip'})
    expect(report.checks[0]!.detail).toMatch(/^not graded: a table it reads stayed locked for over 1s/)
    expect(report.checks[0]!.hint).toContain('auroractl ps')
    expect(report.summary).toMatchObject({fail: 0, skip: 1})
  })

  it('names the check a timed-out query sat queued behind on the shared connection, not the network', async () => {
    const facts = new DoctorFacts({} as never, {clusterId: 'c', tcpTimeoutMs: 1000})
    const query = vi.fn(async (sql: string) => {
      if (sql === 'slow') await sleep(400)
      return {rows: [{sql}]}
    })
    vi.spyOn(facts, 'db').mockResolvedValue({query} as never)
    const report = await runChecks(
      [
        check<DoctorFacts>('db.slow', [], async (facts_) => ok(String((await facts_.query('slow')).rows.length)), 1000),
        check<DoctorFacts>('db.queued', [], async (facts_) => ok(String((await facts_.query('quick')).rows.length)), 100),
        check<DoctorFacts>('db.alone', [], async () => new Promise<never>(() => {}), 100),
      ],
      facts,
    )
    const byId = Object.fromEntries(report.checks.map((result) => [result.id, result]))
    expect(byId['db.slow']).toMatchObject({status: 'ok'})
    expect(byId['db.queued']!.status).toBe('fail')
    expect(byId['db.queued']!.detail).toBe("no answer within 100ms: its query was still queued behind db.slow's on the shared connection")
    expect(byId['db.queued']!.hint).toContain('db.slow')
    expect(byId['db.queued']!.hint).not.toContain('network')
    // A check that timed out on its own still points at the network path.
    expect(byId['db.alone']!.hint).toContain('network path')
  })

  it('reports the slowest check', async () => {
    const report = await runChecks(
      [
        check('quick', [], async () => ok('q')),
        check('slow', [], async () => {
          await sleep(120)
          return warn('s')
        }),
      ],
      {},
    )
    expect(report.summary.slowest?.id).toBe('slow')
    expect(report.summary).toMatchObject({fail: 0, ok: 1, skip: 0, warn: 1})
  })
})

describe('the check list and its rendering', () => {
  it('has stable, unique ids in layer.name form', () => {
    expect(new Set(checkIds).size).toBe(checkIds.length)
    for (const id of checkIds) expect(id).toMatch(/^(aws|cluster|network|secret|db|capacity)\.[a-z-]+$/)
    for (const item of allChecks) for (const dependency of item.dependsOn) expect(checkIds).toContain(dependency)
  })

  it('puts the layer with a failure first and shows its hint', async () => {
    const report = await runChecks(
      [
        {...check('aws.credentials', [], async () => ok('account 1')), layer: 'aws'},
        {...check('network.tcp', [], async () => fail('refused', 'Check the port.')), layer: 'network'},
      ],
      {},
    )
    const text = renderDoctorReport(report, createPalette({json: false, noColorFlag: true}))
    expect(text.indexOf('Network')).toBeLessThan(text.indexOf('AWS'))
    expect(text).toContain('✗ fail  network.tcp')
    expect(text).toContain('→ Check the port.')
    expect(text).toMatch(/1 failed, 0 warning\(s\), 1 ok, 0 skipped in \d+ ms/)
  })

  it('prints the hint of a skipped check that carries one (a locked table points at auroractl ps)', async () => {
    const report = await runChecks(
      [
        check('db.bloat', [], async () => {
          throw Object.assign(new Error('canceling statement due to lock timeout'), {code: '55P03'})
        }),
        check('db.auth', [], async () => ok('fine', ['an item'])),
      ],
      {},
    )
    const text = renderDoctorReport(report, createPalette({json: false, noColorFlag: true}))
    expect(text).toMatch(/skip\s+db\.bloat[^\n]*\n\s+→ Find the holder with `auroractl ps`/)
  })
})
