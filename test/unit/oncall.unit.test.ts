import type {Client} from 'pg'

import {DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {GetSecretValueCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../src/lib/aws/clients.js'
import type {LockRow} from '../../src/lib/oncall/locks.js'
import type {Target} from '../../src/lib/target/target.js'

import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderKillResults, renderLockForest, renderRelief, renderSessionTable} from '../../src/lib/cli/render/sessions.js'
import {sessionFilterFrom, stateNames} from '../../src/lib/cli/session-flags.js'
import {chooseRootBlocker, endSessions, endSessionSql, planKill, planKillAll, refusalFor} from '../../src/lib/oncall/kill.js'
import {buildLockForest, waiterPids, waitingUnder} from '../../src/lib/oncall/locks.js'
import {reliefOf} from '../../src/lib/oncall/relief.js'
import {likePattern, type Session, sessionFilterSql, sessionStates, sessionsToShow, toSessions} from '../../src/lib/oncall/sessions.js'
import {resolveClusterConnection} from '../../src/lib/target/cluster-connection.js'

let nextPid = 100
function session(overrides: Partial<Session> = {}): Session {
  const pid = overrides.pid ?? nextPid++
  return {
    application: 'app',
    backendStart: `2026-11-28T03:00:00.${String(pid).padStart(6, '0')}Z`,
    backendType: 'client backend',
    blockedBy: [],
    blocking: [],
    client: '10.0.1.5:5000',
    database: 'nbatracker',
    matches: true,
    pid,
    query: 'SELECT 1',
    queryMs: null,
    state: 'active',
    stateMs: 1000,
    superuser: false,
    transactionMs: null,
    user: 'app',
    waitEvent: null,
    waitEventType: null,
    ...overrides,
  }
}

/** Sessions with `blocking` filled in from `blockedBy`, as toSessions does. */
function linked(list: Session[]): Session[] {
  const byPid = new Map(list.map((item) => [item.pid, item]))
  for (const item of list) for (const holder of item.blockedBy) byPid.get(holder)?.blocking.push(item.pid)
  return list
}

const relationLock = (pid: number, mode: string, granted: boolean, waitingMs: null | number = null): LockRow => ({
  granted,
  locktype: 'relation',
  mode,
  object: 'relation:5:16384::::::::',
  pid,
  relation: 'public.orders',
  transaction_id: null,
  waiting_ms: waitingMs,
})

describe('session filters', () => {
  it('turns * into LIKE % and keeps LIKE characters literal', () => {
    expect(likePattern('sidekiq*')).toBe('sidekiq%')
    expect(likePattern(String.raw`50%_off\x`)).toBe(String.raw`50\%\_off\\x`)
  })

  it('builds one condition with numbered parameters, and true without filters', () => {
    expect(sessionFilterSql({}, 1)).toEqual({params: [], sql: 'true'})
    const {params, sql} = sessionFilterSql(
      {apps: ['web*'], database: 'db', idleInTransactionMs: 5000, minDurationMs: 60_000, states: ['idle-in-transaction'], users: ['app']},
      4,
    )
    expect(params).toEqual([
      ['app'],
      ['web%'],
      'db',
      ['idle in transaction'],
      ['idle in transaction', 'idle in transaction (aborted)'],
      5000,
      60_000,
    ])
    for (let index = 4; index <= 10; index++) expect(sql).toContain(`$${index}`)
    expect(sql).not.toContain('$11')
    expect(sql).toContain('a.usename = ANY($4::text[])')
    expect(sql).toContain('a.state_change <= now() - $9')
    expect(sql).toContain("coalesce(a.xact_start, CASE WHEN a.state = 'active' THEN a.query_start END) <= now() - $10")
  })

  it('parses the duration flags, refusing a bad one by name', () => {
    expect(sessionFilterFrom({'idle-in-transaction': '5m', state: ['active'], user: ['app']})).toMatchObject({
      idleInTransactionMs: 300_000,
      states: ['active'],
      users: ['app'],
    })
    expect(sessionFilterFrom({'min-duration': '5s'}).minDurationMs).toBe(5000)
    expect(() => sessionFilterFrom({'older-than': 'soon'})).toThrow(/--older-than "soon" is not a duration/)
    expect(() => sessionFilterFrom({'idle-in-transaction': '0.5s'})).toThrow(/--idle-in-transaction "0.5s" must be from 1s/)
  })

  it('offers exactly the states the server knows', () => {
    expect([...stateNames].sort()).toEqual(Object.keys(sessionStates).sort())
  })
})

describe('sessions', () => {
  it('fills in whom each blocks, and names the client', () => {
    const row = {
      application: 'web',
      backend_start: '2026-11-28T03:00:00.000001Z',
      backend_type: 'client backend',
      blocked_by: [] as number[],
      client_addr: '10.0.0.1',
      client_port: 5000,
      database: 'db',
      matches: true,
      query: 'SELECT 1',
      query_ms: '1500',
      state: 'active',
      state_ms: '1500',
      superuser: false,
      transaction_ms: '2000',
      user: 'app',
      wait_event: null,
      wait_event_type: null,
    }
    const sessions = toSessions([
      {...row, pid: 1},
      {...row, blocked_by: [1], client_addr: null, client_port: -1, pid: 2},
      {...row, blocked_by: [1], client_addr: null, client_port: null, pid: 3},
    ])
    expect(sessions.map((item) => item.pid)).toEqual([1, 2, 3])
    expect(sessions[0]).toMatchObject({blocking: [2, 3], client: '10.0.0.1:5000', queryMs: 1500, transactionMs: 2000})
    expect(sessions.map((item) => item.client)).toEqual(['10.0.0.1:5000', 'local', null])
  })

  it('shows what ps shows: no idle sessions or background processes unless asked, blocking ones always', () => {
    const idle = session({state: 'idle'})
    const background = session({backendType: 'autovacuum worker', user: null})
    const active = session()
    const blockingIdle = session({state: 'idle'})
    blockingIdle.blocking.push(active.pid)
    const filteredOut = session({matches: false})
    const all = [idle, background, active, blockingIdle, filteredOut]
    expect(sessionsToShow(all, {all: false, showIdle: false})).toEqual({hidden: {background: 1, idle: 1}, shown: [active, blockingIdle]})
    expect(sessionsToShow(all, {all: false, showIdle: true}).shown).toEqual([idle, active, blockingIdle])
    expect(sessionsToShow(all, {all: true, showIdle: false}).shown).toEqual([idle, background, active, blockingIdle])
  })
})

describe('the blocking forest', () => {
  it('puts a holder at the root, with a direct waiter and two queued behind it (transitively)', () => {
    const holder = session({pid: 1, state: 'idle in transaction', transactionMs: 90_000})
    const alter = session({blockedBy: [1], pid: 2, query: 'ALTER TABLE orders ADD x int'})
    const reader = session({blockedBy: [2], pid: 3})
    const writer = session({blockedBy: [2], pid: 4})
    const bystander = session({pid: 5})
    const locks = [
      relationLock(1, 'AccessShareLock', true),
      relationLock(2, 'AccessExclusiveLock', false, 60_000),
      relationLock(3, 'AccessShareLock', false, 30_000),
      relationLock(4, 'RowExclusiveLock', false, 20_000),
    ]
    const forest = buildLockForest(linked([holder, alter, reader, writer, bystander]), locks)
    expect(forest.blockedSessions).toBe(3)
    expect(forest.roots).toHaveLength(1)
    const [root] = forest.roots
    expect(root).toMatchObject({blockedCount: 3, cycle: false, depth: 2, longestWaitMs: 60_000, pid: 1})
    expect(root!.waiters[0]).toMatchObject({
      pid: 2,
      waitsFor: {blockerModes: ['AccessShareLock'], mode: 'AccessExclusiveLock', relation: 'public.orders', waitingMs: 60_000},
    })
    expect(root!.waiters[0]!.waiters.map((node) => [node.pid, node.waitsFor?.blockerModes])).toEqual([
      [3, ['waiting for AccessExclusiveLock']],
      [4, ['waiting for AccessExclusiveLock']],
    ])
    expect(chooseRootBlocker(forest)?.pid).toBe(1)
  })

  it('ranks roots by chain depth, then by sessions waiting, and --root-blocker takes the first matching', () => {
    const wide = session({pid: 10})
    const deep = session({pid: 20})
    const list = linked([
      wide,
      session({blockedBy: [10], pid: 11}),
      session({blockedBy: [10], pid: 12}),
      session({blockedBy: [10], pid: 13}),
      deep,
      session({blockedBy: [20], pid: 21}),
      session({blockedBy: [21], pid: 22}),
    ])
    const forest = buildLockForest(list, [])
    expect(forest.roots.map((root) => [root.pid, root.depth, root.blockedCount])).toEqual([
      [20, 2, 2],
      [10, 1, 3],
    ])
    deep.matches = false
    expect(chooseRootBlocker(buildLockForest(list, []))?.pid).toBe(10)
  })

  it('shows a session waiting for two holders under both, expanded once', () => {
    const list = linked([session({pid: 1}), session({pid: 2}), session({blockedBy: [1, 2], pid: 3}), session({blockedBy: [3], pid: 4})])
    const forest = buildLockForest(list, [])
    expect(forest.roots.map((root) => root.pid)).toEqual([1, 2])
    expect(forest.roots[0]!.waiters[0]).toMatchObject({pid: 3, waiters: [{pid: 4}]})
    expect(forest.roots[1]!.waiters[0]).toMatchObject({pid: 3, repeated: true, waiters: []})
    expect(waitingUnder(forest.roots)).toBe(2)
    // Both roots have the same chain below them, whichever tree shows it in full.
    expect(forest.roots.map((root) => root.depth)).toEqual([2, 2])
  })

  it('names a wait cycle (a deadlock) from one of its members', () => {
    const list = linked([session({blockedBy: [2], pid: 1}), session({blockedBy: [1], pid: 2}), session({blockedBy: [2], pid: 3})])
    const forest = buildLockForest(list, [])
    expect(forest.roots).toHaveLength(1)
    expect(forest.roots[0]).toMatchObject({cycle: true})
    expect([1, 2]).toContain(forest.roots[0]!.pid)
    expect(forest.blockedSessions).toBe(3)
  })

  it('describes a row lock by the waiter’s tuple lock', () => {
    const list = linked([session({pid: 1}), session({blockedBy: [1], pid: 2})])
    const locks: LockRow[] = [
      {
        ...relationLock(1, 'ExclusiveLock', true),
        locktype: 'transactionid',
        object: 'transactionid:::::::745:::',
        relation: null,
        transaction_id: '745',
      },
      {
        ...relationLock(2, 'ShareLock', false, 4000),
        locktype: 'transactionid',
        object: 'transactionid:::::::745:::',
        relation: null,
        transaction_id: '745',
      },
      {...relationLock(2, 'ExclusiveLock', true), locktype: 'tuple', object: 'tuple:5:16384:0:1:::::', relation: 'public.orders'},
    ]
    const [root] = buildLockForest(list, locks).roots
    expect(root!.waiters[0]!.waitsFor).toMatchObject({
      blockerModes: ['ExclusiveLock'],
      locktype: 'transactionid',
      relation: 'public.orders',
      transactionId: '745',
    })
    const text = renderLockForest(buildLockForest(list, locks), {width: 200})
    expect(text).toContain('waits 4s for a row of public.orders (ShareLock on transaction 745); pid 1 holds ExclusiveLock')
  })
})

describe('what kill and killall refuse', () => {
  const options = {includePrivileged: false, ownPid: 7}

  it('never ends its own session; privileged ones only with --include-privileged', () => {
    const cases: Array<[Session, string | undefined]> = [
      [session({pid: 7}), 'own'],
      [session({backendType: 'walsender'}), 'replication'],
      [session({backendType: 'autovacuum worker'}), 'background'],
      [session({user: 'rdsadmin'}), 'rdsadmin'],
      [session({superuser: true, user: 'postgres'}), 'superuser'],
      [session({user: 'master'}), undefined],
    ]
    for (const [item, reason] of cases) expect(refusalFor(item, options), JSON.stringify(item)).toBe(reason)
    expect(cases.map(([item]) => refusalFor(item, {...options, includePrivileged: true}))).toEqual([
      'own',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })

  it('plans named pids: targets, refusals with why, and pids no session has', () => {
    const sessions = [session({pid: 1}), session({pid: 2, superuser: true, user: 'postgres'})]
    const plan = planKill(sessions, [1, 1, 2, 3, 7], options)
    expect(plan.targets.map((item) => item.pid)).toEqual([1])
    expect(plan.refused).toEqual([
      {pid: 2, reason: 'superuser', text: 'pid 2 is a superuser session (postgres)'},
      {pid: 7, reason: 'own', text: "pid 7 is auroractl's own session"},
    ])
    expect(plan.missing).toEqual([3])
    // Outside --database: as good as missing.
    expect(planKill([session({matches: false, pid: 5})], [5], options).missing).toEqual([5])
  })

  it('plans killall over the sessions passing the filter only, naming its own session when it matches', () => {
    const sessions = [session({pid: 1}), session({matches: false, pid: 2}), session({backendType: 'walsender', pid: 3})]
    const plan = planKillAll({own: session({pid: 7}), ownPid: 7, sessions}, options)
    expect(plan.targets.map((item) => item.pid)).toEqual([1])
    expect(plan.refused.map((item) => [item.pid, item.reason])).toEqual([
      [7, 'own'],
      [3, 'replication'],
    ])
    expect(planKillAll({own: session({matches: false, pid: 7}), ownPid: 7, sessions}, options).refused.map((item) => item.pid)).toEqual([3])
  })
})

/** A pg client answering each statement from a script, recording what it was sent. */
function scriptedClient(answers: Array<Error | Record<string, unknown>[]>) {
  const sent: Array<{params: unknown[]; sql: string}> = []
  const client = {
    async query(sql: string, params: unknown[] = []) {
      sent.push({params, sql})
      const answer = answers.shift()
      if (answer instanceof Error) throw answer
      return {rows: answer ?? []}
    },
  }
  return {client: client as unknown as Client, sent}
}

describe('after the root blocker is ended', () => {
  it('counts the sessions that waited behind it and no longer wait, naming those that still do', () => {
    const before = linked([
      session({pid: 1}),
      session({blockedBy: [1], pid: 2}),
      session({blockedBy: [2], pid: 3}),
      session({blockedBy: [2], pid: 4}),
    ])
    const root = buildLockForest(before, [relationLock(1, 'AccessShareLock', true), relationLock(2, 'AccessExclusiveLock', false)])
      .roots[0]!
    expect(waiterPids([root]).sort()).toEqual([2, 3, 4])
    // pid 2 got its lock and finished (gone), pid 3 runs, pid 4 now waits behind someone else.
    const after = [session({pid: 3}), session({blockedBy: [9], pid: 4}), session({blockedBy: [8], pid: 7})]
    const relief = reliefOf(waiterPids([root]), after, 1000)
    expect(relief).toEqual({afterMs: 1000, released: 2, stillWaiting: [4], waited: 3})
    expect(renderRelief(relief)).toBe(
      'No longer waiting 1s later: 2 of the 3 sessions that waited; still waiting: pid 4 (see `auroractl locks`).',
    )
    expect(renderRelief(reliefOf([2], [], 1000))).toBe('No longer waiting 1s later: 1 of the 1 session that waited.')
  })
})

describe('ending sessions', () => {
  const target = {backendStart: '2026-11-28T03:00:00.000001Z', pid: 42}

  it('reports each outcome: ended, already gone (pid reused or vanished), changed, refused by the server, still running', async () => {
    const denied = Object.assign(new Error('must be a superuser to terminate superuser process'), {code: '42501'})
    const {client} = scriptedClient([
      [{matches: true, same_session: true, signalled: true}],
      [],
      [{matches: true, same_session: false, signalled: null}],
      [{matches: false, same_session: true, signalled: null}],
      denied,
      [{matches: true, same_session: true, signalled: false}],
      [{one: 1}],
    ])
    const results = await endSessions(client, [target, target, target, target, target, target], {
      guard: {kind: 'identity'},
      mode: 'terminate',
      serverVersion: 150_000,
      waitMs: 2000,
    })
    expect(results).toEqual([
      {outcome: 'terminated', pid: 42},
      {outcome: 'already-gone', pid: 42},
      {outcome: 'already-gone', pid: 42},
      {outcome: 'no-longer-matches', pid: 42},
      {detail: 'must be a superuser to terminate superuser process', outcome: 'not-permitted', pid: 42},
      {detail: 'still running 2s after pg_terminate_backend', outcome: 'still-running', pid: 42},
    ])
  })

  it('checks identity and the filter in the statement that signals, numbering the filter after its own parameters', async () => {
    const {client, sent} = scriptedClient([
      [{matches: true, same_session: true, signalled: true}],
      [{matches: true, same_session: true, signalled: true}],
    ])
    await endSessions(client, [target], {guard: {filter: {users: ['app']}, kind: 'filter'}, mode: 'terminate', serverVersion: 150_000})
    expect(sent[0]!.params).toEqual([42, target.backendStart, 5000, ['app']])
    expect(sent[0]!.sql).toContain('pg_terminate_backend(a.pid, $3::bigint)')
    expect(sent[0]!.sql).toContain('a.usename = ANY($4::text[])')
    expect(sent[0]!.sql).toMatch(/CASE WHEN to_char\(a\.backend_start .*\) = \$2 AND \(\(a\.usename = ANY\(\$4::text\[\]\)\)\) THEN/)
    // A cancel takes no wait; the filter's parameters then start at $3.
    await endSessions(client, [target], {guard: {filter: {users: ['app']}, kind: 'filter'}, mode: 'cancel', serverVersion: 150_000})
    expect(sent[1]!.params).toEqual([42, target.backendStart, ['app']])
    expect(sent[1]!.sql).toContain('pg_cancel_backend(a.pid)')
    expect(sent[1]!.sql).toContain('a.usename = ANY($3::text[])')
  })

  it('uses pg_terminate_backend without a wait before PostgreSQL 14, and a blocking guard for the root blocker', () => {
    expect(endSessionSql('terminate', 'true', 130_000)).toContain('pg_terminate_backend(a.pid) END')
    const {client, sent} = scriptedClient([[{matches: true, same_session: true, signalled: true}]])
    return endSessions(client, [target], {guard: {kind: 'blocking'}, mode: 'terminate', serverVersion: 130_000}).then((results) => {
      expect(results).toEqual([{outcome: 'terminated', pid: 42}])
      expect(sent[0]!.params).toEqual([42, target.backendStart])
      expect(sent[0]!.sql).toContain('a.pid = ANY(pg_blocking_pids(w.pid))')
    })
  })
})

describe('rendering', () => {
  it('fits the table to the width, cutting the query on one line', () => {
    const long = session({
      application: 'web',
      pid: 4242,
      query: `SELECT ${'x, '.repeat(100)}\n  FROM t`,
      queryMs: 125_000,
      transactionMs: 130_000,
    })
    const blocked = session({blockedBy: [4242], pid: 4243, waitEvent: 'relation', waitEventType: 'Lock'})
    long.blocking.push(4243, 4244, 4245, 4246)
    for (const width of [60, 80, 120, 200]) {
      const lines = renderSessionTable([long, blocked], {width}).split('\n')
      for (const line of lines) expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width)
      expect(lines[1]).toMatch(/SELECT x, x, .*…$/)
    }

    const text = renderSessionTable([long, blocked], {width: 200})
    expect(text).toContain('2m5s')
    expect(text).toContain('2m10s')
    expect(text).toContain('4243 +3') // four pids do not fit in BLOCKS: the first, and how many more
    expect(text).toMatch(/^4243 .*Lock:relation .*4242 /m)
  })

  it('prints whole queries under the table with --full, without their leading blank lines', () => {
    const text = renderSessionTable([session({pid: 9, query: '\n  \nSELECT a\nFROM t\n'})], {full: true, width: 80})
    expect(text).toContain('pid 9:\n  SELECT a\n  FROM t')
    expect(text.endsWith('  FROM t')).toBe(true)
    expect(text.split('\n')[0]).not.toMatch(/QUERY$/)
  })

  it('still gives up columns with --full on an 80-column terminal', () => {
    const wide = session({
      application: 'a-long-application-name',
      blockedBy: [4243, 4244],
      client: '203.0.113.250:54321',
      pid: 4242,
      query: 'SELECT 1',
      queryMs: 125_000,
      transactionMs: 130_000,
      user: 'a-long-user-name',
      waitEvent: 'transactionid',
      waitEventType: 'Lock',
    })
    const table = renderSessionTable([wide], {full: true, width: 80}).split('\n\n')[0]!
    for (const line of table.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
    expect(table).not.toContain('CLIENT')
    expect(table).toContain('BLOCKED BY')
  })

  it('keeps the lock line whole at 80 columns, folding it; the query line is the one cut', () => {
    const list = linked([
      session({pid: 1, query: `SELECT ${'x, '.repeat(40)} FROM orders`, state: 'idle in transaction', stateMs: 65_000}),
      session({blockedBy: [1], pid: 2, query: `ALTER TABLE orders ADD COLUMN ${'y'.repeat(80)} text`}),
    ])
    const lines = renderLockForest(
      buildLockForest(list, [relationLock(1, 'AccessShareLock', true), relationLock(2, 'AccessExclusiveLock', false, 5000)]),
      {
        width: 80,
      },
    ).split('\n')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80)
    expect(lines[3]).toBe('│ blocks 1 session ← kill --root-blocker ends this')
    expect(lines[4]).toMatch(/^│ SELECT x, .*…$/)
    expect(lines.slice(5, 8)).toEqual([
      '└─ pid 2 · app · app · active',
      '     waits 5s for AccessExclusiveLock on public.orders; pid 1 holds',
      '     AccessShareLock',
    ])
    expect(lines.at(-1)).toMatch(/ALTER TABLE orders ADD COLUMN y+…$/)
  })

  it('draws the tree indented, marking the root blocker', () => {
    const list = linked([
      session({pid: 1, query: 'SELECT * FROM orders', state: 'idle in transaction', stateMs: 65_000}),
      session({blockedBy: [1], pid: 2}),
      session({blockedBy: [2], pid: 3}),
    ])
    const text = renderLockForest(
      buildLockForest(list, [relationLock(1, 'AccessShareLock', true), relationLock(2, 'AccessExclusiveLock', false, 5000)]),
      {width: 160},
    )
    expect(text.split('\n')).toEqual([
      '2 sessions waiting for locks, behind 1 root blocker:',
      '',
      'pid 1 · app · app · idle in transaction for 1m5s',
      '│ blocks 2 sessions (a chain 2 deep) ← kill --root-blocker ends this',
      '│ SELECT * FROM orders',
      '└─ pid 2 · app · app · active',
      '   │ waits 5s for AccessExclusiveLock on public.orders; pid 1 holds AccessShareLock',
      '   │ SELECT 1',
      '   └─ pid 3 · app · app · active',
      '        waits for a lock',
      '        SELECT 1',
    ])
    expect(renderLockForest({blockedSessions: 0, roots: []}, {width: 80})).toBe('No session is waiting for a lock.')
  })

  it('says what happened to each pid', () => {
    const text = renderKillResults(
      [
        {outcome: 'terminated', pid: 1},
        {outcome: 'already-gone', pid: 2},
        {detail: 'permission denied', outcome: 'not-permitted', pid: 3},
      ],
      createPalette({json: true, noColorFlag: true}),
    )
    expect(text.split('\n')).toEqual([
      'pid 1       session ended',
      'pid 2       already gone',
      'pid 3       not permitted: permission denied',
    ])
  })
})

describe('--instance', () => {
  const rdsMock = mockClient(RDSClient)
  const secretsMock = mockClient(SecretsManagerClient)
  const aws = {
    rds: async () => new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'}),
    secretsManager: async () => new SecretsManagerClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'}),
  } as unknown as AwsClients
  const target = {cluster: 'prod', conflicts: [], origins: {}, secret: 'prod-secret', sources: {}} as Target

  beforeEach(() => {
    rdsMock.reset()
    secretsMock.reset()
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'prod',
          Endpoint: 'prod.cluster-x.rds.amazonaws.com',
          Port: 5432,
          ReaderEndpoint: 'prod.cluster-ro-x.rds.amazonaws.com',
        },
      ],
    })
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {DBInstanceIdentifier: 'prod-writer', Endpoint: {Address: 'prod-writer.x.rds.amazonaws.com', Port: 5432}},
        {DBInstanceIdentifier: 'prod-reader-1', Endpoint: {Address: 'prod-reader-1.x.rds.amazonaws.com', Port: 5432}},
      ],
    })
    secretsMock
      .on(GetSecretValueCommand)
      .resolves({SecretString: JSON.stringify({dbname: 'app', host: 'h', password: 'p', port: 5432, username: 'u'})})
  })

  it("connects to the instance's own endpoint, through --via like the cluster's, verifying its name", async () => {
    const connection = await resolveClusterConnection({...target, via: {host: '127.0.0.1', port: 15_432}}, aws, {instance: 'prod-reader-1'})
    expect(connection.address).toEqual({host: '127.0.0.1', port: 15_432, route: 'via', servername: 'prod-reader-1.x.rds.amazonaws.com'})
    expect(connection.endpoint).toEqual({instanceId: 'prod-reader-1', kind: 'instance'})
    const reader = await resolveClusterConnection(target, aws, {reader: true})
    expect(reader.address.servername).toBe('prod.cluster-ro-x.rds.amazonaws.com')
    expect(reader.endpoint).toEqual({kind: 'reader'})
  })

  it('names the instances when the one asked for is not in the cluster (exit 3)', async () => {
    await expect(resolveClusterConnection(target, aws, {instance: 'other'})).rejects.toMatchObject({
      exitCode: 3,
      hint: expect.stringContaining('prod-writer, prod-reader-1'),
      message: 'Instance "other" is not in cluster prod.',
    })
  })
})
