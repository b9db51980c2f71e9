import {describe, expect, it} from 'vitest'

import type {Query} from '../../src/lib/pg/query.js'

import {renderBloat, renderIndexes, renderOutliers, renderSizes, renderVacuum} from '../../src/lib/cli/render/inspect.js'
import {formatBytes, formatMilliseconds} from '../../src/lib/cli/render/text.js'
import {
  dbAutovacuum,
  dbBloat,
  dbDuplicateIndexes,
  dbSchemas,
  dbUnloggedTables,
  dbUnusedIndexes,
} from '../../src/lib/doctor/checks/maintenance.js'
import {DoctorFacts} from '../../src/lib/doctor/facts.js'
import {bloatSql, expectedBtreePages, expectedTablePages, inspectBloat, isBloated} from '../../src/lib/inspect/bloat.js'
import {findDuplicateIndexes, indexesSql, type IndexUsage, isUnused, worthDropping} from '../../src/lib/inspect/indexes.js'
import {qualifiedName, requireSchema, userSchemas} from '../../src/lib/inspect/scope.js'
import {seqScanRow} from '../../src/lib/inspect/seq-scans.js'
import {inspectSizes, sizesSql} from '../../src/lib/inspect/sizes.js'
import {autovacuumBehind, inspectVacuum, vacuumRow, vacuumSql} from '../../src/lib/inspect/vacuum.js'
import {statementsSql} from '../../src/lib/pg/statements.js'

const mib = 1024 * 1024

/** A Query answering each statement with canned rows, and recording what it was asked. */
function fakeQuery(answers: Map<string, object[]>): Query & {calls: Array<{parameters: unknown[]; sql: string}>} {
  const calls: Array<{parameters: unknown[]; sql: string}> = []
  const query = (async (sql: string, parameters: unknown[] = []) => {
    calls.push({parameters, sql})
    const rows = answers.get(sql)
    if (!rows) throw new Error(`unexpected SQL: ${sql.slice(0, 80)}`)
    return {rows}
  }) as Query & {calls: typeof calls}
  query.calls = calls
  return query
}

const tableStats = {
  block_size: 8192,
  columns: 2,
  data_width: 188,
  fillfactor: 100,
  has_nulls: false,
  schema: 'public',
  toast_pages: '0',
  toast_tuples: 0,
  with_statistics: 2,
}

describe('the bloat estimate', () => {
  it('counts the pages live rows need: line pointer, aligned header and data, fillfactor, TOAST at 4 chunks a page', () => {
    // An int and a 180-character text: 4 + 24 + 192 = 220 bytes a row, 8168 / 220 rows a page.
    const base = {blockSize: 8192, columns: 2, dataWidth: 188, fillfactor: 100, hasNulls: false, rows: 600_000, toastTuples: 0}
    expect(expectedTablePages(base)).toBe(16_161) // PostgreSQL stores these 600,000 rows in 16,216 pages
    expect(expectedTablePages({...base, fillfactor: 50})).toBe(32_322)
    expect(expectedTablePages({...base, toastTuples: 10})).toBe(16_161 + 3)
    // Nine columns with nulls: a 2-byte null bitmap takes the header from 24 to 32 bytes.
    expect(expectedTablePages({...base, columns: 9, hasNulls: true})).toBe(Math.ceil(600_000 / (8168 / 228)))
    expect(expectedTablePages({...base, rows: -1})).toBe(0)
  })

  it('counts a btree: 4 + 8 (16 with nulls) + the key a entry, leaves 90% full, plus the metapage', () => {
    const key = {blockSize: 8192, dataWidth: 4, fillfactor: 90, hasNulls: false, rows: 600_000}
    expect(expectedBtreePages(key)).toBe(1641) // PostgreSQL builds this primary key in 1,648 pages
    expect(expectedBtreePages({...key, hasNulls: true})).toBe(1 + Math.ceil(600_000 / Math.floor((8152 * 90) / (100 * 28))))
    expect(expectedBtreePages({...key, rows: 0})).toBe(1)
  })

  it('estimates tables and btree indexes, largest waste first; lists tables without statistics instead of guessing', async () => {
    const query = fakeQuery(
      new Map<string, object[]>([
        [
          bloatSql.indexes,
          [
            {
              ...tableStats,
              columns: 1,
              data_width: 4,
              fillfactor: 90,
              index: 'bloated_pkey',
              pages: '1648',
              reltuples: 120_000,
              table: 'bloated',
              table_reltuples: 120_000,
              with_statistics: 1,
            },
            {
              ...tableStats,
              columns: 1,
              data_width: 4,
              fillfactor: 90,
              index: 'never_x',
              pages: '50',
              reltuples: 1000,
              table: 'never',
              table_reltuples: -1,
              with_statistics: 0,
            },
          ],
        ],
        [
          bloatSql.tables,
          [
            // 120,000 live rows in the pages of 600,000: 80% waste.
            {...tableStats, heap_pages: '16216', reltuples: 120_000, table: 'bloated'},
            {...tableStats, heap_pages: '3244', reltuples: 120_000, table: 'tight'},
            // Never analyzed (reltuples -1), and analyzed before a column was added: not estimated.
            {...tableStats, heap_pages: '10', reltuples: -1, table: 'never', with_statistics: 0},
            {...tableStats, heap_pages: '10', reltuples: 500, table: 'Added Column', with_statistics: 1},
            // Analyzed with no live row left (ANALYZE writes no statistics then): every page is waste.
            {...tableStats, heap_pages: '100', reltuples: 0, table: 'emptied', with_statistics: 0},
          ],
        ],
      ]),
    )
    const report = await inspectBloat(query, 'app', {})
    expect(query.calls.map((call) => call.parameters)).toEqual([[null], [null]])
    expect(report.withoutStatistics).toEqual(['public."Added Column"', 'public.never'])
    expect(report.rows.map((row) => row.index ?? row.table)).toEqual(['bloated', 'bloated_pkey', 'emptied', 'tight'])
    const [table, index, emptied, tight] = report.rows
    expect(table).toMatchObject({bytes: 16_216 * 8192, expectedBytes: 3233 * 8192, kind: 'table', wasteShare: 0.801})
    expect(index).toMatchObject({index: 'bloated_pkey', kind: 'index', wasteShare: 0.8})
    expect(emptied).toMatchObject({expectedBytes: 0, wasteShare: 1})
    expect(tight!.wasteBytes).toBeLessThan(0.01 * tight!.bytes)
    expect(report.totalWasteBytes).toBe(report.rows.reduce((sum, row) => sum + row.wasteBytes, 0))
    expect((await inspectBloat(query, 'app', {limit: 1, schema: 'public'})).rows).toHaveLength(1)
    expect(query.calls.at(-1)!.parameters).toEqual(['public'])
  })

  it('calls a relation bloated at the threshold and at least half waste, not below either', () => {
    const row = {
      bytes: 200 * mib,
      expectedBytes: 100 * mib,
      index: null,
      kind: 'table' as const,
      schema: 's',
      table: 't',
      wasteBytes: 100 * mib,
      wasteShare: 0.5,
    }
    expect(isBloated(row, 100 * mib)).toBe(true)
    expect(isBloated(row, 100 * mib + 1)).toBe(false)
    expect(isBloated({...row, wasteShare: 0.499}, 1)).toBe(false)
  })
})

describe('vacuum state', () => {
  const row = {
    analyze_scale_factor: 0.1,
    analyze_threshold: 50,
    autovacuum_enabled: true,
    bytes: '8192',
    dead_rows: '0',
    freeze_max_age: '200000000',
    last_analyze: null,
    last_autoanalyze: null,
    last_autovacuum: new Date('2026-11-30T10:00:00Z'),
    last_vacuum: null,
    live_rows: '50000',
    modified_since_analyze: '0',
    reltuples: 50_000,
    schema: 'public',
    table: 't',
    vacuum_scale_factor: 0.2,
    vacuum_threshold: 50,
    xid_age: '1000',
  }

  it('works out where autovacuum starts on a table from its settings', () => {
    const state = vacuumRow({...row, dead_rows: '10051', modified_since_analyze: '5051'})
    expect(state).toMatchObject({
      analyzeDue: true,
      deadShare: 0.167,
      lastAutovacuum: '2026-11-30T10:00:00.000Z',
      vacuumDue: true,
      vacuumTrigger: 10_050,
    })
    expect(vacuumRow({...row, dead_rows: '10050'}).vacuumDue).toBe(false)
    expect(vacuumRow({...row, xid_age: '200000001'}).freezeDue).toBe(true)
  })

  it('calls autovacuum behind when it is off past the trigger, or twice past it, with enough dead rows', () => {
    const table = {autovacuumEnabled: true, deadRows: 20_000, vacuumTrigger: 10_000}
    expect(autovacuumBehind(table)).toBe(true)
    expect(autovacuumBehind({...table, deadRows: 19_999})).toBe(false) // within a naptime of the trigger
    expect(autovacuumBehind({...table, autovacuumEnabled: false, deadRows: 10_001})).toBe(true)
    expect(autovacuumBehind({...table, autovacuumEnabled: false, deadRows: 10_000})).toBe(false) // not past it
    expect(autovacuumBehind({autovacuumEnabled: false, deadRows: 9999, vacuumTrigger: 50})).toBe(false) // too few to matter
    expect(autovacuumBehind({autovacuumEnabled: false, deadRows: 9999, vacuumTrigger: 50}, 100)).toBe(true)
  })

  it('lists the tables autovacuum is behind on first, then those due, then by dead rows', async () => {
    const query = fakeQuery(
      new Map<string, object[]>([
        [`SELECT current_setting('autovacuum')::bool AS on`, [{on: true}]],
        [
          vacuumSql,
          [
            {...row, dead_rows: '100', table: 'quiet'},
            {...row, dead_rows: '12000', table: 'due'},
            {...row, autovacuum_enabled: false, dead_rows: '11000', table: 'off'},
          ],
        ],
      ]),
    )
    const report = await inspectVacuum(query, 'app', {})
    expect(report.rows.map((table) => [table.table, table.behind, table.vacuumDue])).toEqual([
      ['off', true, true],
      ['due', false, true],
      ['quiet', false, false],
    ])
    expect(renderVacuum(report, new Date('2026-11-30T13:00:00Z'))).toMatch(/public\.off\s.*11,000.*3 h ago.*BEHIND \(off\)/)
  })
})

const index = (fields: Partial<IndexUsage> & {index: string; signature?: string}): IndexUsage & {signature: string} => ({
  backsConstraint: false,
  bytes: mib,
  definition: `CREATE INDEX ${fields.index} ON public.t USING btree (x)`,
  method: 'btree',
  primary: false,
  scans: 0,
  schema: 'public',
  signature: 'x',
  table: 't',
  tableScans: 5000,
  unique: false,
  valid: true,
  ...fields,
})

describe('index usage', () => {
  it('finds duplicates by signature and keeps the primary key, a constraint, a unique one, else the most scanned', () => {
    const groups = findDuplicateIndexes([
      index({index: 't_x_idx', scans: 900}),
      index({backsConstraint: true, index: 't_pkey', primary: true, unique: true}),
      index({bytes: 2 * mib, index: 't_x_idx1', scans: 3}),
      index({index: 't_y', signature: 'y'}),
      index({index: 'b_y', scans: 1, signature: 'y2', table: 'u'}),
      index({index: 'a_y', scans: 7, signature: 'y2', table: 'u'}),
      index({index: 'u_z_unique', signature: 'z', table: 'u', unique: true}),
      index({index: 'u_z', scans: 99, signature: 'z', table: 'u'}),
    ])
    expect(groups.map((group) => [group.keep, group.redundant.map((copy) => copy.index), group.redundantBytes])).toEqual([
      ['t_pkey', ['t_x_idx', 't_x_idx1'], 3 * mib],
      ['a_y', ['b_y'], mib],
      ['u_z_unique', ['u_z'], mib],
    ])
  })

  it('calls an index unused only if never scanned and enforcing nothing; doctor also wants size and a table read enough', () => {
    expect(isUnused(index({index: 'a'}))).toBe(true)
    expect(isUnused(index({index: 'a', scans: 1}))).toBe(false)
    expect(isUnused(index({index: 'a', unique: true}))).toBe(false)
    expect(isUnused(index({backsConstraint: true, index: 'a'}))).toBe(false)
    expect(worthDropping(index({index: 'a'}), mib)).toBe(true)
    expect(worthDropping(index({bytes: mib - 1, index: 'a'}), mib)).toBe(false)
    expect(worthDropping(index({index: 'a', tableScans: 999}), mib)).toBe(false) // a table just created, or never read yet
  })

  it('groups copies that differ only in uniqueness (the SQL leaves it out of the signature)', () => {
    expect(indexesSql).toContain('i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text')
    expect(indexesSql).not.toMatch(/concat_ws\([^)]*indisunique/)
  })
})

describe('sequential scans', () => {
  it('marks large tables read more often whole than through an index', () => {
    const row = {bytes: '1', index_scans: '10', live_rows: '10000', schema: 'public', seq_rows_read: '110000', seq_scans: '11', table: 't'}
    expect(seqScanRow(row)).toMatchObject({heavy: true, indexScanShare: 0.476, rowsPerSeqScan: 10_000})
    expect(seqScanRow({...row, live_rows: '9999'}).heavy).toBe(false)
    expect(seqScanRow({...row, index_scans: '11'}).heavy).toBe(false)
  })
})

describe('scope', () => {
  it('leaves out system schemas and narrows to one schema by parameter, never by text', () => {
    const condition = userSchemas('n', 2)
    expect(condition).toContain(`n.nspname NOT IN ('pg_catalog', 'information_schema')`)
    expect(condition).toContain('($2::text IS NULL OR n.nspname = $2::text)')
    expect(sizesSql.tables).toContain('LIMIT $2')
  })

  it('quotes names only where SQL needs it', () => {
    expect(qualifiedName('public', 'games')).toBe('public.games')
    expect(qualifiedName('Sales', 'order "x"')).toBe('"Sales"."order ""x"""')
  })

  it('refuses a schema that does not exist, naming those that do (exit 2)', async () => {
    const query = fakeQuery(
      new Map([[(await import('../../src/lib/inspect/scope.js')).schemaNamesSql, [{schema: 'app'}, {schema: 'public'}]]]),
    )
    await expect(requireSchema(query, 'pubic', 'nbatracker')).rejects.toMatchObject({
      exitCode: 2,
      message: '--schema "pubic": database nbatracker has no such schema; it has app, public.',
    })
    await expect(requireSchema(query, 'app', 'nbatracker')).resolves.toBeUndefined()
  })
})

describe('pg_stat_statements ranking', () => {
  it('orders by total time, mean time or calls, and reads block I/O time by version', () => {
    expect(statementsSql(150_000, 'sql')).toContain('ORDER BY total_ms DESC')
    expect(statementsSql(150_000, 'sql', 'mean')).toContain('ORDER BY mean_ms DESC')
    expect(statementsSql(150_000, 'user', 'calls')).toContain('ORDER BY calls DESC')
    expect(statementsSql(150_000, 'sql')).toContain('s.blk_read_time + s.blk_write_time AS io_ms')
    expect(statementsSql(170_000, 'sql')).toContain('s.shared_blk_read_time + s.shared_blk_write_time AS io_ms')
  })
})

describe('table sizes', () => {
  it('shows a never-analyzed table (reltuples -1, read as NULL) as unknown rows: null in JSON, ? in the table', async () => {
    const table = {
      index_bytes: '0',
      materialized: false,
      schema: 'public',
      table_bytes: '8192',
      toast_bytes: '0',
      total_bytes: '8192',
      unlogged: false,
    }
    const answers = new Map<string, unknown[]>([
      [sizesSql.database, [{bytes: '9000000', name: 'app'}]],
      [sizesSql.indexes, []],
      [sizesSql.schemas, [{bytes: '16384', schema: 'public', tables: 2}]],
      [
        sizesSql.tables,
        [
          {...table, rows: 1234.4, table: 'counted'},
          {...table, rows: null, table: 'fresh'},
        ],
      ],
    ])
    const query = (async (sql: string) => ({rows: answers.get(sql) ?? []})) as Query
    const report = await inspectSizes(query, {})
    expect(report.tables.map((row) => [row.table, row.rows])).toEqual([
      ['counted', 1234],
      ['fresh', null],
    ])
    const text = renderSizes(report)
    expect(text).toMatch(/public\.fresh\s+│?\s*\?\s/)
    expect(text).toMatch(/public\.counted\s+│?\s*1,234\s/)
    expect(text).toContain('Rows ? = never vacuumed nor analyzed')
    expect(sizesSql.tables).toContain('WHEN c.reltuples < 0 THEN NULL')
  })
})

describe('human units', () => {
  it('writes sizes and times as people read them', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(100 * mib), formatBytes(3 * 1024 * mib)]).toEqual([
      '512 B',
      '1.5 kB',
      '100.0 MB',
      '3.0 GB',
    ])
    expect([formatMilliseconds(0.1234), formatMilliseconds(45.61), formatMilliseconds(1500), formatMilliseconds(95_000)]).toEqual([
      '0.12ms',
      '45.6ms',
      '1.5s',
      '1m35s',
    ])
  })

  it('renders each report with its caveats', () => {
    const bloat = renderBloat({
      database: 'app',
      rows: [
        {
          bytes: 200 * mib,
          expectedBytes: 50 * mib,
          index: null,
          kind: 'table',
          schema: 'public',
          table: 'games',
          wasteBytes: 150 * mib,
          wasteShare: 0.75,
        },
      ],
      totalWasteBytes: 150 * mib,
      withoutStatistics: ['public.fresh'],
    })
    expect(bloat).toMatch(/public\.games\s.*200\.0 MB\s.*50\.0 MB\s.*150\.0 MB\s.*75%/)
    expect(bloat).toContain('No statistics, not estimated (run ANALYZE; pg_stats shows only tables this login may read): public.fresh.')
    const indexes = renderIndexes({
      database: 'app',
      duplicateBytes: mib,
      duplicates: [
        {
          keep: 't_pkey',
          redundant: [{backsConstraint: false, bytes: mib, index: 't_id_idx', scans: 0}],
          redundantBytes: mib,
          schema: 'public',
          table: 't',
        },
      ],
      indexes: [],
      unused: [index({index: 't_note_idx', valid: false})],
      unusedBytes: mib,
    })
    expect(indexes).toMatch(/public\.t_note_idx \(invalid\)\s.*1\.0 MB/)
    expect(indexes).toMatch(/public\.t\s.*t_pkey\s.*t_id_idx\s.*1\.0 MB/)
    const outliers = renderOutliers(
      {
        database: 'app',
        ioTiming: false,
        order: 'mean',
        rows: [
          {calls: 1200, ioMs: 0, label: 'SELECT * FROM games WHERE id = $1', meanMs: 0.5, rank: 1, rows: 1200, share: 0.61, totalMs: 600},
        ],
        statsSince: '2026-11-30T00:00:00.000Z',
      },
      120,
    )
    expect(outliers).toContain('by mean time. I/O time needs track_io_timing, which is off.')
    expect(outliers).toMatch(/1\s.*600\.0ms\s.*61%\s.*1,200\s.*0\.50ms\s.*–\s.*SELECT \* FROM games/)
  })
})

/** The vacuum report's two statements: the server's autovacuum setting and the tables. */
const vacuumAnswers = (on: boolean, rows: object[]) =>
  new Map<string, object[]>([
    [`SELECT current_setting('autovacuum')::bool AS on`, [{on}]],
    [vacuumSql, rows],
  ])

describe('doctor checks that grade what inspect reports', () => {
  function facts(answers: Map<string, object[]>, thresholds: Record<string, number> = {}): DoctorFacts {
    const doctorFacts = new DoctorFacts({} as never, {clusterId: 'c', tcpTimeoutMs: 1000, thresholds})
    doctorFacts.query = fakeQuery(answers) as DoctorFacts['query']
    return doctorFacts
  }

  const bloatAnswers = new Map<string, object[]>([
    [bloatSql.indexes, []],
    [bloatSql.tables, [{...tableStats, heap_pages: String((200 * mib) / 8192), reltuples: 100_000, table: 'games'}]],
  ])

  it('db.bloat warns past its threshold (100 MB by default, or --threshold), pointing at inspect bloat', async () => {
    const warned = await dbBloat.run(facts(bloatAnswers))
    expect(warned.status).toBe('warn')
    expect(warned.items?.[0]).toMatch(/^public\.games: 1\d\d\.\d MB of 200\.0 MB \(\d\d%\) is waste$/)
    expect(warned.hint).toContain('auroractl inspect bloat')
    expect(warned.value).toBeGreaterThan(100 * mib)
    const raised = await dbBloat.run(facts(bloatAnswers, {'db.bloat': 1024 * mib}))
    expect(raised).toMatchObject({status: 'ok', value: warned.value})
    expect(dbBloat.threshold).toMatchObject({default: 100 * mib, kind: 'bytes'})
  })

  const indexAnswers = (rows: object[]) => new Map<string, object[]>([[indexesSql, rows]])
  const indexRow = (fields: object) => ({
    backs_constraint: false,
    bytes: String(2 * mib),
    definition: 'CREATE INDEX ...',
    index: 'games_note_idx',
    method: 'btree',
    primary: false,
    scans: '0',
    schema: 'public',
    signature: 'a',
    table: 'games',
    table_scans: '5000',
    unique: false,
    valid: true,
    ...fields,
  })

  it('db.unused-indexes ignores small ones and tables read too little to tell', async () => {
    const warned = await dbUnusedIndexes.run(facts(indexAnswers([indexRow({})])))
    expect(warned).toMatchObject({status: 'warn', value: 2 * mib})
    expect(warned.items).toEqual(['public.games_note_idx on games: 2.0 MB, 0 scans while the table was read 5,000 times'])
    expect(warned.hint).toContain('auroractl inspect indexes')
    const young = await dbUnusedIndexes.run(facts(indexAnswers([indexRow({table_scans: '10'})])))
    expect(young).toMatchObject({
      detail: 'no index of 1.0 MB or more went unscanned (1 smaller, or on tables read under 1000 times)',
      status: 'ok',
      value: 0,
    })
    expect((await dbUnusedIndexes.run(facts(indexAnswers([indexRow({})]), {'db.unused-indexes': 4 * mib}))).status).toBe('ok')
  })

  it('db.duplicate-indexes warns on any copy, with what to keep', async () => {
    const warned = await dbDuplicateIndexes.run(
      facts(indexAnswers([indexRow({}), indexRow({backs_constraint: true, index: 'games_pkey', primary: true, scans: '9', unique: true})])),
    )
    expect(warned).toMatchObject({items: ['public.games: games_note_idx (2.0 MB) duplicate(s) games_pkey'], status: 'warn', value: 2 * mib})
    expect((await dbDuplicateIndexes.run(facts(indexAnswers([indexRow({})])))).status).toBe('ok')
  })

  it('db.unlogged-tables and db.schemas grade the sizes report’s facts', async () => {
    const unlogged = await dbUnloggedTables.run(
      facts(new Map([[sizesSql.unlogged, [{bytes: '8192', schema: 'public', table: 'staging'}]]])),
    )
    expect(unlogged).toMatchObject({items: ['public.staging (8.0 kB)'], status: 'warn', value: 1})
    expect(unlogged.hint).toContain('cannot access temporary or unlogged relations during recovery')
    const schemas = Array.from({length: 51}, (_, n) => ({bytes: '0', schema: `tenant_${n}`, tables: 2}))
    expect(await dbSchemas.run(facts(new Map([[sizesSql.schemas, schemas]])))).toMatchObject({
      detail: '51 schema(s), 102 table(s): more than 50',
      status: 'warn',
      value: 51,
    })
    expect((await dbSchemas.run(facts(new Map([[sizesSql.schemas, schemas]]), {'db.schemas': 100}))).status).toBe('ok')
  })

  it('db.autovacuum names the tables it is behind on, and warns when it is off on the server', async () => {
    const table = {
      analyze_scale_factor: 0.1,
      analyze_threshold: 50,
      autovacuum_enabled: false,
      bytes: '8192',
      dead_rows: '40000',
      freeze_max_age: '200000000',
      last_analyze: null,
      last_autoanalyze: null,
      last_autovacuum: null,
      last_vacuum: null,
      live_rows: '10000',
      modified_since_analyze: '40000',
      reltuples: 50_000,
      schema: 'public',
      table: 'events',
      vacuum_scale_factor: 0.2,
      vacuum_threshold: 50,
      xid_age: '10',
    }
    const warned = await dbAutovacuum.run(facts(vacuumAnswers(true, [table])))
    expect(warned).toMatchObject({
      items: ['public.events: 40,000 dead rows (80%; autovacuum starts at 10,050), autovacuum off for it'],
      status: 'warn',
      value: 40_000,
    })
    expect(warned.hint).toContain('auroractl inspect vacuum')
    expect((await dbAutovacuum.run(facts(vacuumAnswers(true, [table]), {'db.autovacuum': 50_000}))).status).toBe('ok')
    expect(await dbAutovacuum.run(facts(vacuumAnswers(false, [])))).toMatchObject({
      detail: 'autovacuum is off on the server',
      status: 'warn',
    })
  })
})
