import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {DoctorFacts} from '../../src/lib/doctor/facts.js'
import type {Check} from '../../src/lib/doctor/types.js'

import {failsOn, helpTunableChecks, thresholdsWithQueryAge} from '../../src/commands/doctor.js'
import {AuroraError} from '../../src/lib/cli/errors.js'
import {writeFileAtomically} from '../../src/lib/cli/output-path.js'
import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderComparison, renderDoctorReport} from '../../src/lib/cli/render/doctor.js'
import {dbLongQueries, dbLongTransactions} from '../../src/lib/doctor/checks/db.js'
import {dbReplicationSlots} from '../../src/lib/doctor/checks/replication.js'
import {type ComparableReport, compareReports, isUnchanged, statusDirection} from '../../src/lib/doctor/compare.js'
import {gradeReplicationSlot} from '../../src/lib/doctor/grading.js'
import {allChecks, tunableChecks, valueKinds} from '../../src/lib/doctor/index.js'
import {readSavedReport} from '../../src/lib/doctor/saved-report.js'
import {formatThreshold, parseThresholds, parseThresholdValue} from '../../src/lib/doctor/thresholds.js'

const plain = createPalette({json: false, noColorFlag: true})

/** The error a call throws, for asserting its exit code and one-line message. */
function refusal(run: () => unknown): AuroraError {
  try {
    run()
  } catch (error) {
    return error as AuroraError
  }

  throw new Error('expected a refusal')
}

describe('--threshold values', () => {
  it('reads each kind into its stored unit', () => {
    expect(parseThresholdValue('duration', '5m', 'x')).toBe(300)
    expect(parseThresholdValue('duration', '1h30m', 'x')).toBe(5400)
    expect(parseThresholdValue('duration', '1s', 'x')).toBe(1)
    expect(parseThresholdValue('bytes', '500MB', 'x')).toBe(500 * 1024 ** 2)
    expect(parseThresholdValue('bytes', '1GB', 'x')).toBe(1024 ** 3)
    expect(parseThresholdValue('bytes', '1.5gb', 'x')).toBe(1.5 * 1024 ** 3)
    expect(parseThresholdValue('bytes', '0B', 'x')).toBe(0)
    expect(parseThresholdValue('share', '80%', 'x')).toBe(0.8)
    expect(parseThresholdValue('count', '10,000', 'x')).toBe(10_000)
    expect(parseThresholdValue('count', '10_000', 'x')).toBe(10_000)
    expect(parseThresholdValue('count', '10000', 'x')).toBe(10_000)
    expect(() => parseThresholdValue('count', '1,00', 'x')).toThrow(/whole number/)
    expect(() => parseThresholdValue('count', '1,000_000', 'x')).toThrow(/whole number/)
    expect(parseThresholdValue('share', '0.8', 'x')).toBe(0.8)
    expect(parseThresholdValue('share', '100%', 'x')).toBe(1)
    expect(parseThresholdValue('share', '1', 'x')).toBe(1)
    expect(parseThresholdValue('count', '0', 'x')).toBe(0)
    expect(parseThresholdValue('count', '12', 'x')).toBe(12)
  })

  it('refuses what is not of the kind or out of range: exit 2, naming the flag, the id and the form', () => {
    for (const [kind, value, form] of [
      ['duration', 'soon', 'a duration of at least 1s'],
      ['duration', '30', 'a duration of at least 1s'], // no unit: seconds or minutes?
      ['duration', '500ms', 'a duration of at least 1s'],
      ['duration', '0.5s', 'a duration of at least 1s'],
      ['bytes', '500', 'a size with a unit'],
      ['bytes', '1XB', 'a size with a unit'],
      ['bytes', '-1GB', 'a size with a unit'],
      ['share', '0', 'a share above 0 and at most 1'],
      ['share', '0%', 'a share above 0 and at most 1'],
      ['share', '1.5', 'a share above 0 and at most 1'],
      ['share', '120%', 'a share above 0 and at most 1'],
      ['share', 'most', 'a share above 0 and at most 1'],
      ['count', '-1', 'a whole number, 0 or more'],
      ['count', '2.5', 'a whole number, 0 or more'],
      ['count', '', 'a whole number, 0 or more'],
    ] as const) {
      const error = refusal(() => parseThresholdValue(kind, value, '--threshold db.x'))
      expect(error.exitCode, `${kind} ${value}`).toBe(2)
      expect(error.message.startsWith(`--threshold db.x="${value}" is not ${form}`), error.message).toBe(true)
      expect(error.message).not.toContain('\n')
    }
  })

  it('parses repeated ID=VALUE against the tunable checks, refusing unknown, untunable, malformed and repeated ids', () => {
    expect(parseThresholds(['db.long-transactions=5m', 'db.replication-slots=500MB', 'db.sequences=90%'], tunableChecks)).toEqual({
      'db.long-transactions': 300,
      'db.replication-slots': 500 * 1024 ** 2,
      'db.sequences': 0.9,
    })
    expect(parseThresholds([], tunableChecks)).toEqual({})

    const untunable = refusal(() => parseThresholds(['db.auth=5'], tunableChecks))
    expect(untunable.exitCode).toBe(2)
    expect(untunable.message).toContain(
      '--threshold db.auth: no such tunable check; tunable checks: secret.rotation (duration), db.long-queries (duration), ',
    )
    expect(untunable.message).toContain('db.replication-slots (bytes)')
    expect(refusal(() => parseThresholds(['db.nope=1s'], tunableChecks)).message).toContain('--threshold db.nope: no such tunable check')
    expect(refusal(() => parseThresholds(['db.long-transactions'], tunableChecks)).message).toBe(
      '--threshold "db.long-transactions" is not ID=VALUE, e.g. --threshold db.long-transactions=5m.',
    )
    expect(refusal(() => parseThresholds(['=5m'], tunableChecks)).exitCode).toBe(2)
    expect(refusal(() => parseThresholds(['db.long-transactions=5m', 'db.long-transactions=10m'], tunableChecks)).message).toBe(
      '--threshold db.long-transactions is given twice (5m and 10m): give it once.',
    )
    expect(refusal(() => parseThresholds(['db.replication-slots=lots'], tunableChecks)).message).toMatch(
      /^--threshold db.replication-slots="lots" is not a size with a unit/,
    )
  })

  it('prints values as one would type them', () => {
    expect(formatThreshold('duration', 60)).toBe('1m')
    expect(formatThreshold('duration', 5400)).toBe('1h30m')
    expect(formatThreshold('bytes', 1024 ** 3)).toBe('1GB')
    expect(formatThreshold('bytes', 1.5 * 1024 ** 2)).toBe('1.5MB')
    expect(formatThreshold('bytes', 100)).toBe('100B')
    expect(formatThreshold('share', 0.75)).toBe('75%')
    expect(formatThreshold('share', 0.995)).toBe('99.5%')
    expect(formatThreshold('count', 1_234_567)).toBe('1,234,567')
    // What it prints, it reads back.
    for (const check of tunableChecks)
      expect(parseThresholdValue(check.kind, formatThreshold(check.kind, check.default), 'x')).toBe(check.default)
  })

  it('--help lists exactly the checks that declare a threshold, with their declarations', () => {
    expect(helpTunableChecks).toEqual(tunableChecks)
    expect(tunableChecks.map((check) => check.id)).toEqual(
      expect.arrayContaining(['db.long-queries', 'db.idle-in-transaction', 'db.long-transactions', 'db.replication-slots']),
    )
  })

  it('lets --query-age set both session checks, and a --threshold for one of them win', () => {
    expect(thresholdsWithQueryAge({}, undefined)).toEqual({})
    expect(thresholdsWithQueryAge({}, 120)).toEqual({'db.idle-in-transaction': 120, 'db.long-queries': 120})
    expect(thresholdsWithQueryAge({'db.long-queries': 5}, 120)).toEqual({'db.idle-in-transaction': 120, 'db.long-queries': 5})
  })
})

const summary = (fail: number, warn: number) => ({fail, ok: 3, skip: 0, slowest: null, totalMs: 1, warn})

describe('--fail-on', () => {
  it('fails on failures by default, and on warnings too with warn', () => {
    expect([failsOn(summary(0, 0), 'fail'), failsOn(summary(0, 2), 'fail'), failsOn(summary(1, 0), 'fail')]).toEqual([false, false, true])
    expect([failsOn(summary(0, 0), 'warn'), failsOn(summary(0, 2), 'warn'), failsOn(summary(1, 0), 'warn')]).toEqual([false, true, true])
  })

  it('says so under the summary when warnings alone fail the run', () => {
    const report = {
      checks: [{detail: 'slow', id: 'db.long-queries', layer: 'db' as const, ms: 1, status: 'warn' as const}],
      summary: summary(0, 1),
    }
    expect(renderDoctorReport(report, plain, {failOn: 'warn'})).toContain(
      'Failing on warnings (--fail-on warn): 1 check(s) warned, exit 4.',
    )
    expect(renderDoctorReport(report, plain, {failOn: 'fail'})).not.toContain('--fail-on')
  })
})

const report = (checks: ComparableReport['checks'], extra: Partial<ComparableReport> = {}): ComparableReport => ({checks, ...extra})

describe('--compare', () => {
  it('orders statuses: skip is unknown, never better or worse than ok', () => {
    expect(statusDirection('ok', 'warn')).toBe('worse')
    expect(statusDirection('warn', 'fail')).toBe('worse')
    expect(statusDirection('skip', 'fail')).toBe('worse')
    expect(statusDirection('fail', 'warn')).toBe('better')
    expect(statusDirection('warn', 'ok')).toBe('better')
    expect(statusDirection('skip', 'ok')).toBe('same')
    expect(statusDirection('fail', 'skip')).toBe('nowSkipped')
    expect(statusDirection('ok', 'ok')).toBe('same')
  })

  it('finds new problems, recovered checks, moved values, and checks new or gone', () => {
    const saved = report(
      [
        {detail: '1 transaction open', id: 'db.long-transactions', status: 'warn', value: 1},
        {detail: 'fine', id: 'db.replication-slots', status: 'ok', value: 1024},
        {detail: '5 of 100', id: 'db.connections', status: 'ok', value: 0.05},
        {detail: 'ok', id: 'network.tcp', status: 'ok'},
        {detail: 'old', id: 'db.retired', status: 'ok'},
        {detail: 'graded', id: 'db.hit-rate', status: 'warn', value: 0.9},
      ],
      {checkedAt: '2026-01-01T00:00:00.000Z', clusterId: 'c1'},
    )
    const current = report([
      {detail: 'none open', id: 'db.long-transactions', status: 'ok', value: 0},
      {detail: '1 inactive', id: 'db.replication-slots', status: 'fail', value: 2 * 1024 ** 3},
      {detail: '5 of 100', id: 'db.connections', status: 'ok', value: 0.05},
      {detail: 'ok', id: 'network.tcp', status: 'ok'},
      {detail: 'skipped: db.auth did not pass', id: 'db.hit-rate', status: 'skip'},
      {detail: 'new', id: 'db.brand-new', status: 'ok'},
    ])
    const comparison = compareReports(saved, current, {file: 'last.json', valueKinds})
    expect(comparison.against).toEqual({
      auroractlVersion: undefined,
      checkedAt: '2026-01-01T00:00:00.000Z',
      clusterId: 'c1',
      file: 'last.json',
    })
    expect(comparison.worse).toEqual([{after: 'fail', before: 'ok', detail: '1 inactive', id: 'db.replication-slots'}])
    expect(comparison.better).toEqual([{after: 'ok', before: 'warn', detail: 'none open', id: 'db.long-transactions'}])
    expect(comparison.nowSkipped).toEqual([{after: 'skip', before: 'warn', detail: 'skipped: db.auth did not pass', id: 'db.hit-rate'}])
    expect(comparison.moved).toEqual([
      {after: 0, before: 1, id: 'db.long-transactions', kind: 'count'},
      {after: 2 * 1024 ** 3, before: 1024, id: 'db.replication-slots', kind: 'bytes'},
    ])
    expect(comparison.added).toEqual(['db.brand-new'])
    expect(comparison.gone).toEqual(['db.retired'])
    expect(isUnchanged(comparison)).toBe(false)

    const text = renderComparison(comparison, plain)
    expect(text).toContain('Since last.json (checked 2026-01-01T00:00:00.000Z, cluster c1):')
    expect(text).toMatch(/new failure\s+db\.replication-slots\s+ok → fail: 1 inactive/)
    expect(text).toMatch(/recovered\s+db\.long-transactions\s+warn → ok: none open/)
    expect(text).toMatch(/now skipped\s+db\.hit-rate\s+warn → skip/)
    expect(text).toMatch(/moved\s+db\.replication-slots\s+1kB → 2GB/)
    expect(text).toMatch(/new check\s+db\.brand-new/)
    expect(text).toMatch(/gone\s+db\.retired/)
    // Problems come before good news.
    expect(text.indexOf('new failure')).toBeLessThan(text.indexOf('recovered'))
  })

  it('says when nothing changed, ignoring floating-point noise', () => {
    const saved = report([{detail: 'x', id: 'db.connections', status: 'ok', value: 0.1 + 0.2}])
    const comparison = compareReports(saved, report([{detail: 'x', id: 'db.connections', status: 'ok', value: 0.3}]), {file: 'f.json'})
    expect(isUnchanged(comparison)).toBe(true)
    expect(renderComparison(comparison, plain)).toBe('Since f.json: no change (same statuses and values).')
  })

  it('labels warnings that now fail, and failures that only warn now', () => {
    const comparison = compareReports(
      report([
        {detail: '', id: 'a.one', status: 'warn'},
        {detail: '', id: 'a.two', status: 'fail'},
      ]),
      report([
        {detail: 'worse', id: 'a.one', status: 'fail'},
        {detail: 'better', id: 'a.two', status: 'warn'},
      ]),
      {file: 'f'},
    )
    const text = renderComparison(comparison, plain)
    expect(text).toMatch(/now failing\s+a\.one\s+warn → fail/)
    expect(text).toMatch(/improved\s+a\.two\s+fail → warn/)
  })
})

describe('saved reports', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'doctor-saved-'))
  })
  afterAll(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  it('reads a saved report, with or without the metadata --save adds', async () => {
    const file = path.join(dir, 'good.json')
    const document = {
      auroractlVersion: '1.0.0',
      checkedAt: '2026-01-01T00:00:00.000Z',
      checks: [{detail: 'd', id: 'db.auth', layer: 'db', ms: 3, status: 'ok', value: 2}],
      clusterId: 'c1',
      summary: {fail: 0, ok: 1, skip: 0, slowest: null, totalMs: 3, warn: 0},
    }
    await writeFile(file, JSON.stringify(document))
    expect(await readSavedReport(file)).toMatchObject({checks: [{id: 'db.auth', status: 'ok', value: 2}], clusterId: 'c1'})
    await writeFile(file, JSON.stringify({checks: document.checks, summary: document.summary}))
    expect((await readSavedReport(file)).clusterId).toBeUndefined()
  })

  it('refuses a missing file, one that is not JSON, and JSON that is not a doctor report: exit 2, naming --compare', async () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      [path.join(dir, 'missing.json'), undefined, /^--compare .*missing\.json: no such file; nothing was checked\.$/],
      [path.join(dir, 'text.json'), 'not json', /^--compare .*text\.json is not JSON, so not a saved doctor report/],
      [path.join(dir, 'error.json'), JSON.stringify({error: {code: 'AWS'}}), /^--compare .*error\.json is not a doctor report \(checks: /],
      [
        path.join(dir, 'status.json'),
        JSON.stringify({checks: [{detail: '', id: 'a', status: 'great'}], summary: {fail: 0, ok: 0, skip: 0, warn: 0}}),
        /is not a doctor report \(checks\.0\.status: /,
      ],
    ]
    for (const [file, text, message] of cases) {
      if (text !== undefined) await writeFile(file, text)

      const error = (await readSavedReport(file).catch((error_: unknown) => error_)) as AuroraError
      expect(error).toBeInstanceOf(AuroraError)
      expect(error.exitCode).toBe(2)
      expect(error.message).toMatch(message)
      expect(error.hint).toContain('auroractl doctor --save')
    }

    expect(((await readSavedReport(dir).catch((error: unknown) => error)) as AuroraError).message).toMatch(/cannot be read \(EISDIR\)/)
  })

  it('writes whole files, replacing the old one, and leaves no temporary file', async () => {
    const file = path.join(dir, 'atomic.json')
    await writeFile(file, 'old')
    await writeFileAtomically(file, '{"new": true}\n')
    expect(await readFile(file, 'utf8')).toBe('{"new": true}\n')
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
    await expect(writeFileAtomically(path.join(dir, 'no-such-folder', 'x.json'), 'x')).rejects.toThrow(/ENOENT/)
  })
})

/** Facts whose query returns these rows, recording the parameters each query got. */
function factsReturning(rows: object[], thresholds: Record<string, number> = {}) {
  const calls: unknown[][] = []
  const facts = {
    async query(_sql: string, parameters: unknown[] = []) {
      calls.push(parameters)
      return {rows}
    },
    threshold: (check: Check<DoctorFacts>) => thresholds[check.id] ?? check.threshold!.default,
  } as unknown as DoctorFacts
  return {calls, facts}
}

describe('the new database checks, on rows as PostgreSQL returns them', () => {
  it('grades slots: lost or unreserved fail, inactive warns and fails past the limit, a lagging active one warns', () => {
    const limit = 1000
    expect(gradeReplicationSlot({active: true, retainedBytes: 10, walStatus: 'reserved'}, limit)).toBe('ok')
    expect(gradeReplicationSlot({active: true, retainedBytes: 1001, walStatus: 'extended'}, limit)).toBe('warn')
    expect(gradeReplicationSlot({active: false, retainedBytes: 10, walStatus: 'reserved'}, limit)).toBe('warn')
    expect(gradeReplicationSlot({active: false, retainedBytes: null, walStatus: null}, limit)).toBe('warn')
    expect(gradeReplicationSlot({active: false, retainedBytes: 1001, walStatus: 'reserved'}, limit)).toBe('fail')
    expect(gradeReplicationSlot({active: true, retainedBytes: 10, walStatus: 'unreserved'}, limit)).toBe('fail')
    expect(gradeReplicationSlot({active: true, retainedBytes: null, walStatus: 'lost'}, limit)).toBe('fail')
  })

  it('db.replication-slots names each slot that needs attention, with the WAL it holds back, and the command to drop it', async () => {
    const rows = [
      {active: true, database: 'app', name: 'cdc', retained_bytes: '2048', type: 'logical', wal_status: 'reserved'},
      {active: false, database: null, name: 'old_replica', retained_bytes: String(3 * 1024 ** 3), type: 'physical', wal_status: 'extended'},
      {active: false, database: 'app', name: 'forgotten', retained_bytes: '4096', type: 'logical', wal_status: 'reserved'},
    ]
    const outcome = await dbReplicationSlots.run(factsReturning(rows).facts)
    expect(outcome.status).toBe('fail')
    expect(outcome.value).toBe(3 * 1024 ** 3)
    expect(outcome.detail).toBe('2 of 3 replication slot(s) need attention: 2 inactive, 1 holding back over 1GB of WAL')
    expect(outcome.items).toEqual([
      'old_replica (physical, inactive, holds back 3GB of WAL)',
      'forgotten (logical on app, inactive, holds back 4kB of WAL)',
    ])
    expect(outcome.hint).toContain("SELECT pg_drop_replication_slot('old_replica')")
    expect(outcome.hint).toContain('scaling down')

    const inactiveOnly = await dbReplicationSlots.run(factsReturning([rows[2]!]).facts)
    expect(inactiveOnly).toMatchObject({detail: '1 of 1 replication slot(s) need attention: 1 inactive', status: 'warn'})
    const healthy = await dbReplicationSlots.run(factsReturning([rows[0]!]).facts)
    expect(healthy).toMatchObject({detail: '1 replication slot(s), all active, the most WAL held back 2kB', status: 'ok', value: 2048})
    expect(await dbReplicationSlots.run(factsReturning([]).facts)).toEqual({detail: 'no replication slots', status: 'ok', value: 0})
  })

  it('db.long-transactions passes its threshold to the query and lists each session with user, app, state and age', async () => {
    const row = {app: 'billing', pid: 42, query: 'SELECT  1\n', seconds: 95, state: 'idle in transaction', user: 'app'}
    const {calls, facts} = factsReturning([row], {'db.long-transactions': 30})
    const outcome = await dbLongTransactions.run(facts)
    expect(calls).toEqual([[30]])
    expect(outcome).toMatchObject({
      detail: '1 transaction(s) open for over 30s, the oldest for 1m35s',
      items: ['pid 42 (app, app "billing", idle in transaction, open 1m35s): SELECT 1'],
      status: 'warn',
      value: 1,
    })
    expect(outcome.hint).toContain('auroractl ps --min-duration 30s')
    expect(outcome.hint).toContain('auroractl kill PID')
    expect(await dbLongTransactions.run(factsReturning([]).facts)).toMatchObject({
      detail: 'no transaction open for over 1m',
      status: 'ok',
      value: 0,
    })
  })

  it('db.long-queries reads its threshold (default 60 s)', async () => {
    const {calls, facts} = factsReturning([])
    expect(await dbLongQueries.run(facts)).toMatchObject({detail: 'none active for over 1m', status: 'ok', value: 0})
    expect(calls).toEqual([[60]])
  })

  it('every check that reports a value says how to print it', () => {
    for (const id of ['db.connections', 'db.wraparound', 'db.blocking', 'capacity.ceiling', ...tunableChecks.map((check) => check.id)])
      expect(valueKinds[id], id).toBeDefined()
    // The session checks count the sessions past their age threshold.
    expect(['db.long-queries', 'db.long-transactions', 'db.idle-in-transaction'].map((id) => valueKinds[id])).toEqual([
      'count',
      'count',
      'count',
    ])
    expect(valueKinds['db.replication-slots']).toBe('bytes')
    // Without a threshold to borrow a unit from: --compare printed 507904 → 270336 before they declared theirs.
    expect([valueKinds['db.duplicate-indexes'], valueKinds['db.unlogged-tables']]).toEqual(['bytes', 'count'])
    expect(allChecks.filter((check) => check.valueKind === undefined && !check.threshold).map((check) => check.id)).not.toContain(
      'db.connections',
    )
  })
})
