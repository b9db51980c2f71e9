import {describe, expect, it} from 'vitest'

import {withoutManagedTargetRefusals} from '../../src/lib/migrate/copy.js'
import {chooseJobs} from '../../src/lib/migrate/migrate.js'
import {rowHashSql, tableSql} from '../../src/lib/migrate/verify.js'

const GiB = 1024 ** 3
const table = (columns: Array<{name: string; type: string}>) => ({bytes: 0, columns, hasPrimaryKey: true, isPartition: false, name: 'Games', schema: 'public'})

describe('chooseJobs', () => {
  it('streams a database under 1 GiB', () => {
    expect(chooseJobs(GiB - 1, [{bytes: 100}, {bytes: 100}], 8)).toMatchObject({jobs: 1})
  })

  it('streams when one table holds most of the data, since a table loads with one job', () => {
    expect(chooseJobs(10 * GiB, [{bytes: 6 * GiB}, {bytes: 4 * GiB}], 8)).toEqual({jobs: 1, why: expect.stringContaining('one table')})
  })

  it('streams on one core', () => {
    expect(chooseJobs(10 * GiB, [{bytes: 3 * GiB}, {bytes: 3 * GiB}], 1)).toMatchObject({jobs: 1})
  })

  it('goes parallel, at most 4 jobs, when the data spreads over several large tables', () => {
    expect(chooseJobs(10 * GiB, [{bytes: 3 * GiB}, {bytes: 3 * GiB}, {bytes: 4 * GiB}], 2)).toMatchObject({jobs: 2})
    expect(chooseJobs(10 * GiB, [{bytes: 3 * GiB}, {bytes: 3 * GiB}, {bytes: 4 * GiB}], 16)).toMatchObject({jobs: 4})
  })
})

describe('withoutManagedTargetRefusals', () => {
  it('drops COMMENT ON EXTENSION and keeps every other line, comments on tables included', () => {
    const script = ['CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;', "COMMENT ON EXTENSION citext IS 'case-insensitive';", "COMMENT ON TABLE public.t IS 'x';", ''].join('\n')
    expect(withoutManagedTargetRefusals(script)).toBe(['CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;', "COMMENT ON TABLE public.t IS 'x';", ''].join('\n'))
  })
})

describe('checksum SQL', () => {
  it('hashes byte-exact types with their own hash and everything else through its text, each column seeded by position', () => {
    const sql = rowHashSql(
      table([
        {name: 'id', type: 'pg_catalog.int8'},
        {name: 'Name', type: 'pg_catalog.text'},
        {name: 'score', type: 'pg_catalog.numeric'},
        {name: 'at', type: 'pg_catalog.timestamptz'},
        {name: 'kind', type: 'public.int4'},
      ]),
    )
    expect(sql.split(' # ')).toEqual([
      'coalesce(hashint8extended(t."id", 1), -1)',
      'coalesce(hashtextextended(t."Name" COLLATE "C", 2), -2)',
      // numeric through its text: 1.0 and 1.00 are equal values but not the same data.
      'coalesce(hashtextextended(t."score"::text COLLATE "C", 3), -3)',
      `coalesce(timestamp_hash_extended(t."at" AT TIME ZONE 'UTC', 4), -4)`,
      // A user type that happens to be called int4 is not pg_catalog's.
      'coalesce(hashtextextended(t."kind"::text COLLATE "C", 5), -5)',
    ])
  })

  it('counts only with count, uses ONLY, and falls back to jsonb text across major versions', () => {
    const games = table([{name: 'id', type: 'pg_catalog.int4'}])
    expect(tableSql(games, 'count', true)).toBe('SELECT count(*)::bigint AS rows, NULL::text AS hash FROM ONLY "public"."Games"')
    expect(tableSql(games, 'checksum', true)).toContain('sum(coalesce(hashint4extended(t."id", 1), -1))')
    expect(tableSql(games, 'checksum', false)).toContain('sum(hashtextextended(to_jsonb(t)::text, 0))')
    expect(rowHashSql(table([]))).toBe('0::bigint')
  })
})
