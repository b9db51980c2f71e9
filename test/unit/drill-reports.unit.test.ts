import {XMLParser} from 'fast-xml-parser'
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import type {DrillReport} from '../../src/lib/drill/types.js'

import {renderDrillJunit, renderDrillMarkdown, renderDrillText, writeDrillReports} from '../../src/lib/drill/reports.js'
import {createPalette} from '../../src/lib/render/colour.js'

const base: DrillReport = {
  checks: [
    {detail: 'returned true', kind: 'smoke', name: 'SELECT count(*) > 0 FROM games', passed: true},
    {detail: 'manifest 500 rows, restored 490 rows', kind: 'table', name: '"public"."games"', passed: false},
  ],
  drillCluster: 'nba-drill-20261128030405',
  finishedAt: '2026-11-28T03:10:00.000Z',
  manifest: {file: 'm.json', mode: 'count', takenAt: '2026-11-28T02:00:00.000Z'},
  outcome: 'failed',
  phases: [
    {detail: 'nba-1: manual, by id', name: 'pick', seconds: 0.2, status: 'passed'},
    {detail: 'accepted 1 s', name: 'restore', seconds: 300.5, status: 'passed'},
    {detail: 'login works', name: 'ready', seconds: 12, status: 'passed'},
    {detail: `1 of 2 checks failed: a | b <&"'>`, name: 'verify', seconds: 3.1, status: 'failed'},
    {detail: 'deleted nba-drill-20261128030405', name: 'teardown', seconds: 40, status: 'passed'},
  ],
  restoreSeconds: 312.7,
  snapshot: {createdAt: '2026-11-28T02:00:01.000Z', id: 'nba-1', type: 'manual'},
  sourceCluster: 'nba',
  startedAt: '2026-11-28T03:04:05.000Z',
  teardown: {detail: 'deleted nba-drill-20261128030405', status: 'deleted'},
  totalSeconds: 355.8,
  verifyMode: 'count',
}

describe('drill reports', () => {
  it('text: the outcome, the phases, the failed check and the teardown', async () => {
    const text = await renderDrillText(base, createPalette({json: false, noColorFlag: true}))
    expect(text.split('\n')[0]).toBe('FAILED: drill of nba from snapshot nba-1 into nba-drill-20261128030405; restore 312.7 s, total 355.8 s')
    expect(text).toContain('✗ table "public"."games": manifest 500 rows, restored 490 rows')
    expect(text).toContain('2 checks, 1 failed')
    expect(text).toContain('Teardown: deleted nba-drill-20261128030405')
  })

  it('JUnit: well-formed, counts consistent with the test cases, text escaped and round-tripped', () => {
    const parsed = new XMLParser({ignoreAttributes: false}).parse(renderDrillJunit(base))
    const suite = parsed.testsuites.testsuite
    expect(suite['@_tests']).toBe(String(suite.testcase.length))
    expect(suite.testcase).toHaveLength(4 + 2 + 1)
    const failures = suite.testcase.filter((testcase: Record<string, unknown>) => testcase.failure !== undefined)
    expect(suite['@_failures']).toBe(String(failures.length))
    expect(failures.map((testcase: Record<string, string>) => testcase['@_name'])).toEqual(['verify', '"public"."games"'])
    expect(failures[0].failure['@_message']).toBe(`1 of 2 checks failed: a | b <&"'>`)
  })

  it('JUnit: a skipped phase is skipped, a failed teardown is a failure', () => {
    const report: DrillReport = {
      ...base,
      checks: [],
      outcome: 'error',
      phases: [{detail: 'not reached', name: 'verify', seconds: 0, status: 'skipped'}],
      teardown: {detail: 'cluster still there', status: 'failed'},
    }
    const suite = new XMLParser({ignoreAttributes: false}).parse(renderDrillJunit(report)).testsuites.testsuite
    expect(suite['@_skipped']).toBe('1')
    expect(suite['@_failures']).toBe('1')
  })

  it('Markdown: heading, the phase table, pipes escaped in cells', () => {
    const markdown = renderDrillMarkdown(base)
    expect(markdown).toMatch(/^## Restore drill: ❌ failed\n/)
    expect(markdown).toContain('| restore | passed | 300.5 | accepted 1 s |')
    expect(markdown).toContain(String.raw`a \| b`)
    expect(markdown).toContain('| table | "public"."games" | manifest 500 rows, restored 490 rows |')
  })

  it('writes the three files, creating folders, and the JSON reads back as the report', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'drill-reports-'))
    const files = {json: path.join(dir, 'a', 'r.json'), junit: path.join(dir, 'b', 'r.xml'), markdown: path.join(dir, 'r.md')}
    expect(await writeDrillReports(base, files)).toEqual([files.json, files.junit, files.markdown])
    expect(JSON.parse(await readFile(files.json, 'utf8'))).toEqual(base)
    expect(await readFile(files.markdown, 'utf8')).toBe(renderDrillMarkdown(base))
  })
})
