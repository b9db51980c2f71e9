import {createHash, createHmac, pbkdf2Sync} from 'node:crypto'
import {describe, expect, it} from 'vitest'

import {alterRolePasswordSql, passwordExcludedCharacters, scramSha256Verifier, verifierLiteral} from '../../src/lib/credentials/password.js'
import {quoteIdentifier, quoteLiteral} from '../../src/lib/pg/sql.js'

describe('SCRAM-SHA-256 verifiers', () => {
  it('has the format PostgreSQL stores, with keys derived from the password and salt', () => {
    const salt = Buffer.from('0123456789abcdef')
    const verifier = scramSha256Verifier('correct horse', salt)
    const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier)
    expect(match).not.toBeNull()
    expect(Buffer.from(match![1]!, 'base64')).toEqual(salt)
    const salted = pbkdf2Sync('correct horse', salt, 4096, 32, 'sha256')
    const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64')
    expect(match![2]).toBe(storedKey)
    expect(match![3]).toBe(createHmac('sha256', salted).update('Server Key').digest('base64'))
    expect(scramSha256Verifier('correct horse', salt)).toBe(verifier)
    expect(scramSha256Verifier('correct horse')).not.toBe(scramSha256Verifier('correct horse'))
  })

  it('sets a password without the password in the statement, quoting the role name', () => {
    const sql = alterRolePasswordSql('app "user"', "pa'ss")
    expect(sql).toMatch(/^ALTER ROLE "app ""user""" PASSWORD 'SCRAM-SHA-256\$4096:/)
    expect(sql).not.toContain("pa'ss")
  })

  it('quotes the verifier as a literal (what CREATE ROLE and ALTER ROLE take), never the password', () => {
    const literal = verifierLiteral("pa'ss")
    expect(literal).toMatch(/^'SCRAM-SHA-256\$4096:[^']+'$/)
    expect(literal).not.toContain("pa'ss")
  })

  it('excludes characters that break URIs, shells and .pgpass lines from generated passwords', () => {
    for (const character of [' ', '"', "'", '\\', '/', '@', ':', '?', '#', '%', '&', '$', '`']) {
      expect(passwordExcludedCharacters).toContain(character)
    }
  })
})

describe('SQL quoting (pg/sql.ts)', () => {
  it('doubles the quote character of each kind, and nothing else', () => {
    expect(quoteIdentifier('app')).toBe('"app"')
    expect(quoteIdentifier('we"ird name')).toBe('"we""ird name"')
    expect(quoteLiteral("it's")).toBe("'it''s'")
    expect(quoteLiteral(String.raw`back\slash "x"`)).toBe(String.raw`'back\slash "x"'`)
  })
})
