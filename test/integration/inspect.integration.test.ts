import {DescribeDBClustersCommand} from '@aws-sdk/client-rds'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {deleteScratchCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

type Client = Awaited<ReturnType<typeof connectWithCredentials>>

/** A database of our own on the sandbox's server: the fixtures never meet another test file's tables. */
const database = `inspect_${process.pid}`
/** A restored cluster of our own for doctor, which reads the secret's database: the seeded cluster stays green. */
const scratch = `inspect-doctor-${process.pid}`
const mine = ['db.autovacuum', 'db.bloat', 'db.unused-indexes', 'db.duplicate-indexes', 'db.unlogged-tables', 'db.schemas']

async function connect(options: {database?: string; host?: string; port?: number} = {}): Promise<Client> {
  const env = sandboxEnv()
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
  const client = await connectWithCredentials(credentials, {
    caFile: env.PGSSLROOTCERT,
    endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    ...options,
  })
  client.on('error', () => {})
  return client
}

/** Waits until `condition` holds, up to a deadline: statistics reach other sessions about once a second. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => {
      setTimeout(resolve, 250)
    })
  }
}

async function counters(client: Client, table: string): Promise<{dead: number; idx: number; seq: number}> {
  const {rows} = await client.query<{dead: number; idx: number; seq: number}>(
    'SELECT n_dead_tup::int AS dead, coalesce(idx_scan, 0)::int AS idx, seq_scan::int AS seq FROM pg_stat_user_tables WHERE relname = $1',
    [table],
  )
  return rows[0] ?? {dead: 0, idx: 0, seq: 0}
}

/** Runs `inspect ...`; `text` is stdout with the table borders blanked, so columns match `\s+`. */
async function inspect(args: string[], env = sandboxEnv()) {
  const result = await runCli(['inspect', ...args], {env})
  return {
    ...result,
    json: result.exitCode === 0 && args.includes('--json') ? JSON.parse(result.stdout) : undefined,
    text: result.stdout.replaceAll(/[─│┌┐└┘├┤┬┴┼]/g, ' '),
  }
}

/**
 * The situations the reports exist for, made for real: dead rows autovacuum may not touch, a table mostly empty
 * after a delete and a vacuum, an index nothing reads and one twice over, an unlogged table, and a table never
 * analyzed. A multi-statement query runs as one transaction; statistics are flushed on purpose
 * (pg_stat_force_next_flush) before the VACUUM, so the delete's counts do not land after the vacuum's.
 */
async function createFixtures(client: Client, options: {bloatRows: number}): Promise<void> {
  await client.query(`
    CREATE TABLE dead_rows (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);
    INSERT INTO dead_rows SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
    ANALYZE dead_rows;
    DELETE FROM dead_rows WHERE id % 5 <> 0;
    CREATE TABLE bloated (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);
    INSERT INTO bloated SELECT g, repeat('x', 180) FROM generate_series(1, ${options.bloatRows}) g;
    DELETE FROM bloated WHERE id % 5 <> 0;`)
  await client.query('SELECT pg_stat_force_next_flush()')
  await client.query('VACUUM bloated')
  await client.query(`
    ANALYZE bloated;
    CREATE TABLE readings (id int PRIMARY KEY, station text, note text);
    INSERT INTO readings SELECT g, 'station ' || (g % 40), md5(g::text) FROM generate_series(1, 50000) g;
    CREATE INDEX readings_note_idx ON readings (note);
    CREATE INDEX readings_station_a ON readings (station);
    CREATE INDEX readings_station_b ON readings (station);
    ANALYZE readings;
    CREATE UNLOGGED TABLE staging (id int, line text);
    INSERT INTO staging SELECT g, 'line ' || g FROM generate_series(1, 100) g;
    ANALYZE staging;
    CREATE TABLE never_analyzed (id int) WITH (autovacuum_enabled = false);
    INSERT INTO never_analyzed SELECT generate_series(1, 100);
    CREATE TABLE scanned (id int, payload text) WITH (autovacuum_enabled = false);
    INSERT INTO scanned SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
    ANALYZE scanned;`)
  // Reads that go through the primary key, never the other indexes: 1,100 of them, past doctor's 1,000.
  await client.query(Array.from({length: 1100}, (_, n) => `SELECT note FROM readings WHERE id = ${n + 1};`).join('\n'))
  for (let scan = 0; scan < 5; scan++) await client.query('SELECT count(*) FROM scanned')
  await client.query('SELECT pg_stat_force_next_flush()')
  await until(async () => (await counters(client, 'dead_rows')).dead >= 40_000, 'the dead rows to be counted')
  await until(async () => (await counters(client, 'readings')).idx >= 1100, 'the primary key reads to be counted')
  await until(async () => (await counters(client, 'scanned')).seq >= 5, 'the sequential scans to be counted')
}

describe('inspect reports on a database with real trouble', () => {
  let admin: Client
  let db: Client

  beforeAll(async () => {
    admin = await connect()
    await admin.query(`CREATE DATABASE ${database}`)
    db = await connect({database})
    await createFixtures(db, {bloatRows: 20_000})
    await db.query(
      `CREATE SCHEMA other; CREATE TABLE other.thing (id int PRIMARY KEY); INSERT INTO other.thing VALUES (1); ANALYZE other.thing`,
    )
  })

  afterAll(async () => {
    await db?.end().catch(() => {})
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {})
    await admin?.end().catch(() => {})
  })

  it('a locked table ends a report in about a second (exit 5, pointing at auroractl ps), leaving no waiter behind', async () => {
    const holder = await connect({database})
    try {
      await holder.query('BEGIN; LOCK TABLE readings IN ACCESS EXCLUSIVE MODE')
      const started = Date.now()
      const {exitCode, stderr} = await inspect(['sizes', '--database', database])
      expect(exitCode, stderr).toBe(5)
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(stderr).toContain('stayed locked for over 1s')
      expect(stderr).toContain('auroractl ps')
      const {rows} = await holder.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'auroractl' AND wait_event_type = 'Lock'`,
        [database],
      )
      expect(rows).toEqual([])
    } finally {
      await holder.query('ROLLBACK').catch(() => {})
      await holder.end().catch(() => {})
    }
  })

  it('sizes: tables and indexes largest first, unlogged marked, each schema; --schema and --limit narrow it', async () => {
    const {exitCode, json, stderr} = await inspect(['sizes', '--database', database, '--json'])
    expect(exitCode, stderr).toBe(0)
    expect(json.database).toBe(database)
    expect(json.databaseBytes).toBeGreaterThan(1024 * 1024)
    const totals = json.tables.map((table: {totalBytes: number}) => table.totalBytes)
    expect(totals).toEqual([...totals].sort((a, b) => b - a))
    expect(json.tables[0]).toMatchObject({schema: 'public', table: 'readings'}) // 50,000 rows and three indexes
    expect(json.tables.find((table: {table: string}) => table.table === 'staging')).toMatchObject({unlogged: true})
    expect(json.tables.find((table: {table: string}) => table.table === 'readings')).toMatchObject({rows: 50_000, unlogged: false})
    // Never vacuumed nor analyzed: nobody knows its row count yet, which is not 0.
    expect(json.tables.find((table: {table: string}) => table.table === 'never_analyzed')).toMatchObject({rows: null})
    const human = await inspect(['sizes', '--database', database])
    expect(human.text).toMatch(/public\.never_analyzed\s+\?\s/)
    expect(json.indexes.map((index: {index: string}) => index.index)).toContain('readings_note_idx')
    expect(json.schemas.map((schema: {schema: string}) => schema.schema).sort()).toEqual(['other', 'public'])
    const narrowed = await inspect(['sizes', '--database', database, '--schema', 'other', '--json'])
    expect(narrowed.json.tables).toEqual([expect.objectContaining({schema: 'other', table: 'thing'})])
    expect(narrowed.json.schemas).toEqual([expect.objectContaining({schema: 'other', tables: 1})])
    expect((await inspect(['sizes', '--database', database, '--limit', '2', '--json'])).json.tables).toHaveLength(2)
  })

  it('bloat: the table emptied by a delete and a vacuum is mostly waste, a fresh one is not, the unanalyzed one is named', async () => {
    const {exitCode, json, stderr} = await inspect(['bloat', '--database', database, '--json'])
    expect(exitCode, stderr).toBe(0)
    const find = (kind: string, name: string) =>
      json.rows.find((row: {index: null | string; kind: string; table: string}) => row.kind === kind && (row.index ?? row.table) === name)
    expect(find('table', 'bloated').wasteShare).toBeGreaterThan(0.7)
    expect(find('index', 'bloated_pkey').wasteShare).toBeGreaterThan(0.6)
    expect(find('table', 'readings').wasteShare).toBeLessThan(0.1)
    expect(json.rows[0]).toMatchObject({kind: 'table', table: 'bloated'})
    expect(json.withoutStatistics).toContain('public.never_analyzed')
    const human = await inspect(['bloat', '--database', database])
    expect(human.text).toMatch(/table\s+public\.bloated\s+[\d.]+ MB\s+[\d.]+ kB\s+[\d.]+ MB\s+[89]\d%/)
    expect(human.stdout).toContain(
      'No statistics, not estimated (run ANALYZE; pg_stats shows only tables this login may read): public.never_analyzed.',
    )
  })

  it('vacuum: dead rows on a table with autovacuum off come first, past their trigger, with the human view saying so', async () => {
    const {exitCode, json, stderr} = await inspect(['vacuum', '--database', database, '--json'])
    expect(exitCode, stderr).toBe(0)
    expect(json.autovacuum).toBe(true)
    expect(json.rows[0]).toMatchObject({
      autovacuumEnabled: false,
      behind: true,
      deadRows: 40_000,
      lastAutovacuum: null,
      schema: 'public',
      table: 'dead_rows',
      vacuumDue: true,
      vacuumTrigger: 10_050,
    })
    expect(json.rows[0].xidAge).toBeGreaterThan(0)
    const readings = json.rows.find((row: {table: string}) => row.table === 'readings')
    expect(readings).toMatchObject({autovacuumEnabled: true, behind: false, deadRows: 0})
    const human = await inspect(['vacuum', '--database', database, '--schema', 'public'])
    expect(human.text).toMatch(/public\.dead_rows\s+10,000\s+40,000\s+80%\s+10,050\s+never\s+never\s+[\d,]+\s+BEHIND \(off\)/)
  })

  it('indexes: the index nothing reads and the duplicate pair, with sizes; the primary key is neither', async () => {
    const {exitCode, json, stderr} = await inspect(['indexes', '--database', database, '--json'])
    expect(exitCode, stderr).toBe(0)
    const unused = json.unused.map((index: {index: string}) => index.index)
    expect(unused).toEqual(expect.arrayContaining(['readings_note_idx', 'readings_station_a', 'readings_station_b']))
    expect(unused).not.toContain('readings_pkey')
    expect(json.unused.find((index: {index: string}) => index.index === 'readings_note_idx')).toMatchObject({
      bytes: expect.any(Number),
      scans: 0,
      tableScans: expect.any(Number),
    })
    // Read through the primary key 1,100 times (CREATE INDEX may add a sequential scan or three).
    expect(json.unused[0].tableScans).toBeGreaterThanOrEqual(1100)
    expect(json.unused[0].bytes).toBeGreaterThan(1024 * 1024)
    expect(json.duplicates).toEqual([
      {
        keep: 'readings_station_a',
        redundant: [expect.objectContaining({index: 'readings_station_b', scans: 0})],
        redundantBytes: expect.any(Number),
        schema: 'public',
        table: 'readings',
      },
    ])
    expect(json.duplicateBytes).toBe(json.duplicates[0].redundantBytes)
    expect(json.indexes.find((index: {index: string}) => index.index === 'readings_pkey')).toMatchObject({
      primary: true,
      scans: 1100,
      unique: true,
    })
    const human = await inspect(['indexes', '--database', database])
    expect(human.text).toMatch(/public\.readings\s+readings_station_a\s+readings_station_b\s+[\d.]+ [km]B/)
  })

  it('seq-scans: the table read whole five times is marked heavy', async () => {
    const {exitCode, json, stderr} = await inspect(['seq-scans', '--database', database, '--json'])
    expect(exitCode, stderr).toBe(0)
    expect(json.rows.find((row: {table: string}) => row.table === 'scanned')).toMatchObject({
      heavy: true,
      indexScans: 0,
      liveRows: 20_000,
      rowsPerSeqScan: 20_000,
      seqRowsRead: 100_000,
      seqScans: 5,
    })
    expect(json.rows.find((row: {table: string}) => row.table === 'readings')?.heavy ?? false).toBe(false)
  })

  it('--instance reads one instance (usage counters are per instance); an unknown one is exit 3 with the instances', async () => {
    const onReader = await inspect(['seq-scans', '--instance', 'nba-tracker-dev-reader-1', '--database', database, '--json'])
    expect(onReader.exitCode, onReader.stderr).toBe(0)
    expect(onReader.json.rows.find((row: {table: string}) => row.table === 'scanned')).toMatchObject({seqScans: 5})
    const unknown = await inspect(['sizes', '--instance', 'no-such-instance', '--database', database])
    expect(unknown.exitCode).toBe(3)
    expect(unknown.stderr).toContain('Instance "no-such-instance" is not in cluster nba-tracker-dev.')
  })

  it('outliers: a slow statement of ours ranks with its calls, mean and share; --sort changes the order', async () => {
    const tag = `inspect-outlier-${process.pid}`
    for (let call = 0; call < 3; call++) await admin.query(`SELECT pg_sleep(0.1) /* ${tag} */`)
    const {exitCode, json, stderr} = await inspect(['outliers', '--limit', '500', '--json'])
    expect(exitCode, stderr).toBe(0)
    expect(json).toMatchObject({database: 'nbatracker', order: 'total'})
    const ours = json.rows.find((row: {label: string}) => row.label.includes(tag))
    expect(ours).toMatchObject({calls: 3, rows: 3})
    expect(ours.meanMs).toBeGreaterThanOrEqual(100)
    expect(ours.totalMs).toBeGreaterThanOrEqual(300)
    expect(ours.share).toBeGreaterThan(0)
    const totals = json.rows.map((row: {totalMs: number}) => row.totalMs)
    expect(totals).toEqual([...totals].sort((a, b) => b - a))
    const byCalls = (await inspect(['outliers', '--sort', 'calls', '--json'])).json.rows.map((row: {calls: number}) => row.calls)
    expect(byCalls).toEqual([...byCalls].sort((a, b) => b - a))
    const byMean = (await inspect(['outliers', '--sort', 'mean', '--json'])).json.rows.map((row: {meanMs: number}) => row.meanMs)
    expect(byMean).toEqual([...byMean].sort((a, b) => b - a))
    const human = await inspect(['outliers', '--sort', 'mean', '--limit', '3'])
    expect(human.stdout).toContain('Database nbatracker: pg_stat_statements since ')
    expect(human.text).toMatch(/#\s+Total\s+Share\s+Calls\s+Mean\s+I\/O\s+Rows\s+Statement/)
    // pi top --source pg runs the same query and keeps working.
    const top = await runCli(['pi', 'top', '--source', 'pg', '--limit', '25', '--json'], {env: sandboxEnv()})
    expect(top.exitCode, top.stderr).toBe(0)
    expect(JSON.parse(top.stdout).rows[0]).toMatchObject({calls: expect.any(Number), ioMs: expect.any(Number), share: expect.any(Number)})
  })

  it('outliers says how to install pg_stat_statements where it is missing (exit 3)', async () => {
    const result = await inspect(['outliers', '--database', database])
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('pg_stat_statements is not installed in this database.')
    expect(result.stderr).toContain('CREATE EXTENSION pg_stat_statements')
  })

  it.each([
    [['sizes', '--limit', '0'], '--limit: Expected an integer greater than or equal to 1'],
    [['vacuum', '--limit', '501'], '--limit: Expected an integer less than or equal to 500'],
    [['indexes', '--database', ''], '--database is empty'],
    [['outliers', '--sort', 'worst'], 'Expected --sort=worst to be one of: total, mean, calls'],
    [
      ['bloat', '--database', database, '--schema', 'nope'],
      `--schema "nope": database ${database} has no such schema; it has other, public.`,
    ],
  ])('refuses %j with exit 2', async (args, message) => {
    const result = await inspect(args)
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('names a database that does not exist', async () => {
    const result = await inspect(['sizes', '--database', `no_such_${process.pid}`])
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toContain(`database "no_such_${process.pid}" does not exist`)
  })
})

const scratchEnv = () => ({...sandboxEnv(), AURORACTL_CLUSTER: scratch})

/** doctor --only the checks this file is about, on the scratch cluster. */
async function doctor(args: string[] = []) {
  const result = await runCli(['doctor', '--only', mine.join(','), '--json', ...args], {env: scratchEnv()})
  const report = JSON.parse(result.stdout) as {
    checks: Array<{detail: string; hint?: string; id: string; items?: string[]; status: string; value?: number}>
  }
  return {...result, byId: (id: string) => report.checks.find((check) => check.id === id)!, report}
}

describe('doctor grades the same facts, on a cluster of our own', () => {
  let client: Client | undefined

  beforeAll(async () => {
    const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: sandboxEnv()})
    expect(restored.exitCode, restored.stderr).toBe(0)
  })

  afterAll(async () => {
    await client?.end().catch(() => {})
    await deleteScratchCluster(scratch)
  })

  // The latest snapshot may hold tables other test files made in the seeded database; none of them is trouble.
  let seededSchemas = 0

  it('passes the seeded data: every new check ok, each with the value it graded', async () => {
    const {byId, exitCode, report, stderr} = await doctor()
    expect(exitCode, stderr).toBe(0)
    expect(report.checks.map((check) => [check.id, check.status])).toEqual(mine.map((id) => [id, 'ok']))
    for (const id of mine) expect(byId(id).value, id).toBeTypeOf('number')
    expect(byId('db.schemas').detail).toMatch(/^\d schema\(s\), \d+ table\(s\)$/)
    seededSchemas = byId('db.schemas').value!
  })

  it('warns on real bloat, dead rows, an unused and a duplicate index, an unlogged table and 52 schemas, each pointing at inspect', async () => {
    const {DBClusters = []} = await (await sandboxClients().rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch}))
    client = await connect({host: DBClusters[0]!.Endpoint!, port: DBClusters[0]!.Port!})
    // 600,000 rows of ~220 bytes (130 MB), 80% deleted and vacuumed: over doctor's 100 MB of waste.
    await createFixtures(client, {bloatRows: 600_000})
    await client.query(`DO $$ BEGIN FOR n IN 1..51 LOOP EXECUTE format('CREATE SCHEMA tenant_%s', n); END LOOP; END $$`)

    const {byId, exitCode, stderr} = await doctor()
    expect(exitCode, stderr).toBe(0) // warnings, not failures
    const bloat = byId('db.bloat')
    expect(bloat.status).toBe('warn')
    expect(bloat.items).toEqual([expect.stringMatching(/^public\.bloated: 1\d\d\.\d MB of 1\d\d\.\d MB \([89]\d%\) is waste$/)])
    expect(bloat.value).toBeGreaterThan(100 * 1024 * 1024)
    expect(bloat.detail).toContain('1 table(s) without visible statistics not estimated')
    expect(bloat.hint).toContain('auroractl inspect bloat')
    const autovacuum = byId('db.autovacuum')
    expect(autovacuum).toMatchObject({
      items: ['public.dead_rows: 40,000 dead rows (80%; autovacuum starts at 10,050), autovacuum off for it'],
      status: 'warn',
      value: 40_000,
    })
    expect(autovacuum.hint).toContain('auroractl inspect vacuum')
    const unused = byId('db.unused-indexes')
    expect(unused.status).toBe('warn')
    expect(unused.items).toEqual([
      expect.stringMatching(/^public\.readings_note_idx on readings: \d\.\d MB, 0 scans while the table was read 1,1\d\d times$/),
    ])
    expect(unused.hint).toContain('auroractl inspect indexes')
    expect(byId('db.duplicate-indexes')).toMatchObject({
      items: [expect.stringMatching(/^public\.readings: readings_station_b \([\d.]+ [km]B\) duplicate\(s\) readings_station_a$/)],
      status: 'warn',
    })
    expect(byId('db.unlogged-tables')).toMatchObject({
      items: [expect.stringMatching(/^public\.staging \([\d.]+ kB\)$/)],
      status: 'warn',
      value: 1,
    })
    expect(byId('db.schemas')).toMatchObject({status: 'warn', value: seededSchemas + 51})
    expect(byId('db.schemas').detail).toMatch(new RegExp(`^${seededSchemas + 51} schema\\(s\\), \\d+ table\\(s\\): more than 50$`))

    const human = await runCli(['doctor', '--only', 'db.unlogged-tables'], {env: scratchEnv()})
    expect(human.exitCode).toBe(0)
    expect(human.stdout).toMatch(/! warn\s+db\.unlogged-tables\s+1 unlogged table\(s\)/)
    expect(human.stdout).toContain('See `auroractl inspect sizes`.')
  }, 180_000)

  it('a locked table skips the checks that read it, quickly, instead of failing them all at their timeouts', async () => {
    const {DBClusters = []} = await (await sandboxClients().rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: scratch}))
    const holder = await connect({host: DBClusters[0]!.Endpoint!, port: DBClusters[0]!.Port!})
    try {
      await holder.query('BEGIN; LOCK TABLE readings IN ACCESS EXCLUSIVE MODE')
      const started = Date.now()
      const {byId, exitCode, stderr} = await doctor()
      expect(exitCode, stderr).toBe(0)
      expect(Date.now() - started).toBeLessThan(15_000)
      for (const id of ['db.bloat', 'db.unused-indexes', 'db.duplicate-indexes', 'db.schemas']) {
        expect(byId(id), id).toMatchObject({hint: expect.stringContaining('auroractl ps'), status: 'skip'})
        expect(byId(id).detail, id).toMatch(/^not graded: a table it reads stayed locked/)
      }
    } finally {
      await holder.query('ROLLBACK').catch(() => {})
      await holder.end().catch(() => {})
    }
  }, 60_000)
})
