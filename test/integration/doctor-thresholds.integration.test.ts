import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {sandboxPaths} from '../../src/lib/sandbox/paths.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

interface CheckJson {
  detail: string
  hint?: string
  id: string
  items?: string[]
  status: string
  value?: number
}

interface Report {
  auroractlVersion?: string
  checkedAt?: string
  checks: CheckJson[]
  clusterId?: string
  comparison?: {
    better: Array<{after: string; before: string; id: string}>
    moved: Array<{after: number; before: number; id: string}>
    worse: Array<{after: string; before: string; id: string}>
  }
}

// Other test files use the same PostgreSQL at the same time: everything here carries this tag, and every
// assertion about sessions or slots looks only at ours.
const tag = `doctor_thresholds_${process.pid}`
const byId = (report: Report, id: string) => report.checks.find((check) => check.id === id)!
const ours = (check: CheckJson, text: string) => (check.items ?? []).filter((item) => item.includes(text))

async function doctor(args: string[]): Promise<{exitCode: number; report: Report; stderr: string}> {
  const result = await runCli(['doctor', '--json', ...args], {env: sandboxEnv()})
  return {exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr}
}

/** The sandbox's bootstrap superuser: creating replication slots takes the REPLICATION privilege. */
async function superuser(database: string): Promise<pg.Client> {
  const {password, port, username} = JSON.parse(await readFile(sandboxPaths(sandboxEnv()).superuser, 'utf8')) as {
    password: string
    port: number
    username: string
  }
  const client = new pg.Client({application_name: tag, database, host: '127.0.0.1', password, port, user: username})
  await client.connect()
  return client
}

let admin: pg.Client
let database: string
let dir: string

beforeAll(async () => {
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
  database = credentials.dbname ?? 'postgres'
  admin = await superuser(database)
  dir = await mkdtemp(path.join(os.tmpdir(), 'doctor-thresholds-'))
})

afterAll(async () => {
  // Slots pin WAL for the whole shared server: none of ours may outlive this file.
  await admin
    ?.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active`, [`${tag}%`])
    .catch(() => {})
  await admin?.end().catch(() => {})
  if (dir) await rm(dir, {force: true, recursive: true})
})

/** Writes a little WAL, so a slot created before it holds some back. */
async function writeWal(): Promise<void> {
  await admin.query(`CREATE TABLE ${tag}_wal AS SELECT generate_series(1, 1000) AS n`)
  await admin.query(`DROP TABLE ${tag}_wal`)
}

async function dropSlot(name: string): Promise<void> {
  await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [name])
}

describe('doctor --threshold and --fail-on on a long transaction', () => {
  const app = `${tag}_tx`
  let session: Awaited<ReturnType<typeof connectWithCredentials>>

  beforeAll(async () => {
    const env = sandboxEnv()
    const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
    session = await connectWithCredentials(credentials, {
      caFile: env.PGSSLROOTCERT,
      endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    })
    session.on('error', () => {})
    await session.query(`SET application_name = '${app}'`)
    // Open, with no transaction id: it blocks nobody else's work (a logical slot waits for transactions with one).
    await session.query('BEGIN')
    await session.query(`SELECT 1 /* ${app} */`)
    const openedBy = Date.now() + 2500
    await new Promise((resolve) => {
      setTimeout(resolve, openedBy - Date.now())
    })
  })

  afterAll(async () => {
    await session?.end().catch(() => {})
  })

  it('flags it with --threshold db.long-transactions=1s, naming pid, app, state and query, and not with the default (1m)', async () => {
    const tuned = await doctor(['--only', 'db.auth,db.long-transactions', '--threshold', 'db.long-transactions=1s'])
    expect(tuned.exitCode, tuned.stderr).toBe(0) // a warning, not a failure
    const check = byId(tuned.report, 'db.long-transactions')
    expect(check.status).toBe('warn')
    expect(ours(check, app)).toEqual([
      expect.stringMatching(new RegExp(`^pid \\d+ \\(nbatracker, app "${app}", idle in transaction, open \\d+s\\): SELECT 1`)),
    ])
    expect(check.detail).toMatch(/transaction\(s\) open for over 1s/)
    expect(check.hint).toContain('auroractl kill PID')
    expect(check.value).toBeGreaterThanOrEqual(1)

    const byDefault = await doctor(['--only', 'db.auth,db.long-transactions'])
    expect(byDefault.exitCode).toBe(0)
    expect(ours(byId(byDefault.report, 'db.long-transactions'), app)).toEqual([])
    expect(byId(byDefault.report, 'db.long-transactions').detail).toMatch(/over 1m/)
  })

  it('exits 4 with --fail-on warn where the default exits 0, and says why', async () => {
    const args = ['doctor', '--only', 'db.auth,db.long-transactions', '--threshold', 'db.long-transactions=1s']
    const lenient = await runCli(args, {env: sandboxEnv()})
    expect(lenient.exitCode, lenient.stderr).toBe(0)
    const strict = await runCli([...args, '--fail-on', 'warn'], {env: sandboxEnv()})
    expect(strict.exitCode, strict.stderr).toBe(4)
    expect(strict.stdout).toMatch(/! warn\s+db\.long-transactions/)
    expect(strict.stdout).toMatch(/Failing on warnings \(--fail-on warn\): \d+ check\(s\) warned, exit 4\./)
    expect(strict.stderr).toMatch(/warned \(--fail-on warn\)/)
  })
})

describe('doctor on replication slots', () => {
  it('warns about an inactive physical slot that reserves WAL, naming it; fails it past --threshold (exit 4)', async () => {
    const slot = `${tag}_physical`
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot])
    try {
      await writeWal()
      const seen = await doctor(['--only', 'db.auth,db.replication-slots'])
      const check = byId(seen.report, 'db.replication-slots')
      expect(['warn', 'fail']).toContain(check.status)
      expect(ours(check, slot)).toEqual([
        expect.stringMatching(new RegExp(`^${slot} \\(physical, inactive, holds back \\d+(\\.\\d)?[kMG]?B of WAL\\)$`)),
      ])
      expect(check.hint).toContain('pg_drop_replication_slot')
      expect(check.value).toBeGreaterThan(0)

      const strict = await doctor(['--only', 'db.auth,db.replication-slots', '--threshold', 'db.replication-slots=1B'])
      expect(strict.exitCode).toBe(4)
      expect(byId(strict.report, 'db.replication-slots').status).toBe('fail')
      expect(ours(byId(strict.report, 'db.replication-slots'), slot)).toHaveLength(1)
    } finally {
      await dropSlot(slot)
    }
  })

  it('names an inactive logical slot (the sandbox allows logical replication, as Aurora with rds.logical_replication = 1)', async () => {
    const {rows} = await admin.query<{wal_level: string}>('SHOW wal_level')
    expect(rows[0]!.wal_level).toBe('logical')
    const slot = `${tag}_logical`
    // Creating a logical slot waits for transactions that hold a transaction id to end; other files' are short.
    await admin.query(`SET statement_timeout = '30s'`)
    await admin.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot])
    try {
      const {report} = await doctor(['--only', 'db.auth,db.replication-slots'])
      const check = byId(report, 'db.replication-slots')
      expect(['warn', 'fail']).toContain(check.status)
      expect(ours(check, slot)).toEqual([expect.stringMatching(new RegExp(`^${slot} \\(logical on ${database}, inactive, holds back `))])
      expect(check.hint).toMatch(/logical slot keeps the cluster from scaling down/)
    } finally {
      await dropSlot(slot)
      await admin.query('RESET statement_timeout')
    }
  })
})

describe('doctor --save and --compare', () => {
  it('saves the report with its metadata, then shows the check that recovered once the slot is gone', async () => {
    const file = path.join(dir, 'before.json')
    const slot = `${tag}_compare`
    const args = ['--only', 'aws.credentials,cluster.status,network.tcp,db.auth,db.replication-slots']
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot])
    try {
      await writeWal()
      const saved = await runCli(['doctor', ...args, '--save', file], {env: sandboxEnv()})
      expect(saved.exitCode, saved.stderr).toBe(0)
      const document = JSON.parse(await readFile(file, 'utf8')) as Report
      expect(document).toMatchObject({auroractlVersion: expect.any(String), clusterId: 'nba-tracker-dev'})
      expect(Date.parse(document.checkedAt!)).toBeGreaterThan(Date.now() - 120_000)
      expect(ours(byId(document, 'db.replication-slots'), slot)).toHaveLength(1)
      expect(byId(document, 'db.replication-slots').status).toBe('warn')
    } finally {
      await dropSlot(slot)
    }

    // Other files create no slots: with ours gone, the check is ok again.
    const {exitCode, report} = await doctor([...args, '--compare', file])
    expect(exitCode).toBe(0)
    expect(byId(report, 'db.replication-slots').status).toBe('ok')
    expect(report.comparison!.better).toContainEqual(expect.objectContaining({after: 'ok', before: 'warn', id: 'db.replication-slots'}))
    expect(report.comparison!.moved).toContainEqual(expect.objectContaining({after: 0, id: 'db.replication-slots'}))
    expect(report.comparison!.worse).toEqual([])

    // The same in human output, after the report; --save and --compare on one file compare first, then replace it.
    const human = await runCli(['doctor', ...args, '--compare', file, '--save', file], {env: sandboxEnv()})
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toMatch(
      new RegExp(`Since ${file.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)} \\(checked .*, cluster nba-tracker-dev\\):`),
    )
    expect(human.stdout).toMatch(/recovered\s+db\.replication-slots\s+warn → ok/)
    expect(human.stdout.indexOf('Since')).toBeGreaterThan(human.stdout.indexOf('db.replication-slots'))
    expect(byId(JSON.parse(await readFile(file, 'utf8')) as Report, 'db.replication-slots').status).toBe('ok')
  })
})

describe('doctor refuses bad --threshold, --fail-on, --save and --compare values before any check', () => {
  it('exits 2 with a one-line error naming the flag, and runs nothing', async () => {
    const notReport = path.join(dir, 'not-a-report.json')
    await writeFile(notReport, JSON.stringify({error: {code: 'AWS'}}))
    const notJson = path.join(dir, 'not-json.json')
    await writeFile(notJson, 'nope')
    const neverWritten = path.join(dir, 'never.json')
    for (const [args, message] of [
      [
        ['--threshold', 'db.auth=5'],
        /^Error: --threshold db\.auth: no such tunable check; tunable checks: secret\.rotation \(duration\), db\.long-queries \(duration\), .*db\.replication-slots \(bytes\)/,
      ],
      [['--threshold', 'db.long-transactions=soon'], /^Error: --threshold db\.long-transactions="soon" is not a duration of at least 1s/],
      [['--threshold', 'db.replication-slots=500'], /^Error: --threshold db\.replication-slots="500" is not a size with a unit/],
      [['--threshold', 'db.sequences=150%'], /^Error: --threshold db\.sequences="150%" is not a share above 0 and at most 1/],
      [['--threshold', 'db.long-transactions'], /^Error: --threshold "db\.long-transactions" is not ID=VALUE/],
      [['--fail-on', 'sometimes'], /--fail-on/],
      [
        ['--compare', path.join(dir, 'missing.json'), '--save', neverWritten],
        /^Error: --compare .*missing\.json: no such file; nothing was checked\./,
      ],
      [['--compare', notReport], /^Error: --compare .*not-a-report\.json is not a doctor report/],
      [['--compare', notJson], /^Error: --compare .*not-json\.json is not JSON/],
      [['--save', path.join(dir, 'no-such-folder', 'report.json')], /^Error: --save .*: the folder .*no-such-folder does not exist/],
      [['--save', dir], /^Error: --save .* is a folder/],
    ] as const) {
      // An AWS endpoint that refuses every call: had anything run, the error would be another one.

      const result = await runCli(['doctor', ...args], {env: {...sandboxEnv(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr.split('\n')[0], args.join(' ')).toMatch(message)
      expect(result.stderr).not.toContain('Running')
      expect(result.stdout).toBe('')
    }

    expect(existsSync(neverWritten)).toBe(false)
  })
})
