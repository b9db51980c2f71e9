import {describe, expect, it} from 'vitest'

import {dumpFilterArgs} from '../../src/lib/migrate/copy.js'
import {crossDatabasePatterns, filterParams, parseFilter, patternToRegex} from '../../src/lib/pg/verification/filter.js'

const table = (pattern: string) => patternToRegex(pattern, {flag: '--table', parts: 2})
const schema = (pattern: string) => patternToRegex(pattern, {flag: '--schema', parts: 1})

describe('patternToRegex (psql and pg_dump pattern rules)', () => {
  it('folds unquoted letters to lower case and anchors each part; an unqualified pattern has no schema part', () => {
    expect(table('Orders')).toEqual({database: undefined, name: '^(orders)$', schema: null})
    expect(table('Sales.Orders')).toEqual({database: undefined, name: '^(orders)$', schema: '^(sales)$'})
  })

  it('keeps quoted names exactly: upper case, dots, escaped quotes and regex characters', () => {
    expect(table('"Sales"."Orders"')).toMatchObject({name: '^(Orders)$', schema: '^(Sales)$'})
    expect(table('"a.b"."dot.ted"')).toMatchObject({name: String.raw`^(dot\.ted)$`, schema: String.raw`^(a\.b)$`})
    expect(table('"with""quote"')).toMatchObject({name: '^(with"quote)$', schema: null})
    expect(table('"x*y?(z)|[w]+"')).toMatchObject({name: String.raw`^(x\*y\?\(z\)\|\[w\]\+)$`})
    // Only the quoted part is literal; the rest of the word still folds and globs.
    expect(table('Pre"Fix*"Rest*')).toMatchObject({name: String.raw`^(preFix\*rest.*)$`})
  })

  it('turns * and ? into .* and . outside quotes, and lets other regex characters through', () => {
    expect(table('audit_*')).toMatchObject({name: '^(audit_.*)$', schema: null})
    expect(table('*.t?')).toMatchObject({name: '^(t.)$', schema: '^(.*)$'})
    expect(table('t(x|_)1')).toMatchObject({name: '^(t(x|_)1)$'})
    expect(table('t[xy]1')).toMatchObject({name: '^(t[xy]1)$'})
  })

  it('always matches $ literally, and [] (an array type name) literally', () => {
    expect(table('t$1')).toMatchObject({name: String.raw`^(t\$1)$`})
    expect(table('"t$1"')).toMatchObject({name: String.raw`^(t\$1)$`})
    expect(table('int[]')).toMatchObject({name: String.raw`^(int\[])$`})
  })

  it('reads a leading database part literally (folded), as pg_dump does before refusing other databases', () => {
    expect(table('League.public.t*')).toEqual({database: 'league', name: '^(t.*)$', schema: '^(public)$'})
    expect(schema('league.Sales')).toEqual({database: 'league', name: '^(sales)$', schema: null})
    expect(
      crossDatabasePatterns({excludeTables: ['other.public.t'], schemas: ['league.s'], tables: ['league.public.x']}, 'league'),
    ).toEqual(['other.public.t'])
  })

  it('refuses too many dotted names, an empty pattern and an open quote, naming the flag (exit 2)', () => {
    expect(() => table('a.b.c.d')).toThrow(
      /^--table a\.b\.c\.d: too many dotted names \(at most schema\.table, or database\.schema\.table\)/,
    )
    expect(() => schema('a.b.c')).toThrow(/^--schema a\.b\.c: too many dotted names/)
    expect(() => table('"a.b"."c.d"')).not.toThrow()
    expect(() => parseFilter({excludeTables: [' '], schemas: [], tables: []})).toThrow(/^--exclude-table needs a pattern/)
    expect(() => table('"open')).toThrow(/^--table "open: unterminated double quote/)
    try {
      table('a.b.c.d')
    } catch (error) {
      expect(error).toMatchObject({code: 'BAD_INPUT', exitCode: 2})
    }
  })
})

describe('the filter as query parameters and pg_dump arguments', () => {
  it('passes the regexes as parameters (never in the SQL text), NULL for an unqualified pattern', () => {
    expect(filterParams({excludeTables: ['logs_*'], schemas: ['Sales'], tables: ['"S".t', 'x']})).toEqual([
      ['^(sales)$'],
      ['^(S)$', null],
      ['^(t)$', '^(x)$'],
      [null],
      ['^(logs_.*)$'],
      true,
    ])
    // Resolved on the source, an unqualified pattern names the relations it matched there, exactly.
    const resolved = {exclude: [{name: String.raw`^(t\$1)$`, schema: '^(public)$'}], include: [], schemas: []}
    expect(filterParams({excludeTables: ['t$1'], resolved, schemas: [], tables: []})).toEqual([
      [],
      [],
      [],
      ['^(public)$'],
      [String.raw`^(t\$1)$`],
      false,
    ])
  })

  it('gives pg_dump the patterns as typed, with --strict-names only when something is included', () => {
    expect(dumpFilterArgs({excludeTables: ['"A".b*'], schemas: [], tables: []})).toEqual(['--exclude-table', '"A".b*'])
    expect(dumpFilterArgs({excludeTables: ['x'], schemas: ['s'], tables: ['t']})).toEqual([
      '--schema',
      's',
      '--table',
      't',
      '--exclude-table',
      'x',
      '--strict-names',
    ])
  })
})
