import {readFile} from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {KillOutput} from '../../src/commands/kill.js'
import type {KillAllOutput} from '../../src/commands/killall.js'
import type {LocksOutput} from '../../src/commands/locks.js'
import type {PsOutput} from '../../src/commands/ps.js'
import type {DatabaseCredentials} from '../../src/lib/aws/secrets.js'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {type EndpointMap, loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {startInZeroColumnTerminal} from '../helpers/pty.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * Real trouble in the sandbox's PostgreSQL, made in a database of this file's own: every session it opens is
 * tagged with an application_name starting with `tag`, every command is scoped to the database (and the tag),
 * and only these sessions are asserted on or ended. Other test files share this server.
 */
const tag = `oncall-${process.pid}-${Date.now().toString(36)}`
const database = `oncall_${process.pid}_${Date.now().toString(36)}`
const cluster = 'nba-tracker-dev'

type Session = {client: pg.Client; pid: number}
const opened: pg.Client[] = []
let credentials: DatabaseCredentials
let endpointMap: EndpointMap
let admin: pg.Client
let observer: pg.Client

async function cli<T>(args: string[]): Promise<{exitCode: number; json: T; stderr: string; stdout: string}> {
  const result = await runCli(args, {env: sandboxEnv()})
  let json: T = undefined as T
  if (args.includes('--json') && result.stdout) json = JSON.parse(result.stdout) as T
  return {...result, json}
}

/** A session in the test database as the secret's (non-superuser) user, tagged `app`. */
async function open(app: string): Promise<Session> {
  const client = await connectWithCredentials(credentials, {caFile: sandboxEnv().PGSSLROOTCERT, database, endpointMap})
  client.on('error', () => {})
  opened.push(client)
  await client.query(`SET application_name = '${app}'`)
  const {rows} = await client.query<{pid: number}>('SELECT pg_backend_pid() AS pid')
  return {client, pid: rows[0]!.pid}
}

/** A session of the sandbox's bootstrap superuser (as rdsadmin is on Aurora). */
async function openSuperuser(app: string): Promise<Session> {
  const login = JSON.parse(await readFile(path.join(sandboxEnv().AURORACTL_SANDBOX_DIR!, 'superuser.json'), 'utf8')) as {
    password: string
    port: number
    username: string
  }
  const client = new pg.Client({
    application_name: app,
    database,
    host: '127.0.0.1',
    password: login.password,
    port: login.port,
    user: login.username,
  })
  await client.connect()
  client.on('error', () => {})
  opened.push(client)
  const {rows} = await client.query<{pid: number}>('SELECT pg_backend_pid() AS pid')
  return {client, pid: rows[0]!.pid}
}

/** Waits, up to a deadline, until `check` holds. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`)
    await new Promise((resolve) => {
      setTimeout(resolve, 100)
    })
  }
}

async function alive(pids: number[]): Promise<number[]> {
  const {rows} = await observer.query<{pid: number}>('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) ORDER BY pid', [pids])
  return rows.map((row) => row.pid)
}

const waitingForLock = async (pid: number) =>
  (await observer.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).rows.length > 0

/** Settles within `ms` or rejects: for queries that must finish once their blocker is gone. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    }),
  ])
}

beforeAll(async () => {
  const env = sandboxEnv()
  credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
  endpointMap = await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!)
  admin = await connectWithCredentials(credentials, {caFile: env.PGSSLROOTCERT, endpointMap})
  await admin.query(`CREATE DATABASE ${database}`)
  observer = (await open(`${tag}-observer`)).client
  await observer.query('CREATE TABLE orders (id int PRIMARY KEY, total int)')
  await observer.query('INSERT INTO orders SELECT g, g FROM generate_series(1, 10) g')
})

afterAll(async () => {
  await Promise.all(opened.map((client) => client.end().catch(() => {})))
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {})
    await admin.end()
  }
})

describe('a session holding a lock in an open transaction, a migration waiting on it, and a query queued behind the migration', () => {
  let holder: Session
  let alter: Session
  let reader: Session
  let alterDone: Promise<unknown>
  let readerDone: Promise<unknown>

  beforeAll(async () => {
    holder = await open(`${tag}-holder`)
    await holder.client.query('BEGIN')
    await holder.client.query('SELECT count(*) FROM orders')
    alter = await open(`${tag}-alter`)
    alterDone = alter.client.query('ALTER TABLE orders ADD COLUMN note text')
    alterDone.catch(() => {})
    await until('the ALTER TABLE waits for its lock', () => waitingForLock(alter.pid))
    reader = await open(`${tag}-reader`)
    readerDone = reader.client.query('SELECT count(*) FROM orders')
    readerDone.catch(() => {})
    await until('the SELECT waits behind the ALTER TABLE', () => waitingForLock(reader.pid))
  })

  it('ps shows who blocks whom, the states and the queries', async () => {
    const {exitCode, json} = await cli<PsOutput>(['ps', '--database', database, '--app', `${tag}-*`, '--json'])
    expect(exitCode).toBe(0)
    expect(json.endpoint).toEqual({kind: 'writer'})
    const byPid = new Map(json.sessions.map((session) => [session.pid, session]))
    expect([...byPid.keys()].sort()).toEqual([holder.pid, alter.pid, reader.pid].sort())
    expect(byPid.get(holder.pid)).toMatchObject({
      application: `${tag}-holder`,
      blockedBy: [],
      blocking: [alter.pid],
      database,
      query: 'SELECT count(*) FROM orders',
      state: 'idle in transaction',
      user: credentials.username,
    })
    expect(byPid.get(holder.pid)!.transactionMs).toBeGreaterThan(0)
    expect(byPid.get(alter.pid)).toMatchObject({blockedBy: [holder.pid], blocking: [reader.pid], state: 'active', waitEventType: 'Lock'})
    expect(byPid.get(reader.pid)).toMatchObject({blockedBy: [alter.pid], blocking: [], waitEvent: 'relation'})
    // The observer is idle: hidden, and counted.
    expect(json.hidden.idle).toBeGreaterThanOrEqual(1)

    const human = await cli(['ps', '--database', database, '--app', `${tag}-*`])
    expect(human.exitCode).toBe(0)
    const holderLine = human.stdout.split('\n').find((line) => line.startsWith(`${holder.pid} `))
    expect(holderLine).toMatch(new RegExp(`idle in tx .* ${alter.pid} +SELECT count\\(\\*\\) FROM orders$`))
    for (const line of human.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(120)
    expect(human.stderr).toMatch(/3 sessions on nba-tracker-dev \(the writer\); 1 idle hidden/)
  })

  it('ps filters by state, duration and user', async () => {
    const idle = await cli<PsOutput>(['ps', '--database', database, '--state', 'idle-in-transaction', '--json'])
    expect(idle.json.sessions.map((session) => session.pid)).toEqual([holder.pid])
    const old = await cli<PsOutput>(['ps', '--database', database, '--min-duration', '1h', '--json'])
    expect(old.json.sessions).toEqual([])
    const nobody = await cli<PsOutput>(['ps', '--database', database, '--user', 'nobody-here', '--json'])
    expect(nobody.json.sessions).toEqual([])
    const all = await cli<PsOutput>(['ps', '--database', database, '--all', '--json'])
    expect(all.json.sessions.map((session) => session.application)).toContain(`${tag}-observer`)
  })

  it('locks shows the tree: the holder at the root, the ALTER waiting on it, the SELECT queued behind the ALTER', async () => {
    const {exitCode, json} = await cli<LocksOutput>(['locks', '--database', database, '--json'])
    expect(exitCode).toBe(0)
    expect(json.roots).toHaveLength(1)
    const [root] = json.roots
    expect(root).toMatchObject({blockedCount: 2, cycle: false, depth: 2, pid: holder.pid})
    expect(root!.waiters).toHaveLength(1)
    expect(root!.waiters[0]).toMatchObject({
      pid: alter.pid,
      waitsFor: {blockerModes: ['AccessShareLock'], locktype: 'relation', mode: 'AccessExclusiveLock', relation: 'orders'},
    })
    expect(root!.waiters[0]!.waitsFor!.waitingMs).toBeGreaterThan(0)
    expect(root!.waiters[0]!.waiters[0]).toMatchObject({
      pid: reader.pid,
      waitsFor: {blockerModes: ['waiting for AccessExclusiveLock'], mode: 'AccessShareLock', relation: 'orders'},
    })

    const human = await cli(['locks', '--database', database])
    const lines = human.stdout.split('\n')
    expect(lines[0]).toBe('2 sessions waiting for locks, behind 1 root blocker:')
    expect(lines[2]).toMatch(new RegExp(`^pid ${holder.pid} · ${credentials.username} · ${tag}-holder · idle in transaction for \\S+`))
    expect(lines[3]).toBe('│ blocks 2 sessions (a chain 2 deep) ← kill --root-blocker ends this')
    expect(human.stdout).toMatch(
      new RegExp(`└─ pid ${alter.pid} .*\\n.*waits \\S+ for AccessExclusiveLock on orders; pid ${holder.pid} holds AccessShareLock`),
    )
    expect(human.stdout).toMatch(
      new RegExp(`   └─ pid ${reader.pid} .*\\n.*queued behind pid ${alter.pid}, waiting for AccessExclusiveLock`),
    )
  })

  it('kill --root-blocker refuses without confirmation in a non-interactive run, and ends nothing', async () => {
    const {exitCode, stderr, stdout} = await cli(['kill', '--root-blocker', '--database', database])
    expect(exitCode).toBe(2)
    expect(stderr).toContain(`Hint: Pass --confirm ${cluster} to go ahead.`)
    expect(stdout).toContain(`pid ${holder.pid}`) // it showed what it would end
    expect(await alive([holder.pid, alter.pid, reader.pid])).toEqual([holder.pid, alter.pid, reader.pid].sort((a, b) => a - b))
    const wrong = await cli(['kill', '--root-blocker', '--database', database, '--confirm', 'nba-tracker-prod'])
    expect(wrong.exitCode).toBe(2)
    expect(wrong.stderr).toContain(`--confirm "nba-tracker-prod" does not match "${cluster}"`)
    expect(await alive([holder.pid])).toEqual([holder.pid])
  })

  it('kill --root-blocker ends the holder, and the waiters complete', async () => {
    const started = Date.now()
    const {exitCode, json} = await cli<KillOutput>(['kill', '--root-blocker', '--database', database, '--confirm', cluster, '--json'])
    expect(exitCode).toBe(0)
    expect(json.mode).toBe('terminate')
    expect(json.results).toEqual([{outcome: 'terminated', pid: holder.pid}])
    expect(json.rootBlocker).toMatchObject({blockedCount: 2, pid: holder.pid})
    // Re-listed a moment after: both sessions that waited got their locks.
    expect(json.relief).toEqual({afterMs: 1000, released: 2, stillWaiting: [], waited: 2})
    await within(alterDone, 5000, 'the ALTER TABLE')
    await within(readerDone, 5000, 'the queued SELECT')
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(await alive([holder.pid, alter.pid, reader.pid])).toEqual([alter.pid, reader.pid].sort((a, b) => a - b))
    const {rows} = await observer.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'`)
    expect(rows).toHaveLength(1)
    await expect(holder.client.query('SELECT 1')).rejects.toThrow()

    const none = await cli<KillOutput>(['kill', '--root-blocker', '--database', database, '--confirm', cluster, '--json'])
    expect(none.exitCode).toBe(0)
    expect(none.json).toMatchObject({relief: null, results: [], rootBlocker: null})
  })
})

describe('at a terminal', () => {
  it('kill --root-blocker shows the blocker, asks for the cluster id, and ends it once typed', async () => {
    const holder = await open(`${tag}-tty-holder`)
    await holder.client.query('BEGIN')
    await holder.client.query('LOCK TABLE orders IN SHARE MODE')
    const writer = await open(`${tag}-tty-writer`)
    const update = writer.client.query('UPDATE orders SET total = total + 1 WHERE id = 1')
    update.catch(() => {})
    await until('the UPDATE waits for the lock', () => waitingForLock(writer.pid))

    const terminal = startInZeroColumnTerminal(['kill', '--root-blocker', '--database', database], sandboxEnv())
    try {
      await until('the prompt', async () => terminal.screen().includes(`Type ${cluster} to confirm`), 20_000)
      expect(terminal.screen()).toContain(`pid ${holder.pid} · ${credentials.username} · ${tag}-tty-holder`)
      expect(await alive([holder.pid])).toEqual([holder.pid])
      terminal.script.stdin.write(`${cluster}\r`)
      expect(await terminal.exited).toBe(0)
    } finally {
      terminal.kill()
    }

    expect(terminal.screen()).toMatch(new RegExp(`pid ${holder.pid} +session ended`))
    expect(terminal.screen()).toContain('No longer waiting 1s later: 1 of the 1 session that waited.')
    await within(update, 5000, 'the UPDATE')
    expect(await alive([holder.pid])).toEqual([])
  })
})

describe('killall on idle transactions', () => {
  let idleA: Session
  let idleB: Session
  let plainIdle: Session
  let busy: Session
  let otherApp: Session
  const app = `${tag}-k`

  beforeAll(async () => {
    ;[idleA, idleB, plainIdle, busy, otherApp] = await Promise.all([open(app), open(app), open(app), open(app), open(`${tag}-other`)])
    for (const session of [idleA, idleB, otherApp]) {
      await session.client.query('BEGIN')
      await session.client.query('SELECT 1')
    }

    busy.client.query('SELECT pg_sleep(60)').catch(() => {})
    await until('the idle transactions are over a second old', idleForOverASecond)
  })

  async function idleForOverASecond(): Promise<boolean> {
    const {rows} = await observer.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND state = 'idle in transaction' AND now() - state_change > interval '1.2 seconds'`,
      [[idleA.pid, idleB.pid, otherApp.pid]],
    )
    return rows[0].n === 3
  }

  const filter = ['--idle-in-transaction', '1s', '--app', app, '--database', database]

  it('--dry-run lists exactly the matching sessions and ends none', async () => {
    const {exitCode, json} = await cli<KillAllOutput>(['killall', ...filter, '--dry-run', '--json'])
    expect(exitCode).toBe(0)
    expect(json.dryRun).toBe(true)
    expect(json.results).toEqual([])
    expect(json.sessions.map((session) => session.pid).sort()).toEqual([idleA.pid, idleB.pid].sort())
    const human = await cli(['killall', ...filter, '--dry-run'])
    expect(human.exitCode).toBe(0)
    expect(human.stdout).toContain(`Would end 2 sessions on ${cluster} (the writer):`)

    const everyone = [idleA, idleB, plainIdle, busy, otherApp].map((session) => session.pid).sort((a, b) => a - b)
    expect(await alive(everyone)).toEqual(everyone)
    // Their transactions are still open; a statement in one makes it idle for less than 1s again, until it is not.
    await expect(idleA.client.query('SELECT 2')).resolves.toBeTruthy()
    await until('the idle transactions are over a second old again', idleForOverASecond)
  })

  it('refuses without confirmation when not at a terminal', async () => {
    const {exitCode, stderr} = await cli(['killall', ...filter])
    expect(exitCode).toBe(2)
    expect(stderr).toContain(`Pass --confirm ${cluster} to go ahead.`)
    expect(await alive([idleA.pid, idleB.pid])).toEqual([idleA.pid, idleB.pid].sort((a, b) => a - b))
  })

  it('ends exactly the matching sessions and leaves the others untouched', async () => {
    const {exitCode, json} = await cli<KillAllOutput>(['killall', ...filter, '--confirm', cluster, '--json'])
    expect(exitCode).toBe(0)
    expect(json.results.sort((a, b) => a.pid - b.pid)).toEqual(
      [idleA.pid, idleB.pid].sort((a, b) => a - b).map((pid) => ({outcome: 'terminated', pid})),
    )
    const untouched = [plainIdle, busy, otherApp].map((session) => session.pid).sort((a, b) => a - b)
    expect(await alive([idleA.pid, idleB.pid, ...untouched])).toEqual(untouched)
    await expect(plainIdle.client.query('SELECT 1')).resolves.toBeTruthy()
    await expect(otherApp.client.query('SELECT 1')).resolves.toBeTruthy()
    await expect(idleA.client.query('SELECT 1')).rejects.toThrow()
  })

  it('says so when nothing matches', async () => {
    const {exitCode, json, stderr} = await cli<KillAllOutput>(['killall', ...filter, '--confirm', cluster, '--json'])
    expect(exitCode, stderr).toBe(0)
    expect(json.sessions).toEqual([])
    const human = await cli(['killall', ...filter, '--confirm', cluster])
    expect(human.stdout).toContain('matches: nothing to end.')
  })
})

describe('kill by pid', () => {
  it('cancels a query by default (the session stays), ends the session with --force', async () => {
    const victim = await open(`${tag}-victim`)
    const sleeping = victim.client.query('SELECT pg_sleep(60)')
    sleeping.catch(() => {})
    await until(
      'the sleep runs',
      async () =>
        (await observer.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, [victim.pid])).rows.length > 0,
    )

    const refused = await cli(['kill', String(victim.pid)])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`Refusing to cancel the query of session ${victim.pid}`)
    expect(refused.stderr).toContain(`Pass --confirm ${cluster} to go ahead.`)

    const cancelled = await cli<KillOutput>(['kill', String(victim.pid), '--confirm', cluster, '--json'])
    expect(cancelled.exitCode).toBe(0)
    expect(cancelled.json).toMatchObject({mode: 'cancel', results: [{outcome: 'cancelled', pid: victim.pid}]})
    await expect(within(sleeping, 5000, 'the cancelled sleep')).rejects.toThrow(/canceling statement due to user request/)
    await expect(victim.client.query('SELECT 1')).resolves.toBeTruthy()

    const ended = await cli(['kill', String(victim.pid), '--force', '--confirm', cluster])
    expect(ended.exitCode).toBe(0)
    expect(ended.stdout).toMatch(new RegExp(`pid ${victim.pid} +session ended`))
    expect(await alive([victim.pid])).toEqual([])

    // The pid is gone now: nothing to act on, exit 3.
    const gone = await cli(['kill', String(victim.pid), '--force', '--confirm', cluster])
    expect(gone.exitCode).toBe(3)
    expect(gone.stderr).toContain(`No session with pid ${victim.pid}`)
  })

  it('refuses a superuser session without --include-privileged, and reports the server refusing it with', async () => {
    const superuser = await openSuperuser(`${tag}-su`)
    await superuser.client.query('BEGIN')
    await superuser.client.query('SELECT 1')
    const refused = await cli(['kill', String(superuser.pid), '--force', '--confirm', cluster])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`Error: pid ${superuser.pid} is a superuser session (postgres): refused, nothing was stopped.`)
    expect(refused.stderr).toContain('--include-privileged')

    const dry = await cli<KillAllOutput>(['killall', '--app', `${tag}-su`, '--database', database, '--dry-run', '--json'])
    expect(dry.json.sessions).toEqual([])
    expect(dry.json.refused).toEqual([
      {pid: superuser.pid, reason: 'superuser', text: `pid ${superuser.pid} is a superuser session (postgres)`},
    ])

    // With the opt-in, auroractl asks; the sandbox's master user, like Aurora's, may not end a superuser's session.
    const attempted = await cli<KillOutput>([
      'kill',
      String(superuser.pid),
      '--force',
      '--include-privileged',
      '--confirm',
      cluster,
      '--json',
    ])
    expect(attempted.exitCode).toBe(1)
    expect(attempted.json.results).toEqual([{detail: expect.stringMatching(/superuser/), outcome: 'not-permitted', pid: superuser.pid}])
    expect(await alive([superuser.pid])).toEqual([superuser.pid])
  })

  it("never ends auroractl's own session", async () => {
    const {exitCode, json} = await cli<KillAllOutput>(['killall', '--app', 'auroractl', '--database', database, '--dry-run', '--json'])
    expect(exitCode).toBe(0)
    expect(json.sessions).toEqual([])
    expect(json.refused).toEqual([expect.objectContaining({reason: 'own', text: expect.stringContaining("auroractl's own session")})])
  })
})

describe('where the session commands connect', () => {
  it('--instance reads one instance through the endpoint map; an unknown one is exit 3 with the instances', async () => {
    const holder = await open(`${tag}-instance`)
    await holder.client.query('BEGIN')
    await holder.client.query('SELECT 1')
    const {exitCode, json, stderr} = await cli<PsOutput>([
      'ps',
      '--instance',
      'nba-tracker-dev-reader-1',
      '--database',
      database,
      '--app',
      `${tag}-instance`,
      '--json',
    ])
    expect(exitCode, stderr).toBe(0)
    expect(json.endpoint).toEqual({instanceId: 'nba-tracker-dev-reader-1', kind: 'instance'})
    expect(json.sessions.map((session) => session.pid)).toEqual([holder.pid])
    const reader = await cli<PsOutput>(['ps', '--reader', '--database', database, '--json'])
    expect(reader.json.endpoint).toEqual({kind: 'reader'})

    const unknown = await cli(['ps', '--instance', 'no-such-instance'])
    expect(unknown.exitCode).toBe(3)
    expect(unknown.stderr).toContain('Instance "no-such-instance" is not in cluster nba-tracker-dev.')
    expect(unknown.stderr).toContain('nba-tracker-dev-writer')
  })

  it('refuses bad input with exit 2, naming the flag, before connecting', {timeout: 180_000}, async () => {
    const cases: Array<[string[], string]> = [
      [['ps', '--min-duration', 'soon'], '--min-duration "soon" is not a duration'],
      [['ps', '--state', 'sleeping'], 'Expected --state=sleeping to be one of'],
      [['ps', '--reader', '--instance', 'nba-tracker-dev-writer'], 'cannot also be provided'],
      [['ps', '--instance', 'bad_name'], '--instance "bad_name"'],
      [['locks', '--via', 'nowhere'], '--via "nowhere" is not HOST:PORT'],
      [['kill'], 'Name the sessions to stop'],
      [['kill', 'abc'], 'PID "abc" is not a process id'],
      [['kill', '0'], 'PID "0" is not a process id'],
      [['kill', '123', '--root-blocker'], '--root-blocker finds the session itself'],
      [['kill', '123', '--bogus'], '--bogus'],
      [['kill', '123', '--yes'], '--yes is not accepted'],
      [['killall'], 'killall needs at least one filter'],
      [['killall', '--older-than', '5x'], '--older-than "5x" is not a duration'],
      [['killall', '--idle-in-transaction', '0s'], '--idle-in-transaction "0s" is not a duration'],
      [['killall', '--state', 'napping'], 'Expected --state=napping to be one of'],
    ]
    for (const [args, message] of cases) {
      const result = await runCli(args, {env: {...sandboxEnv(), AURORACTL_ENDPOINT_URL: 'http://127.0.0.1:9'}})
      expect(result.exitCode, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toContain(message)
    }
  })
})
