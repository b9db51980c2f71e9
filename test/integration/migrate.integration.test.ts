import {execFileSync, spawn} from 'node:child_process'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderMigrateReport} from '../../src/lib/cli/render/migrate.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {listSequences, listTables} from '../../src/lib/pg/verification/inventory.js'
import {verifyMigration} from '../../src/lib/pg/verification/verify.js'
import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {freePort} from '../../src/lib/sandbox/processes.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {startTestPostgres, type TestPostgres} from '../helpers/postgres-server.js'
import {cliPath, runCli, startCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

let source: TestPostgres
const fixture = path.join(packageRoot, 'test', 'fixtures', 'migrate-fixture.sql')
const psql = (url: string, ...args: string[]) =>
  execFileSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], {encoding: 'utf8'})

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
  return connectWithCredentials(credentials, {
    caFile: env.PGSSLROOTCERT,
    database,
    endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
  })
}

beforeAll(async () => {
  source = await startTestPostgres()
  psql(source.url(), '-c', 'CREATE DATABASE league')
  psql(source.url('league'), '-f', fixture)
  psql(source.url(), '-c', 'CREATE DATABASE bulk')
  psql(
    source.url('bulk'),
    '-c',
    'CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), payload text)',
    '-c',
    'INSERT INTO events (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 300000) g',
  )
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
    const result = await runCli(
      ['migrate', '--from', sourceUrl(), '--to-database', database, '--jobs', jobs, '--verify', 'checksum', '--json'],
      {env: sourceEnv()},
    )
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
    expect(report.verification.sequences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({match: true, sequence: '"league"."ticket_seq"', source: {isCalled: true, lastValue: '4242'}}),
      ]),
    )
    expect(report.verification.objects.source).toMatchObject({large_objects: 1, tables: 6, views: 2})
    expect(report.phases).toMatchObject({
      copySeconds: expect.any(Number),
      preflightSeconds: expect.any(Number),
      verifySeconds: expect.any(Number),
    })

    // Read the target independently.
    const client = await targetClient(database)
    try {
      const {rows} =
        await client.query(`SELECT (SELECT count(*) FROM league.players)::int AS players, (SELECT count(*) FROM "Stats ÄÖ"."Événements")::int AS events,
        (SELECT players FROM league.rosters WHERE name = 'Team 1')::int AS roster, (SELECT last_value FROM league.players_id_seq)::int AS next_player,
        (SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata LIMIT 1) AS lob`)
      expect(rows[0]).toEqual({events: 2000, lob: 'a large object, copied by pg_dump', next_player: 3005, players: 3000, roster: 100})
    } finally {
      await client.end()
    }
  })

  it('refuses a non-empty target with exit 2 and writes nothing; a dry run creates nothing', async () => {
    const database = `league_busy_${process.pid}`
    expect(
      (await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--verify', 'none'], {env: sourceEnv()})).exitCode,
    ).toBe(0)
    const again = await runCli(['migrate', '--from', sourceUrl(), '--to-database', database], {env: sourceEnv()})
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toContain(`database ${database} is not empty; pass --drop-existing`)
    const refusedDrop = await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--drop-existing'], {env: sourceEnv()})
    expect(refusedDrop.exitCode).toBe(2)
    expect(refusedDrop.stderr).toContain(`Pass --confirm ${database} to go ahead.`)

    const dry = await runCli(['migrate', '--from', sourceUrl(), '--to-database', `never_${process.pid}`, '--dry-run', '--json'], {
      env: sourceEnv(),
    })
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
      const result = await runCli(['migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '2', '--json'], {
        env: sourceEnv(),
      })
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
    const child = spawn(
      process.execPath,
      [cliPath, 'migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '2', '--verify', 'none'],
      {
        env: {...process.env, ...sourceEnv()},
      },
    )
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
    expect(result.stderr.split('\n').filter((line) => line.startsWith('Error:'))).toHaveLength(1)
    expect(result.stderr.split('\n').find((line) => line.startsWith('Error:'))).toMatch(
      new RegExp(`^Error: Cannot connect to postgres@127\\.0\\.0\\.1:${port}/league: .*ECONNREFUSED`),
    )
  })
})

describe('verification finds a difference planted on the target', () => {
  it('names the table whose checksum differs though its count matches, and the report says so', async () => {
    const database = `league_planted_${process.pid}`
    expect(
      (await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--verify', 'none'], {env: sourceEnv()})).exitCode,
    ).toBe(0)
    const target = await targetClient(database)
    await target.query(`UPDATE league.players SET "Full Name" = 'Planted' WHERE id = 42`)
    const {default: pg} = await import('pg')
    const sourceClient = new pg.Client({connectionString: source.url('league')})
    await sourceClient.connect()
    try {
      const tables = await listTables(sourceClient)
      const report = await verifyMigration(
        {clients: [sourceClient]},
        {clients: [target]},
        {
          mode: 'checksum',
          sameMajor: true,
          sequences: await listSequences(sourceClient),
          tables,
        },
      )
      expect(report.match).toBe(false)
      const differing = report.tables.filter((table) => !table.match)
      expect(differing.map((table) => table.table)).toEqual(['"league"."players"'])
      expect(differing[0]!.source.rows).toBe(differing[0]!.target.rows)
      expect(differing[0]!.source.hash).not.toBe(differing[0]!.target.hash)
      const text = renderMigrateReport(
        {
          dryRun: false,
          filter: {excludeTables: [], leftOut: [], schemas: [], tables: []},
          jobs: 1,
          path: 'stream',
          phases: {copySeconds: 1},
          preflight: [],
          source: 's',
          sourceBytes: 0,
          swap: null,
          tables: 5,
          target: 't',
          throughputBytesPerSecond: null,
          verification: report,
        },
        createPalette({json: false, noColorFlag: true}),
      )
      expect(text).toMatch(
        /Verification \(checksum\) found differences:\n {2}"league"\."players": source 3000 rows \(hash -?\d+\), target 3000 rows \(hash -?\d+\)/,
      )
      // A count alone would not have seen it.
      const counted = await verifyMigration(
        {clients: [sourceClient]},
        {clients: [target]},
        {mode: 'count', sameMajor: true, sequences: [], tables},
      )
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
    const counted = await runCli(['migrate', '--from', sourceUrl('salted'), '--to-database', `salted_count_${process.pid}`, '--json'], {
      env: sourceEnv(),
    })
    expect(counted.exitCode, counted.stderr).toBe(0)
    expect(JSON.parse(counted.stdout).verification.match).toBe(true)

    const checked = await runCli(
      ['migrate', '--from', sourceUrl('salted'), '--to-database', `salted_sum_${process.pid}`, '--verify', 'checksum'],
      {env: sourceEnv()},
    )
    expect(checked.exitCode).toBe(4)
    expect(checked.stdout).toMatch(
      /Verification \(checksum\) found differences:\n {2}"public"\."tickets": source 500 rows \(hash -?\d+\), target 500 rows \(hash -?\d+\)/,
    )
    expect(checked.stdout).not.toContain('"public"."fans":')

    const json = await runCli(
      ['migrate', '--from', sourceUrl('salted'), '--to-database', `salted_json_${process.pid}`, '--verify', 'checksum', '--json'],
      {env: sourceEnv()},
    )
    expect(json.exitCode).toBe(4)
    const report = JSON.parse(json.stdout)
    expect(report.verification.match).toBe(false)
    expect(
      report.verification.tables.filter((table: {match: boolean}) => !table.match).map((table: {table: string}) => table.table),
    ).toEqual(['"public"."tickets"'])
  })

  it('reads the source from a Secrets Manager secret (--from-secret) and keeps its password out of the output', async () => {
    const secrets = await sandboxClients().secretsManager()
    const {CreateSecretCommand} = await import('@aws-sdk/client-secrets-manager')
    const secretName = `legacy-league-${process.pid}`
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({
          dbname: 'league',
          engine: 'postgres',
          host: '127.0.0.1',
          password: source.password,
          port: source.port,
          username: 'postgres',
        }),
      }),
    )
    const database = `league_secret_${process.pid}`
    const result = await runCli(['migrate', '--from-secret', created.ARN!, '--to-database', database, '--json'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({source: `postgres@127.0.0.1:${source.port}/league`, verification: {match: true}})
    expect(report.verification.tables).toHaveLength(5)
    expect(result.stdout + result.stderr).not.toContain(source.password)

    const incomplete = await secrets.send(
      new CreateSecretCommand({Name: `${secretName}-bare`, SecretString: JSON.stringify({password: 'x', username: 'postgres'})}),
    )
    const refused = await runCli(['migrate', '--from-secret', incomplete.ARN!, '--to-database', `never_secret_${process.pid}`], {
      env: sandboxEnv(),
    })
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain('has no "host" or "dbname" field; use --from URL.')
  })

  it('matches the fixture with the jsonb row text used across major versions (two PostgreSQL 15 servers: no other major is installable here)', async () => {
    const database = `league_xver_${process.pid}`
    expect(
      (await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--verify', 'none'], {env: sourceEnv()})).exitCode,
    ).toBe(0)
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
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !stderr.includes('Copying');) await sleep(10)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain('Interrupted: the copy was stopped and dropped. The target database')
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
      const running = runCli(['migrate', '--from', sourceUrl('bulk'), '--to-database', database, '--jobs', '1', '--json'], {
        env: sourceEnv(),
      })
      // The dump's own session on the source, once its COPY of events is under way (a deadline, not a count:
      // on a busy machine the CLI takes a while to get there).
      let terminated = false
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !terminated;) {
        const {rows} = await watcher.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'auroractl-migrate' AND query ~* '^COPY .*\\mevents\\M.* TO STDOUT' AND datname = 'bulk'`,
        )
        terminated = rows.some((row) => row.done)

        if (!terminated) await sleep(10)
      }

      expect(terminated).toBe(true)
      const result = await running
      expect(result.exitCode).toBe(1)
      expect(JSON.parse(result.stdout).error.message).toMatch(
        new RegExp(`^The copy failed \\(pg_dump: .*\\)\\. The target database ${database} was not touched`),
      )
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
      const child = spawn(
        process.execPath,
        [
          cliPath,
          'migrate',
          '--from',
          sourceUrl('bulk'),
          '--to',
          `postgresql://postgres@127.0.0.1:${target.port}/copy?sslmode=disable`,
          '--jobs',
          '1',
          '--json',
        ],
        {
          env: {...process.env, AURORACTL_TO_PASSWORD: target.password, NO_COLOR: '1', PGPASSWORD: source.password},
        },
      )
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
      // Stop the target once rows are arriving there (with --json there is no progress to watch).
      const {default: pg} = await import('pg')
      const watcher = new pg.Client({connectionString: target.url()})
      await watcher.connect()
      let copying = false
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !copying;) {
        const {rows} = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_progress_copy WHERE tuples_processed > 0`)
        copying = rows[0]!.n > 0
        if (!copying) await sleep(10)
      }

      await watcher.end()
      expect(copying, stderr).toBe(true)
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

/** A target database holding rows that must survive any failed migration into it. */
async function seedPrecious(database: string): Promise<void> {
  const admin = await targetClient('nbatracker')
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`)
    await admin.query(`CREATE DATABASE "${database}"`)
  } finally {
    await admin.end()
  }

  const client = await targetClient(database)
  try {
    await client.query('CREATE TABLE precious (id int PRIMARY KEY, note text)')
    await client.query(`INSERT INTO precious SELECT g, 'keep me ' || g FROM generate_series(1, 100) g`)
  } finally {
    await client.end()
  }
}

/** What is in the target database now, and which scratch databases named after it exist. */
async function targetState(database: string): Promise<{leftovers: string[]; precious: null | number; tables: string[]}> {
  const admin = await targetClient('nbatracker')
  let leftovers: string[]
  try {
    const {rows} = await admin.query<{datname: string}>(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`, [
      `${database}\\_\\_auroractl%`,
    ])
    leftovers = rows.map((row) => row.datname)
  } finally {
    await admin.end()
  }

  const client = await targetClient(database)
  try {
    const {rows: tables} = await client.query<{name: string}>(
      `SELECT schemaname || '.' || tablename AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    )
    const precious = tables.some((table) => table.name === 'public.precious')
      ? (await client.query<{n: number}>('SELECT count(*)::int AS n FROM precious WHERE note LIKE $1', ['keep me %'])).rows[0]!.n
      : null
    return {leftovers, precious, tables: tables.map((table) => table.name)}
  } finally {
    await client.end()
  }
}

/** Ends the dump's own session on `server` once its COPY of events is under way. */
async function terminateDumpMidCopy(server: TestPostgres): Promise<boolean> {
  const {default: pg} = await import('pg')
  const watcher = new pg.Client({connectionString: server.url('bulk')})
  await watcher.connect()
  try {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const {rows} = await watcher.query(
        `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'auroractl-migrate' AND query ~* '^COPY .*\\mevents\\M.* TO STDOUT' AND datname = 'bulk'`,
      )
      if (rows.some((row) => row.done)) return true
      await sleep(10)
    }

    return false
  } finally {
    await watcher.end()
  }
}

describe('--drop-existing never loses the target: the copy is built aside and swapped in only once verified', () => {
  it.each(['1', '2'])('keeps every original row when the session reading the rows dies mid-copy (--jobs %s)', async (jobs) => {
    const database = `precious_cut_j${jobs}_${process.pid}`
    await seedPrecious(database)
    const running = runCli(
      [
        'migrate',
        '--from',
        sourceUrl('bulk'),
        '--to-database',
        database,
        '--drop-existing',
        '--confirm',
        database,
        '--jobs',
        jobs,
        '--json',
      ],
      {env: sourceEnv()},
    )
    expect(await terminateDumpMidCopy(source)).toBe(true)
    const result = await running
    expect(result.exitCode, result.stderr).toBe(1)
    expect(JSON.parse(result.stdout).error.message).toContain(`The target database ${database} was not touched`)
    expect(await targetState(database)).toEqual({leftovers: [], precious: 100, tables: ['public.precious']})
  })

  it.each(['1', '2'])('keeps every original row when the source server stops mid-copy (--jobs %s)', async (jobs) => {
    const doomed = await startTestPostgres()
    try {
      psql(doomed.url(), '-c', 'CREATE DATABASE bulk')
      psql(
        doomed.url('bulk'),
        '-c',
        'CREATE TABLE events (id bigserial PRIMARY KEY, payload text)',
        '-c',
        'INSERT INTO events (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 300000) g',
      )
      const database = `precious_gone_j${jobs}_${process.pid}`
      await seedPrecious(database)
      const run = startCli(
        [
          'migrate',
          '--from',
          `postgresql://postgres@127.0.0.1:${doomed.port}/bulk?sslmode=disable`,
          '--to-database',
          database,
          '--drop-existing',
          '--confirm',
          database,
          '--jobs',
          jobs,
        ],
        {
          ...sandboxEnv(),
          PGPASSWORD: doomed.password,
        },
      )
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !run.output.stderr.includes('Copying');) await sleep(10)
      expect(run.output.stderr).toContain('Copying')
      await doomed.stop()
      const code = await run.exited
      expect(code, run.output.stderr).toBe(1)
      expect(run.output.stderr).toContain(`The target database ${database} was not touched`)
      expect(await targetState(database)).toEqual({leftovers: [], precious: 100, tables: ['public.precious']})
    } finally {
      await doomed.stop()
    }
  })

  it('keeps the original when the verification finds a difference (exit 4), and says so', async () => {
    psql(source.url(), '-c', 'CREATE DATABASE salted_swap', '-c', "ALTER DATABASE salted_swap SET app.salt = 'source'")
    psql(
      source.url('salted_swap'),
      '-c',
      "CREATE FUNCTION salted(value int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT value || coalesce(current_setting('app.salt', true), '') $$",
      '-c',
      'CREATE TABLE tickets (id int PRIMARY KEY, code text GENERATED ALWAYS AS (salted(id)) STORED)',
      '-c',
      'INSERT INTO tickets (id) SELECT generate_series(1, 50)',
    )
    const database = `precious_mismatch_${process.pid}`
    await seedPrecious(database)
    const result = await runCli(
      [
        'migrate',
        '--from',
        sourceUrl('salted_swap'),
        '--to-database',
        database,
        '--drop-existing',
        '--confirm',
        database,
        '--verify',
        'checksum',
      ],
      {env: sourceEnv()},
    )
    expect(result.exitCode, result.stderr).toBe(4)
    expect(result.stdout).toContain(
      `The copy was not swapped in: database ${database} on the target was left as it was, and the copy was dropped.`,
    )
    expect(await targetState(database)).toEqual({leftovers: [], precious: 100, tables: ['public.precious']})
  })

  it('swaps the verified copy in, dropping the old database, or keeping it with --keep-old', async () => {
    const database = `precious_swap_${process.pid}`
    await seedPrecious(database)
    const kept = await runCli(
      ['migrate', '--from', sourceUrl(), '--to-database', database, '--drop-existing', '--confirm', database, '--keep-old', '--json'],
      {env: sourceEnv()},
    )
    expect(kept.exitCode, kept.stderr).toBe(0)
    const report = JSON.parse(kept.stdout)
    expect(report.swap).toMatchObject({
      oldKeptAs: expect.stringMatching(new RegExp(`^${database}__auroractl_old_\\d{14}$`)),
      replaced: true,
    })
    expect(report.verification.match).toBe(true)
    const now = await targetState(database)
    expect(now.precious).toBeNull()
    expect(now.tables).toContain('league.players')
    expect((await targetState(report.swap.oldKeptAs)).precious).toBe(100)

    // Replacing again without --keep-old drops what it replaces.
    const replaced = await runCli(
      ['migrate', '--from', sourceUrl(), '--to-database', database, '--drop-existing', '--confirm', database, '--jobs', '2', '--json'],
      {env: sourceEnv()},
    )
    expect(replaced.exitCode, replaced.stderr).toBe(0)
    expect(JSON.parse(replaced.stdout).swap).toMatchObject({oldKeptAs: null, replaced: true})
    const admin = await targetClient('nbatracker')
    try {
      const {rows} = await admin.query<{datname: string}>(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`, [
        `${database}%`,
      ])
      expect(rows.map((row) => row.datname)).toEqual([database, report.swap.oldKeptAs])
      await admin.query(`DROP DATABASE "${report.swap.oldKeptAs}"`)
    } finally {
      await admin.end()
    }
  })

  it('keeps the original on SIGTERM mid-copy (exit 130), and a second SIGTERM still removes the work folder', async () => {
    const database = `precious_term_${process.pid}`
    await seedPrecious(database)
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-test-work-'))
    try {
      const run = startCli(
        [
          'migrate',
          '--from',
          sourceUrl('bulk'),
          '--to-database',
          database,
          '--drop-existing',
          '--confirm',
          database,
          '--jobs',
          '2',
          '--work-dir',
          workDir,
        ],
        sourceEnv(),
      )
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !run.output.stderr.includes('Copying');) await sleep(10)
      // The dump is being written into the work folder now.
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && (await readdir(workDir)).length === 0;) await sleep(10)
      expect(await readdir(workDir)).toHaveLength(1)
      run.child.kill('SIGTERM')
      expect(await run.exited).toBe(130)
      expect(run.output.stderr).toContain(`The target database ${database} was not touched`)
      expect(await readdir(workDir)).toEqual([])
      expect(await targetState(database)).toEqual({leftovers: [], precious: 100, tables: ['public.precious']})

      const hurried = startCli(
        [
          'migrate',
          '--from',
          sourceUrl('bulk'),
          '--to-database',
          database,
          '--drop-existing',
          '--confirm',
          database,
          '--jobs',
          '2',
          '--work-dir',
          workDir,
        ],
        sourceEnv(),
      )
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && (await readdir(workDir)).length === 0;) await sleep(10)
      hurried.child.kill('SIGTERM')
      hurried.child.kill('SIGTERM')
      expect(await hurried.exited).toBe(130)
      expect(await readdir(workDir)).toEqual([])
      expect((await targetState(database)).precious).toBe(100)
    } finally {
      await rm(workDir, {force: true, recursive: true})
      const admin = await targetClient('nbatracker')
      // A hard exit cannot drop its scratch database: that is what the next run's preflight names.
      const {rows} = await admin.query<{datname: string}>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `${database}\\_\\_auroractl%`,
      ])
      for (const row of rows) await admin.query(`DROP DATABASE "${row.datname}" WITH (FORCE)`)
      await admin.end()
    }
  })

  it('names scratch databases and removes work folders that a killed run left behind', async () => {
    const database = `precious_leftover_${process.pid}`
    await seedPrecious(database)
    const admin = await targetClient('nbatracker')
    await admin.query(`CREATE DATABASE "${database}__auroractl_new_dead00"`)
    await admin.end()
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-test-work-'))
    // A pid that cannot be running: beyond the kernel's pid_max.
    await mkdir(path.join(workDir, 'auroractl-migrate-99999999-abcdef', 'dump'), {recursive: true})
    try {
      const dry = await runCli(
        ['migrate', '--from', sourceUrl(), '--to-database', database, '--drop-existing', '--dry-run', '--work-dir', workDir, '--json'],
        {env: sourceEnv()},
      )
      expect(dry.exitCode, dry.stderr).toBe(0)
      const items = JSON.parse(dry.stdout).preflight
      expect(items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            detail: expect.stringContaining(`${database}__auroractl_new_dead00 (DROP DATABASE "${database}__auroractl_new_dead00")`),
            id: 'target.leftovers',
            status: 'warn',
          }),
          expect.objectContaining({detail: expect.stringContaining('would remove 1 work folder(s)'), id: 'work-dir'}),
        ]),
      )
      // A dry run changes nothing.
      expect(await readdir(workDir)).toEqual(['auroractl-migrate-99999999-abcdef'])
      const real = await runCli(
        [
          'migrate',
          '--from',
          sourceUrl(),
          '--to-database',
          database,
          '--drop-existing',
          '--confirm',
          database,
          '--verify',
          'none',
          '--work-dir',
          workDir,
        ],
        {env: sourceEnv()},
      )
      expect(real.exitCode, real.stderr).toBe(0)
      expect(real.stdout).toContain('removed 1 work folder(s) a killed run left')
      expect(await readdir(workDir)).toEqual([])
    } finally {
      await rm(workDir, {force: true, recursive: true})
      const cleanup = await targetClient('nbatracker')
      await cleanup.query(`DROP DATABASE IF EXISTS "${database}__auroractl_new_dead00"`)
      await cleanup.end()
    }
  })
})

describe('source TLS with libpq semantics', () => {
  let tlsOnly: TestPostgres
  beforeAll(async () => {
    tlsOnly = await startTestPostgres({hostsslOnly: true})
    psql(`postgresql://postgres:${tlsOnly.password}@127.0.0.1:${tlsOnly.port}/postgres?sslmode=require`, '-c', 'CREATE DATABASE tiny')
    psql(
      `postgresql://postgres:${tlsOnly.password}@127.0.0.1:${tlsOnly.port}/tiny?sslmode=require`,
      '-c',
      'CREATE TABLE t (id int PRIMARY KEY)',
      '-c',
      'INSERT INTO t SELECT generate_series(1, 10)',
    )
  }, 60_000)
  afterAll(async () => {
    await tlsOnly?.stop()
  })

  it('migrates from a server that allows only TLS (hostssl) with no TLS flags: prefer tries TLS first', async () => {
    const database = `tiny_tls_${process.pid}`
    const result = await runCli(
      ['migrate', '--from', `postgresql://postgres@127.0.0.1:${tlsOnly.port}/tiny`, '--to-database', database, '--json'],
      {env: {...sandboxEnv(), PGPASSWORD: tlsOnly.password}},
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).verification.tables).toEqual([expect.objectContaining({match: true, target: {hash: null, rows: 10}})])
  })

  it('verifies the chain with --from-sslmode verify-ca and the right CA, for the driver and pg_dump alike', async () => {
    const database = `tiny_ca_${process.pid}`
    const result = await runCli(
      [
        'migrate',
        '--from',
        `postgresql://postgres@127.0.0.1:${tlsOnly.port}/tiny`,
        '--from-sslmode',
        'verify-ca',
        '--from-ca-bundle',
        tlsOnly.caFile,
        '--to-database',
        database,
        '--jobs',
        '2',
        '--json',
      ],
      {env: {...sandboxEnv(), PGPASSWORD: tlsOnly.password}},
    )
    expect(result.exitCode, result.stderr).toBe(0)
  })

  it('refuses a certificate from another CA with verify-full before anything is copied (URL parameters honoured too)', async () => {
    const database = `tiny_wrongca_${process.pid}`
    const wrongCa = sandboxEnv().PGSSLROOTCERT!
    for (const from of [
      ['--from', `postgresql://postgres@127.0.0.1:${tlsOnly.port}/tiny`, '--from-sslmode', 'verify-full', '--from-ca-bundle', wrongCa],
      ['--from', `postgresql://postgres@127.0.0.1:${tlsOnly.port}/tiny?sslmode=verify-full&sslrootcert=${encodeURIComponent(wrongCa)}`],
      // No CA named: the default trust (the RDS CAs and the system store) does not know this server's CA either.
      ['--from', `postgresql://postgres@127.0.0.1:${tlsOnly.port}/tiny`, '--from-sslmode', 'verify-full'],
    ]) {
      const result = await runCli(['migrate', ...from, '--to-database', database], {env: {...sandboxEnv(), PGPASSWORD: tlsOnly.password}})
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toMatch(
        /Error: Cannot connect to postgres@127\.0\.0\.1:\d+\/tiny: its TLS certificate was not accepted \(sslmode verify-full\).*No password was sent\./,
      )
      expect(result.stderr).not.toContain(tlsOnly.password)
    }

    const admin = await targetClient('nbatracker')
    try {
      const {rows} = await admin.query('SELECT count(*)::int AS found FROM pg_database WHERE datname LIKE $1', [`${database}%`])
      expect(rows[0]!.found).toBe(0)
    } finally {
      await admin.end()
    }
  })
})

describe('no password escapes', () => {
  it('refuses a password inside a URL flag, and never echoes one in an error', async () => {
    const inUrl = await runCli(['migrate', '--from', 'postgresql://app:hunter2@127.0.0.1/db'], {env: sourceEnv()})
    expect(inUrl.exitCode).toBe(2)
    expect(inUrl.stderr).toContain('--from holds a password')
    expect(inUrl.stderr).toContain('PGPASSWORD')
    const toUrl = await runCli(
      ['migrate', '--from', 'postgresql://app@127.0.0.1/db', '--to', 'postgresql://app:hunter2@127.0.0.1/db', '--json'],
      {env: sourceEnv()},
    )
    expect(toUrl.exitCode).toBe(2)
    expect(JSON.parse(toUrl.stdout).error.message).toContain('--to holds a password')
    // A stray argument: oclif's own message quotes it.
    const stray = await runCli(['migrate', '--from', 'postgresql://app@127.0.0.1/db', 'postgresql://app:hunter2@127.0.0.1/db'], {
      env: sourceEnv(),
    })
    expect(stray.exitCode).toBe(2)
    expect(stray.stderr).toContain('Unexpected argument')
    for (const output of [inUrl, toUrl, stray]) expect(output.stdout + output.stderr).not.toContain('hunter2')
  })

  it("never offers the source's PGPASSWORD to a --to server: each side logs in with its own password only", async () => {
    const target = await startTestPostgres()
    try {
      // Same password on both servers: a target that got the source's PGPASSWORD would let it in.
      psql(target.url(), '-c', `ALTER ROLE postgres PASSWORD '${source.password}'`)
      const to = `postgresql://postgres@127.0.0.1:${target.port}/copy?sslmode=disable`
      const shared = await runCli(['migrate', '--from', sourceUrl('league'), '--to', to, '--verify', 'none'], {
        env: {PGPASSWORD: source.password},
      })
      expect(shared.exitCode).toBe(1)
      expect(shared.stderr).toMatch(
        /Cannot connect to postgres@127\.0\.0\.1:\d+\/postgres: the server asks for a password, and none was given for this side\./,
      )

      const passfile = path.join(await mkdtemp(path.join(os.tmpdir(), 'auroractl-pgpass-')), 'pgpass')
      await writeFile(passfile, `127.0.0.1:${target.port}:*:postgres:${source.password}\n`, {mode: 0o600})
      const fromPassfile = await runCli(
        ['migrate', '--from', sourceUrl('league'), '--to', to, '--verify', 'count', '--jobs', '2', '--json'],
        {env: {PGPASSFILE: passfile, PGPASSWORD: source.password}},
      )
      expect(fromPassfile.exitCode, fromPassfile.stderr).toBe(0)
      expect(JSON.parse(fromPassfile.stdout).verification.match).toBe(true)
      await rm(path.dirname(passfile), {force: true, recursive: true})

      const fromVariable = await runCli(
        ['migrate', '--from', sourceUrl('league'), '--to', `${to.replace('/copy', '/copy2')}`, '--verify', 'none'],
        {
          env: {AURORACTL_TO_PASSWORD: source.password, PGPASSWORD: source.password},
        },
      )
      expect(fromVariable.exitCode, fromVariable.stderr).toBe(0)
    } finally {
      await target.stop()
    }
  })

  it('--jobs 2 with count verification: counts from the COPYs, a split table, a table psql cannot name left to pg_restore, sequences and a populated materialized view', async () => {
    psql(source.url(), '-c', 'CREATE DATABASE streamed')
    psql(source.url('streamed'), '-f', fixture)
    psql(
      source.url('streamed'),
      '-c',
      'CREATE TABLE public.readings (id bigint PRIMARY KEY, note text)',
      '-c',
      // About 30 MB of heap: more than its share of two jobs and than --split-tables-larger-than 16MB, so it is split in two.
      "INSERT INTO public.readings SELECT g, repeat('r', 120) FROM generate_series(1, 200000) g",
      '-c',
      'CREATE TABLE public."two\nlines" (id int PRIMARY KEY, "a\rb" text)',
      '-c',
      `INSERT INTO public."two\nlines" SELECT g, 'x' FROM generate_series(1, 7) g`,
    )
    const database = `streamed_${process.pid}`
    const result = await runCli(
      [
        'migrate',
        '--from',
        sourceUrl('streamed'),
        '--to-database',
        database,
        '--jobs',
        '2',
        '--split-tables-larger-than',
        '16MB',
        '--json',
      ],
      {env: sourceEnv()},
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({jobs: 2, path: 'parallel', verification: {match: true, mode: 'count'}})
    const rowsOf = (name: string) => report.verification.tables.find((table: {table: string}) => table.table === name)
    expect(rowsOf('"public"."readings"')).toMatchObject({match: true, source: {rows: 200_000}, target: {rows: 200_000}})
    expect(rowsOf('"public"."two\nlines"')).toMatchObject({match: true, source: {rows: 7}, target: {rows: 7}})
    expect(report.verification.sequences).toEqual(
      expect.arrayContaining([expect.objectContaining({match: true, sequence: '"league"."ticket_seq"'})]),
    )
    const client = await targetClient(database)
    try {
      const {rows} = await client.query(
        `SELECT (SELECT count(*) FROM public.readings)::int AS readings, (SELECT sum(id) FROM public.readings)::text AS ids,
                (SELECT count(*) FROM public."two\nlines")::int AS odd, (SELECT sum(games) FROM league.season_totals)::int AS totals,
                (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects`,
      )
      expect(rows[0]).toEqual({
        ids: String((200_000 * 200_001) / 2),
        large_objects: 1,
        odd: 7,
        readings: 200_000,
        totals: expect.any(Number),
      })
      expect(rows[0]!.totals).toBeGreaterThan(0)
    } finally {
      await client.end()
    }
  })

  it('restores into a database whose name holds "=" (passed to pg_restore so libpq cannot read it as a connection string)', async () => {
    const database = `odd=name ${process.pid}`
    const result = await runCli(['migrate', '--from', sourceUrl(), '--to-database', database, '--jobs', '2', '--json'], {env: sourceEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).verification.match).toBe(true)
    expect((await targetState(database)).tables).toContain('league.players')
  })

  it('refuses a --work-dir that is not a writable folder, before connecting anywhere', async () => {
    const result = await runCli(['migrate', '--from', sourceUrl(), '--work-dir', '/no/such/dir'], {env: sourceEnv()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('--work-dir /no/such/dir is not a folder you can write to')
  })

  it.each([
    [['--keep-old'], '--keep-old keeps the database --drop-existing replaces'],
    [['--from-ca-bundle', '/no/such/ca.pem'], '--from-ca-bundle /no/such/ca.pem cannot be read'],
    [['--from-sslmode', 'maybe'], 'Expected --from-sslmode=maybe to be one of'],
    [['--tls', 'maybe'], 'Expected --tls=maybe to be one of'],
    [
      ['--split-tables-larger-than', '1GiB'],
      '--split-tables-larger-than "1GiB" is not a size: use a number and a unit, e.g. 512MB, 1GB, 2TB.',
    ],
    [['--split-tables-larger-than', '1MB'], '--split-tables-larger-than "1MB" must be from 16MB to 16TB.'],
    [['--split-tables-larger-than='], '--split-tables-larger-than "" is not a size'],
  ])("refuses the new flags' bad values %j with exit 2, before connecting anywhere", async (args, message) => {
    const result = await runCli(['migrate', '--from', sourceUrl(), ...args], {env: sourceEnv()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(message)
  })
})
