import {execFileSync, spawn} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {loadEndpointMap} from '../../src/lib/endpoint-map.js'
import {listSequences, listTables} from '../../src/lib/migrate/inventory.js'
import {verifyMigration} from '../../src/lib/migrate/verify.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {createPalette} from '../../src/lib/render/colour.js'
import {renderMigrateReport} from '../../src/lib/render/migrate.js'
import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {freePort} from '../../src/lib/sandbox/processes.js'
import {startTestPostgres, type TestPostgres} from '../helpers/postgres-server.js'
import {cliPath, runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

let source: TestPostgres
const fixture = path.join(packageRoot, 'test', 'fixtures', 'migrate-fixture.sql')
const psql = (url: string, ...args: string[]) => execFileSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], {encoding: 'utf8'})

/** The source URL without its password: the password comes from PGPASSWORD, so it is in no process's argv. */
function sourceUrl(database = 'league'): string {
  return `postgresql://postgres@127.0.0.1:${source.port}/${database}?sslmode=disable`
}

function sourceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {...sandboxEnv(), PGPASSWORD: source.password, ...extra}
}

async function targetClient(database: string) {
  const env = sandboxEnv()
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
  return connectWithCredentials(credentials, {caFile: env.PGSSLROOTCERT, database, endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!)})
}

beforeAll(async () => {
  source = await startTestPostgres()
  psql(source.url(), '-c', 'CREATE DATABASE league')
  psql(source.url('league'), '-f', fixture)
  psql(source.url(), '-c', 'CREATE DATABASE bulk')
  psql(source.url('bulk'), '-c', 'CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), payload text)', '-c', "INSERT INTO events (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 300000) g")
}, 120_000)

afterAll(async () => {
  await source?.stop()
})

describe('migrate into the sandbox cluster (real PostgreSQL on both sides, real pg_dump/psql/pg_restore)', () => {
  it.each([
    ['1', 'stream'],
    ['2', 'parallel'],
  ])('copies the hard fixture with --jobs %s (%s) and verifies it clean with count and checksum', async (jobs, copyPath) => {
    const database = `league_j${jobs}_${process.pid}`
    const result = await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--jobs', jobs, '--verify', 'checksum', '--json'], {env: sourceEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({jobs: Number(jobs), path: copyPath, verification: {match: true, mode: 'checksum'}})
    expect(report.verification.tables.map((table: {table: string}) => table.table).sort()).toEqual([
      '"Stats ÄÖ"."Événements"',
      '"league"."games_2024"',
      '"league"."games_2025"',
      '"league"."players"',
      '"league"."teams"',
    ])
    expect(report.verification.tables.every((table: {source: {hash: string}}) => /^-?\d+$/.test(table.source.hash))).toBe(true)
    expect(report.verification.sequences).toEqual(expect.arrayContaining([expect.objectContaining({match: true, sequence: '"league"."ticket_seq"', source: {isCalled: true, lastValue: '4242'}})]))
    expect(report.verification.objects.source).toMatchObject({large_objects: 1, tables: 6, views: 2})
    expect(report.phases).toMatchObject({copySeconds: expect.any(Number), preflightSeconds: expect.any(Number), verifySeconds: expect.any(Number)})

    // Read the target independently.
    const client = await targetClient(database)
    try {
      const {rows} = await client.query(`SELECT (SELECT count(*) FROM league.players)::int AS players, (SELECT count(*) FROM "Stats ÄÖ"."Événements")::int AS events,
        (SELECT players FROM league.rosters WHERE name = 'Team 1')::int AS roster, (SELECT last_value FROM league.players_id_seq)::int AS next_player,
        (SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata LIMIT 1) AS lob`)
      expect(rows[0]).toEqual({events: 2000, lob: 'a large object, copied by pg_dump', next_player: 3005, players: 3000, roster: 100})
    } finally {
      await client.end()
    }
  })

  it('refuses a non-empty target with exit 2 and writes nothing; a dry run creates nothing', async () => {
    const database = `league_busy_${process.pid}`
    expect((await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--verify', 'none'], {env: sourceEnv()})).exitCode).toBe(0)
    const again = await runCli(['migrate', '--from', sourceUrl(), '--to-database', database], {env: sourceEnv()})
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toContain(`database ${database} is not empty; pass --drop-existing`)
    const refusedDrop = await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--drop-existing'], {env: sourceEnv()})
    expect(refusedDrop.exitCode).toBe(2)
    expect(refusedDrop.stderr).toContain(`Pass --confirm ${database} to go ahead.`)

    const dry = await runCli(['migrate', '--from', sourceUrl(), '--to-database', `never_${process.pid}`, '--dry-run', '--json'], {env: sourceEnv()})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({dryRun: true, path: null})
    const client = await targetClient('nbatracker')
    try {
      const {rows} = await client.query('SELECT count(*)::int AS found FROM pg_database WHERE datname = $1', [`never_${process.pid}`])
      expect(rows[0]!.found).toBe(0)
    } finally {
      await client.end()
    }
  })

  it('stays exact while a writer inserts into the source, and shows that a count without the snapshot would not match', async () => {
    const database = `bulk_live_${process.pid}`
    const {default: pg} = await import('pg')
    const writer = new pg.Client({connectionString: source.url('bulk')})
    await writer.connect()
    const state = {writing: true}
    const writes = (async () => {
      while (state.writing) {
         
        await writer.query("INSERT INTO events (payload) SELECT 'live' FROM generate_series(1, 50)")
      }
    })()
    try {
      const result = await runCli(['migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '2', '--json'], {env: sourceEnv()})
      expect(result.exitCode, result.stderr).toBe(0)
      const report = JSON.parse(result.stdout)
      expect(report.verification.match).toBe(true)
      const copied = report.verification.tables[0].target.rows
      state.writing = false
      await writes
      const {rows} = await writer.query('SELECT count(*)::int AS now FROM events')
      // The source moved on during the migration: a plain count now disagrees with the copy.
      expect(rows[0]!.now).toBeGreaterThan(copied)
    } finally {
      state.writing = false
      await writes.catch(() => {})
      await writer.end()
    }
  })

  it('never puts a password on a child process command line', async () => {
    const database = `bulk_argv_${process.pid}`
    const env = sandboxEnv()
    const targetPassword = (await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)).password
    const child = spawn(process.execPath, [cliPath, 'migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '2', '--verify', 'none'], {
      env: {...process.env, ...sourceEnv()},
    })
    const exited = new Promise<null | number>((resolve) => {
      child.on('exit', (code) => resolve(code))
    })
    const seen: string[] = []
    const state = {done: false}
    const finished = exited.finally(() => {
      state.done = true
    })
    while (!state.done) {
      for (const pid of await readdir('/proc').catch(() => [])) {
        if (!/^\d+$/.test(pid)) continue
        const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
        if (/pg_dump|pg_restore|psql|run\.js/.test(commandLine)) seen.push(commandLine.replaceAll('\0', ' '))
      }

      await sleep(20)
    }

    expect(await finished).toBe(0)
    expect(seen.some((line) => line.includes('pg_dump'))).toBe(true)
    expect(seen.some((line) => line.includes('pg_restore'))).toBe(true)
    for (const line of seen) {
      expect(line).not.toContain(source.password)
      expect(line).not.toContain(targetPassword)
    }
  })

  it.each([
    [['--from', 'not a url'], 2, '--from is not a URL'],
    [['--from', 'mysql://u@h/db'], 2, '--from must be a postgresql:// URL'],
    [['--from', 'postgresql://u@127.0.0.1:5432/'], 2, '--from names no database'],
    [['--from', 'postgresql://u@127.0.0.1/db', '--from-secret', 'x'], 2, 'cannot also be provided'],
    [['--from', 'postgresql://u@127.0.0.1/db', '--jobs', '0'], 2, '--jobs: Expected an integer greater than or equal to 1'],
  ])('rejects %j with exit %i', async (args, code, message) => {
    const result = await runCli(['migrate', ...args], {env: sourceEnv()})
    expect(result.exitCode).toBe(code)
    expect(result.stderr).toContain(message)
  })

  it('reports an unreachable source in one line (loopback only)', async () => {
    const port = await freePort()
    const result = await runCli(['migrate', '--from', `postgresql://postgres@127.0.0.1:${port}/league`], {env: sourceEnv()})
    expect(result.exitCode).toBe(1)
    expect(result.stderr.split('\n')[0]).toMatch(new RegExp(`^Error: Cannot connect to postgres@127\\.0\\.0\\.1:${port}/league: .*ECONNREFUSED`))
  })
})

describe('verification finds a difference planted on the target', () => {
  it('names the table whose checksum differs though its count matches, and the report says so', async () => {
    const database = `league_planted_${process.pid}`
    expect((await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--verify', 'none'], {env: sourceEnv()})).exitCode).toBe(0)
    const target = await targetClient(database)
    await target.query(`UPDATE league.players SET "Full Name" = 'Planted' WHERE id = 42`)
    const {default: pg} = await import('pg')
    const sourceClient = new pg.Client({connectionString: source.url('league')})
    await sourceClient.connect()
    try {
      const tables = await listTables(sourceClient)
      const report = await verifyMigration({clients: [sourceClient]}, {clients: [target]}, {
        mode: 'checksum',
        sameMajor: true,
        sequences: await listSequences(sourceClient),
        tables,
      })
      expect(report.match).toBe(false)
      const differing = report.tables.filter((table) => !table.match)
      expect(differing.map((table) => table.table)).toEqual(['"league"."players"'])
      expect(differing[0]!.source.rows).toBe(differing[0]!.target.rows)
      expect(differing[0]!.source.hash).not.toBe(differing[0]!.target.hash)
      const text = renderMigrateReport(
        {dryRun: false, filter: {excludeTables: [], leftOut: [], schemas: [], tables: []}, jobs: 1, path: 'stream', phases: {copySeconds: 1}, preflight: [], source: 's', sourceBytes: 0, tables: 5, target: 't', throughputBytesPerSecond: null, verification: report},
        createPalette({json: false, noColorFlag: true}),
      )
      expect(text).toMatch(/Verification \(checksum\) found differences:\n {2}"league"\."players": source 3000 rows \(hash -?\d+\), target 3000 rows \(hash -?\d+\)/)
      // A count alone would not have seen it.
      const counted = await verifyMigration({clients: [sourceClient]}, {clients: [target]}, {mode: 'count', sameMajor: true, sequences: [], tables})
      expect(counted.tables.every((table) => table.match)).toBe(true)
    } finally {
      await sourceClient.end()
      await target.end()
    }
  })
})

describe('verification at the command line, a secret as the source, and the cross-version hash', () => {
  it('exits 4 and names the table when the copy differs from the source (a generated column computed by a function that is not really immutable)', async () => {
    psql(source.url(), '-c', 'CREATE DATABASE salted', '-c', "ALTER DATABASE salted SET app.salt = 'source'")
    psql(
      source.url('salted'),
      '-c',
      // Declared IMMUTABLE, but it reads a setting that lives on the source database only: pg_dump copies the
      // rows, the target recomputes the generated column, and the data differ while every count matches.
      "CREATE FUNCTION salted(value int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT value || coalesce(current_setting('app.salt', true), '') $$",
      '-c',
      'CREATE TABLE tickets (id int PRIMARY KEY, code text GENERATED ALWAYS AS (salted(id)) STORED)',
      '-c',
      'CREATE TABLE fans (id int PRIMARY KEY, name text)',
      '-c',
      "INSERT INTO tickets (id) SELECT generate_series(1, 500); INSERT INTO fans SELECT g, 'fan ' || g FROM generate_series(1, 100) g",
    )
    const counted = await runCli(['migrate', '--from', sourceUrl('salted'), '--to-database', `salted_count_${process.pid}`, '--json'], {env: sourceEnv()})
    expect(counted.exitCode, counted.stderr).toBe(0)
    expect(JSON.parse(counted.stdout).verification.match).toBe(true)

    const checked = await runCli(['migrate', '--from', sourceUrl('salted'), '--to-database', `salted_sum_${process.pid}`, '--verify', 'checksum'], {env: sourceEnv()})
    expect(checked.exitCode).toBe(4)
    expect(checked.stdout).toMatch(/Verification \(checksum\) found differences:\n {2}"public"\."tickets": source 500 rows \(hash -?\d+\), target 500 rows \(hash -?\d+\)/)
    expect(checked.stdout).not.toContain('"public"."fans":')

    const json = await runCli(['migrate', '--from', sourceUrl('salted'), '--to-database', `salted_json_${process.pid}`, '--verify', 'checksum', '--json'], {env: sourceEnv()})
    expect(json.exitCode).toBe(4)
    const report = JSON.parse(json.stdout)
    expect(report.verification.match).toBe(false)
    expect(report.verification.tables.filter((table: {match: boolean}) => !table.match).map((table: {table: string}) => table.table)).toEqual(['"public"."tickets"'])
  })

  it('reads the source from a Secrets Manager secret (--from-secret) and keeps its password out of the output', async () => {
    const secrets = await sandboxClients().secretsManager()
    const {CreateSecretCommand} = await import('@aws-sdk/client-secrets-manager')
    const secretName = `legacy-league-${process.pid}`
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({dbname: 'league', engine: 'postgres', host: '127.0.0.1', password: source.password, port: source.port, username: 'postgres'}),
      }),
    )
    const database = `league_secret_${process.pid}`
    const result = await runCli(['migrate', '--from-secret', created.ARN!, '--to-database', database, '--json'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({source: `postgres@127.0.0.1:${source.port}/league`, verification: {match: true}})
    expect(report.verification.tables).toHaveLength(5)
    expect(result.stdout + result.stderr).not.toContain(source.password)

    const incomplete = await secrets.send(new CreateSecretCommand({Name: `${secretName}-bare`, SecretString: JSON.stringify({password: 'x', username: 'postgres'})}))
    const refused = await runCli(['migrate', '--from-secret', incomplete.ARN!, '--to-database', `never_secret_${process.pid}`], {env: sandboxEnv()})
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain('has no "host" or "dbname" field; use --from URL.')
  })

  it('matches the fixture with the jsonb row text used across major versions (two PostgreSQL 15 servers: no other major is installable here)', async () => {
    const database = `league_xver_${process.pid}`
    expect((await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--verify', 'none'], {env: sourceEnv()})).exitCode).toBe(0)
    const target = await targetClient(database)
    const {default: pg} = await import('pg')
    const sourceClient = new pg.Client({connectionString: source.url('league')})
    await sourceClient.connect()
    try {
      const tables = await listTables(sourceClient)
      const options = {mode: 'checksum' as const, sequences: [], tables}
      const crossVersion = await verifyMigration({clients: [sourceClient]}, {clients: [target]}, {...options, sameMajor: false})
      expect(crossVersion.tables.map((table) => table.match)).toEqual(tables.map(() => true))
      const typed = await verifyMigration({clients: [sourceClient]}, {clients: [target]}, {...options, sameMajor: true})
      // The two ways hash different things: the fallback is a separate code path, not the same query twice.
      expect(typed.tables.map((table) => table.source.hash)).not.toEqual(crossVersion.tables.map((table) => table.source.hash))
      await target.query(`UPDATE league.players SET "Full Name" = 'Planted' WHERE id = 7`)
      const planted = await verifyMigration({clients: [sourceClient]}, {clients: [target]}, {...options, sameMajor: false})
      expect(planted.tables.filter((table) => !table.match).map((table) => table.table)).toEqual(['"league"."players"'])
    } finally {
      await sourceClient.end()
      await target.end()
    }
  })
})

describe('migrate faults', () => {
  it('on Ctrl-C stops the children, drops the partial copy, exits 130 and says what state the target is in', async () => {
    const database = `bulk_interrupted_${process.pid}`
    const child = spawn(process.execPath, [cliPath, 'migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '2'], {
      env: {...process.env, ...sourceEnv(), NO_COLOR: '1'},
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<null | number>((resolve) => {
      child.on('exit', (code) => resolve(code))
    })
    for (let index = 0; index < 400 && !stderr.includes('Copying'); index++) await sleep(10)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain('Interrupted: the copy was stopped.')
    await sleep(500)
    const client = await targetClient('nbatracker')
    try {
      const {rows} = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${database}%`])
      // No scratch copy left behind; the target database itself was created for the copy and is gone too.
      expect(rows).toEqual([])
      const children = (await readdir('/proc')).filter((pid) => /^\d+$/.test(pid))
      const commandLines = await Promise.all(children.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')))
      expect(commandLines.filter((line) => line.includes(database))).toEqual([])
    } finally {
      await client.end()
    }
  })

  it('rolls the target back when pg_dump dies mid-stream, instead of committing the part that arrived', async () => {
    const database = `bulk_cut_${process.pid}`
    const target = await targetClient('nbatracker')
    await target.query(`CREATE DATABASE ${database}`)
    await target.end()
    const {default: pg} = await import('pg')
    const watcher = new pg.Client({connectionString: source.url('bulk')})
    await watcher.connect()
    try {
      const running = runCli(['migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '1', '--json'], {env: sourceEnv()})
      // The dump's own session on the source, once its COPY of events is under way.
      let terminated = false
      for (let index = 0; index < 400 && !terminated; index++) {
         
        const {rows} = await watcher.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'auroractl-migrate' AND query LIKE 'COPY public.events %' AND datname = 'bulk'`,
        )
        terminated = rows.some((row) => row.done)
         
        if (!terminated) await sleep(10)
      }

      expect(terminated).toBe(true)
      const result = await running
      expect(result.exitCode).toBe(1)
      expect(JSON.parse(result.stdout).error.message).toMatch(/^The copy failed \(pg_dump: .*\)\. The target was left as it was/)
      const copy = await targetClient(database)
      try {
        const {rows} = await copy.query(`SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`)
        expect(rows[0]!.tables).toBe(0)
      } finally {
        await copy.end()
      }
    } finally {
      await watcher.end()
    }
  })

  it('fails cleanly when the target server stops mid-restore: non-zero exit, a clear message, no success report', async () => {
    const target = await startTestPostgres()
    try {
      const child = spawn(process.execPath, [cliPath, 'migrate', '--from', sourceUrl('bulk'), '--to', `postgresql://postgres@127.0.0.1:${target.port}/copy?sslmode=disable`, '--jobs', '1', '--json'], {
        env: {...process.env, NO_COLOR: '1', PGPASSWORD: source.password},
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => {
        stdout += chunk
      })
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const exited = new Promise<null | number>((resolve) => {
        child.on('exit', (code) => resolve(code))
      })
      // Both sides use one password here: the test servers were made alike.
      await sleep(100)
      for (let index = 0; index < 100 && !stderr.includes('Copying'); index++) await sleep(50)
      await target.stop()
      const code = await exited
      expect(code).not.toBe(0)
      const output = JSON.parse(stdout)
      expect(output.error.message).toMatch(/copy failed|Cannot connect|terminat|server closed/i)
      expect(output).not.toHaveProperty('verification')
    } finally {
      await target.stop()
    }
  })
})
