import {describe, expect, it} from 'vitest'

import {parseSize} from '../../src/lib/cli/size.js'
import {
  copyableByPsql,
  copyInCommand,
  copyOutCommand,
  planCopyTasks,
  sessionSettingsSql,
  type TableLayout,
} from '../../src/lib/migrate/table-copy.js'
import {qualified} from '../../src/lib/pg/verification/inventory.js'

const MiB = 1024 ** 2
const layout = (name: string, pages: number, columns = ['id', 'body']): TableLayout => ({
  builtInTypes: true,
  columns,
  pages,
  table: {bytes: pages * 8192, columns: [], hasPrimaryKey: true, isPartition: false, name, schema: 'public'},
})

describe('planCopyTasks', () => {
  it('copies every table whole and frozen with one job, largest first', () => {
    const tasks = planCopyTasks([layout('small', 10), layout('big', 100_000), layout('mid', 5000)], 1, {tidRangeScans: true})
    expect(tasks.map((task) => [task.table.name, task.freeze, task.range])).toEqual([
      ['big', true, undefined],
      ['mid', true, undefined],
      ['small', true, undefined],
    ])
  })

  it('splits a dominant table over the split size into one CTID range per job, the last one open-ended, and none frozen', () => {
    const tasks = planCopyTasks([layout('accounts', 32_787), layout('branches', 1)], 2, {splitBytes: 16 * MiB, tidRangeScans: true})
    expect(tasks).toHaveLength(3)
    const parts = tasks.filter((task) => task.table.name === 'accounts')
    expect(parts.map((task) => task.range)).toEqual([
      {from: 0, to: 16_394},
      {from: 16_394, to: null},
    ])
    expect(parts.every((task) => !task.freeze)).toBe(true)
    const branches = tasks.find((task) => task.table.name === 'branches')!
    expect([branches.freeze, branches.range]).toEqual([true, undefined])
  })

  it('copies tables of similar size whole (frozen) side by side instead of splitting them', () => {
    const tasks = planCopyTasks([layout('a', 30_000), layout('b', 30_000), layout('c', 30_000)], 2, {
      splitBytes: 16 * MiB,
      tidRangeScans: true,
    })
    expect(tasks.every((task) => task.freeze && task.range === undefined)).toBe(true)
  })

  it('loads a dominant table whole and frozen while it is under the split size (1GB by default)', () => {
    // pgbench_accounts at scale 20 (256 MB of heap) and at scale 100 (1.28 GB).
    expect(planCopyTasks([layout('accounts', 32_787)], 2, {tidRangeScans: true})).toHaveLength(1)
    expect(planCopyTasks([layout('accounts', 163_935)], 2, {tidRangeScans: true})).toHaveLength(2)
  })

  it('never splits without TID range scans (PostgreSQL before 14)', () => {
    const whole = planCopyTasks([layout('t', 200_000)], 4, {tidRangeScans: false})
    expect(whole.map((task) => [task.freeze, task.range])).toEqual([[true, undefined]])
  })

  it('covers every page exactly once when it splits', () => {
    const tasks = planCopyTasks([layout('t', 100_003)], 3, {splitBytes: 16 * MiB, tidRangeScans: true})
    const ranges = tasks.map((task) => task.range!)
    expect(ranges[0]!.from).toBe(0)
    for (let index = 1; index < ranges.length; index++) expect(ranges[index]!.from).toBe(ranges[index - 1]!.to)
    expect(ranges.at(-1)!.to).toBeNull()
  })
})

describe('the COPY commands', () => {
  const weird = layout('Se"ason', 1, ['id', 'Full Name'])

  it('names the columns, quoted, on both sides, and FREEZE only on a whole table', () => {
    const [task] = planCopyTasks([weird], 1, {tidRangeScans: true})
    expect(copyOutCommand(task!)).toBe(String.raw`\copy "public"."Se""ason" ("id", "Full Name") to pstdout`)
    expect(copyInCommand(task!)).toBe(String.raw`\copy "public"."Se""ason" ("id", "Full Name") from pstdin with (freeze)`)
  })

  it('reads a range by CTID from the table itself (ONLY: not its children)', () => {
    const task = {binary: false, columns: ['id'], freeze: false, range: {from: 10, to: 20}, table: weird.table}
    expect(copyOutCommand(task)).toBe(
      String.raw`\copy (SELECT "id" FROM ONLY "public"."Se""ason" WHERE ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid) to pstdout`,
    )
    expect(copyOutCommand({...task, range: {from: 20, to: null}})).toMatch(/WHERE ctid >= '\(20,0\)'::tid\) to pstdout$/)
    expect(copyInCommand(task)).toBe(String.raw`\copy "public"."Se""ason" ("id") from pstdin`)
  })

  it('uses the binary format only when both servers run the same major version and every column is of a built-in type', () => {
    const [same] = planCopyTasks([layout('t', 1)], 1, {sameMajor: true, tidRangeScans: true})
    expect(copyOutCommand(same!)).toBe(String.raw`\copy "public"."t" ("id", "body") to pstdout with (format binary)`)
    expect(copyInCommand(same!)).toBe(String.raw`\copy "public"."t" ("id", "body") from pstdin with (freeze, format binary)`)
    const [versions] = planCopyTasks([layout('t', 1)], 1, {sameMajor: false, tidRangeScans: true})
    expect(copyOutCommand(versions!)).not.toContain('binary')
    const [enums] = planCopyTasks([{...layout('t', 1), builtInTypes: false}], 1, {sameMajor: true, tidRangeScans: true})
    expect(copyInCommand(enums!)).toBe(String.raw`\copy "public"."t" ("id", "body") from pstdin with (freeze)`)
  })

  it('leaves a table with no copyable column without a column list (COPY of zero columns)', () => {
    const [task] = planCopyTasks([layout('empty', 1, [])], 1, {tidRangeScans: true})
    expect(copyOutCommand(task!)).toBe(String.raw`\copy "public"."empty" to pstdout`)
  })

  it('leaves a name psql cannot put on one line to pg_restore', () => {
    expect(copyableByPsql(layout('ok', 1))).toBe(true)
    expect(copyableByPsql(layout('two\nlines', 1))).toBe(false)
    expect(copyableByPsql(layout('t', 1, ['a\rb']))).toBe(false)
  })

  it('sets what pg_dump sets: the source encoding, ISO dates, every float digit, no timeouts, row security off', () => {
    const sql = sessionSettingsSql("LATIN'1")
    expect(sql).toContain(`SET client_encoding = 'LATIN''1'`)
    for (const setting of ['DateStyle = ISO', 'extra_float_digits = 3', 'statement_timeout = 0', 'row_security = off'])
      expect(sql).toContain(setting)
  })
})

describe('the --exclude-table-data pattern of a copied table (qualified)', () => {
  it('quotes both parts so that no character is a pg_dump wildcard', () => {
    expect(qualified({name: 'a*b?', schema: 'Sales.EU'})).toBe('"Sales.EU"."a*b?"')
    expect(qualified({name: 'say "hi"', schema: 'public'})).toBe('"public"."say ""hi"""')
  })
})

describe('parseSize (--split-tables-larger-than)', () => {
  const limits = {max: 16 * 1024 ** 4, min: 16 * 1024 ** 2}

  it('reads PostgreSQL units, each 1024 times the one before', () => {
    expect(parseSize('1GB', '--split-tables-larger-than', limits)).toBe(1024 ** 3)
    expect(parseSize('512mb', '--split-tables-larger-than', limits)).toBe(512 * 1024 ** 2)
    expect(parseSize('1.5TB', '--split-tables-larger-than', limits)).toBe(1.5 * 1024 ** 4)
  })

  it.each([
    ['1GiB', 'is not a size: use a number and a unit, e.g. 512MB, 1GB, 2TB.'],
    ['100', 'is not a size'],
    ['abc', 'is not a size'],
    ['', 'is not a size'],
    ['8MB', 'must be from 16MB to 16TB.'],
    ['17TB', 'must be from 16MB to 16TB.'],
  ])('refuses %s, naming the flag', (value, message) => {
    expect(() => parseSize(value, '--split-tables-larger-than', limits)).toThrow(`--split-tables-larger-than "${value}" ${message}`)
  })
})
