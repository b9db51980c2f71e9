import {describe, expect, it} from 'vitest'

import type {SnapshotManifest} from '../../src/lib/drill/manifest.js'
import type {DrillReport} from '../../src/lib/drill/types.js'

import {identifierProblem} from '../../src/lib/cli/validation.js'
import {drillClusterId, drillExitCode, validateDrill} from '../../src/lib/drill/drill.js'

const manifest = {mode: 'count', snapshotId: 'nba-20261128'} as SnapshotManifest

describe('drillClusterId', () => {
  it('is <cluster>-drill-<yyyymmddhhmmss>-<4 random> in UTC', () => {
    expect(drillClusterId('nba-tracker-prod', new Date('2026-11-28T03:04:05Z'), 'k3x9')).toBe('nba-tracker-prod-drill-20261128030405-k3x9')
    expect(drillClusterId('nba-tracker-prod', new Date('2026-11-28T03:04:05Z'))).toMatch(
      /^nba-tracker-prod-drill-20261128030405-[a-z0-9]{4}$/,
    )
  })

  it("differs for two drills started in the same second (two CI jobs), within RDS's rules", () => {
    const now = new Date('2026-11-28T03:04:05Z')
    const ids = new Set(Array.from({length: 50}, () => drillClusterId('nba-tracker-prod', now)))
    expect(ids.size).toBe(50)
    for (const id of ids) expect(identifierProblem(id, 'cluster')).toBeUndefined()
  })

  it('stays within 63 characters and never ends the cut in a hyphen', () => {
    const id = drillClusterId(`${'a'.repeat(36)}-${'b'.repeat(30)}`, new Date('2026-11-28T03:04:05Z'), 'k3x9')
    expect(id.length).toBeLessThanOrEqual(63)
    expect(id).toMatch(/^a{36}-drill-20261128030405-k3x9$/)
    expect(identifierProblem(id, 'cluster')).toBeUndefined()
  })
})

describe('validateDrill', () => {
  it('refuses an empty --check', () => {
    expect(() => validateDrill({checks: ['  '], snapshot: {kind: 'latest'}, verify: 'count'})).toThrow(/--check must be a SQL query/)
  })

  it('refuses --verify checksum with a count-only manifest, and a manifest for another snapshot', () => {
    expect(() =>
      validateDrill({checks: [], manifest: {file: 'm.json', manifest}, snapshot: {id: 'nba-20261128', kind: 'id'}, verify: 'checksum'}),
    ).toThrow(/m.json has counts only/)
    expect(() =>
      validateDrill({checks: [], manifest: {file: 'm.json', manifest}, snapshot: {id: 'other', kind: 'id'}, verify: 'count'}),
    ).toThrow(/describes snapshot nba-20261128, not other/)
    expect(() =>
      validateDrill({
        checks: ['SELECT true'],
        manifest: {file: 'm.json', manifest},
        snapshot: {id: 'nba-20261128', kind: 'id'},
        verify: 'count',
      }),
    ).not.toThrow()
  })
})

describe('drillExitCode', () => {
  it.each([
    ['passed', 0],
    ['failed', 4],
    ['timeout', 5],
    ['interrupted', 130],
    ['error', 1],
  ] as const)('%s exits %i', (outcome, code) => {
    expect(drillExitCode({outcome} as DrillReport)).toBe(code)
  })
})
