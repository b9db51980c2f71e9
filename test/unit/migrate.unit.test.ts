import {describe, expect, it} from 'vitest'

import {withoutManagedTargetRefusals} from '../../src/lib/migrate/copy.js'
import {chooseJobs} from '../../src/lib/migrate/migrate.js'
import {rowHashSql, tableSql} from '../../src/lib/pg/verification/verify.js'

const GiB = 1024 ** 3
const table = (columns: Array<{name: string; type: string}>) => ({
  bytes: 0,
  columns,
  hasPrimaryKey: true,
  isPartition: false,
  name: 'Games',
  schema: 'public',
})

describe('chooseJobs', () => {
  const MiB = 1024 ** 2

  it('streams a small database in one transaction', () => {
    expect(chooseJobs(64 * MiB - 1, [{bytes: 100}, {bytes: 100}], 8)).toMatchObject({jobs: 1})
  })

  it('streams on one core', () => {
    expect(chooseJobs(10 * GiB, [{bytes: 3 * GiB}, {bytes: 3 * GiB}], 1)).toEqual({jobs: 1, why: 'one CPU core'})
  })

  it('streams many small tables (a psql pair per table would cost more than it saves)', () => {
    const tables = Array.from({length: 300}, () => ({bytes: 512 * 1024}))
    expect(chooseJobs(150 * MiB, tables, 8)).toEqual({jobs: 1, why: expect.stringContaining('300 tables')})
  })

  it('goes parallel, one job per core and at most 4, once there is data enough, even in one dominant table (it is split)', () => {
    expect(chooseJobs(300 * MiB, [{bytes: 290 * MiB}, {bytes: 10 * MiB}], 2)).toMatchObject({jobs: 2})
    expect(chooseJobs(10 * GiB, [{bytes: 6 * GiB}, {bytes: 4 * GiB}], 16)).toMatchObject({jobs: 4})
  })
})

describe('withoutManagedTargetRefusals', () => {
  it('drops COMMENT ON EXTENSION and keeps every other line, comments on tables included', () => {
    const script = [
      'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;',
      "COMMENT ON EXTENSION citext IS 'case-insensitive';",
      "COMMENT ON TABLE public.t IS 'x';",
      '',
    ].join('\n')
    expect(withoutManagedTargetRefusals(script)).toBe(
      ['CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;', "COMMENT ON TABLE public.t IS 'x';", ''].join('\n'),
    )
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

describe('connection strings keep each side to its own credentials', () => {
  it('refuses a password in a URL flag, naming the flag and the ways to give one', async () => {
    const {parseConnectionUrl} = await import('../../src/lib/migrate/connection.js')
    expect(() => parseConnectionUrl('postgresql://app:s3cret@db.example.com/league', '--from')).toThrow(/^--from holds a password/)
    try {
      parseConnectionUrl('postgresql://app:s3cret@db.example.com/league', '--to')
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret')
      expect((error as {hint?: string}).hint).toContain('AURORACTL_TO_PASSWORD')
    }
  })

  it('honours sslmode and sslrootcert in the URL, lets the flags win, and refuses parameters it would ignore', async () => {
    const {parseConnectionUrl, withTlsOverrides} = await import('../../src/lib/migrate/connection.js')
    const parsed = parseConnectionUrl(
      'postgresql://app@db.example.com:6543/league?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem',
      '--from',
    )
    expect(parsed).toMatchObject({port: 6543, sslmode: 'verify-full', sslrootcert: '/etc/ca.pem'})
    expect(parseConnectionUrl('postgresql://app@db.example.com/league', '--from').sslmode).toBe('prefer')
    expect(withTlsOverrides(parsed, {caBundle: '/other.pem', sslmode: 'require'})).toMatchObject({
      sslmode: 'require',
      sslrootcert: '/other.pem',
    })
    expect(() => parseConnectionUrl('postgresql://app@h/db?sslmode=maybe', '--from')).toThrow(
      '--from sslmode is "maybe"; use one of disable, prefer, require, verify-ca, verify-full.',
    )
    expect(() => parseConnectionUrl('postgresql://app@h/db?target_session_attrs=read-write', '--from')).toThrow(
      /parameter "target_session_attrs"/,
    )
  })

  it("gives a child only its own side's libpq variables: never the caller's PGPASSWORD or PGHOST", async () => {
    const {libpqEnvironment} = await import('../../src/lib/migrate/connection.js')
    const inherited = {
      HOME: '/home/me',
      PATH: '/usr/bin',
      PGHOST: 'source-host',
      PGPASSFILE: '/home/me/.pgpass',
      PGPASSWORD: 'source-password',
      PGSSLMODE: 'disable',
      PGUSER: 'source-user',
    }
    const env = libpqEnvironment(
      {database: 'copy', host: 'target-host', port: 5432, sslmode: 'verify-full', user: 'app'},
      'copy',
      inherited,
    )
    expect(env).toMatchObject({
      HOME: '/home/me',
      PATH: '/usr/bin',
      PGDATABASE: 'copy',
      PGHOST: 'target-host',
      PGPASSFILE: '/home/me/.pgpass',
      PGSSLMODE: 'verify-full',
      PGUSER: 'app',
    })
    expect(env).not.toHaveProperty('PGPASSWORD')
  })

  it('quotes a database name for --dbname so libpq cannot read it as a connection string', async () => {
    const {dbnameArgument} = await import('../../src/lib/migrate/connection.js')
    expect(dbnameArgument('plain')).toBe("dbname='plain'")
    expect(dbnameArgument("host=evil dbname='x' \\")).toBe(String.raw`dbname='host=evil dbname=\'x\' \\'`)
  })

  it('masks URL passwords in any rendered error', async () => {
    const {toRenderedError, withoutUrlPasswords} = await import('../../src/lib/cli/errors.js')
    expect(withoutUrlPasswords('Unexpected argument: postgresql://app:hunter2@db:5432/x and postgres://u:p%40ss@h/y')).toBe(
      'Unexpected argument: postgresql://app:********@db:5432/x and postgres://u:********@h/y',
    )
    expect(toRenderedError(new Error('cannot reach postgresql://a:b@c/d')).message).not.toContain(':b@')
  })
})

describe('passfile lookup for one side', () => {
  it('finds the first matching line, with wildcards and escapes, whatever PGPASSWORD holds, and ignores a file others can read', async () => {
    const {chmod, mkdtemp, rm, writeFile} = await import('node:fs/promises')
    const {default: os} = await import('node:os')
    const {default: path} = await import('node:path')
    const {passfilePassword} = await import('../../src/lib/migrate/connection.js')
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-pgpass-unit-'))
    const file = path.join(dir, 'pgpass')
    try {
      await writeFile(
        file,
        [
          '# comment',
          'other-host:5432:*:app:wrong',
          'db.example.com:5432:league:app:first\\:one\\\\',
          'db.example.com:*:*:app:second',
          '',
        ].join('\n'),
        {mode: 0o600},
      )
      const env = {PGPASSFILE: file, PGPASSWORD: 'the-other-side'}
      expect(await passfilePassword({host: 'db.example.com', port: 5432, user: 'app'}, 'league', env)).toBe('first:one\\')
      expect(await passfilePassword({host: 'db.example.com', port: 6543, user: 'app'}, 'other', env)).toBe('second')
      expect(await passfilePassword({host: 'nowhere', port: 5432, user: 'app'}, 'league', env)).toBeUndefined()
      await chmod(file, 0o644)
      expect(await passfilePassword({host: 'db.example.com', port: 5432, user: 'app'}, 'league', env)).toBeUndefined()
    } finally {
      await rm(dir, {force: true, recursive: true})
    }
  })
})
