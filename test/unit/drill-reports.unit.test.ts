import {Ansis} from 'ansis'
import {XMLParser, XMLValidator} from 'fast-xml-parser'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {stripVTControlCharacters} from 'node:util'
import {afterEach, describe, expect, it} from 'vitest'

import type {DrillCheck, DrillReport} from '../../src/lib/drill/types.js'

import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderDrillJunit, renderDrillMarkdown, renderDrillText, writeDrillReports} from '../../src/lib/drill/reports.js'

const plain = createPalette({json: false, noColorFlag: true})
const awkward = `a | b <&"'>`

const passing: DrillReport = {
  checks: [
    {detail: 'returned true', kind: 'smoke', name: 'SELECT count(*) > 0 FROM games', passed: true},
    {detail: '12 tables, 3 sequences, 4 views', kind: 'objects', name: 'schema', passed: true},
    {detail: 'manifest 500 rows, restored 500 rows', kind: 'table', name: '"public"."games"', passed: true},
  ],
  drillCluster: 'nba-drill-20261128030405',
  finishedAt: '2026-11-28T03:10:00.000Z',
  manifest: {file: 'manifests/nba.json', mode: 'count', takenAt: '2026-11-28T02:00:00.000Z'},
  outcome: 'passed',
  phases: [
    {detail: 'nba-1: manual, by id', name: 'pick', seconds: 0.2, status: 'passed'},
    {detail: 'accepted in 1 s', name: 'restore', seconds: 300.5, status: 'passed'},
    {detail: 'login works', name: 'ready', seconds: 12, status: 'passed'},
    {detail: '3 checks passed', name: 'verify', seconds: 3.1, status: 'passed'},
    {detail: 'deleted nba-drill-20261128030405 (no final snapshot)', name: 'teardown', seconds: 40, status: 'passed'},
  ],
  restoreSeconds: 312.7,
  snapshot: {createdAt: '2026-11-28T02:00:01.000Z', id: 'nba-1', type: 'manual'},
  sourceCluster: 'nba',
  startedAt: '2026-11-28T03:04:05.000Z',
  teardown: {detail: 'deleted nba-drill-20261128030405 (no final snapshot)', status: 'deleted'},
  totalSeconds: 355.8,
  verifyMode: 'count',
  warnings: [],
}

const failing: DrillReport = {
  ...passing,
  checks: [
    passing.checks[0]!,
    {detail: 'manifest 500 rows, restored 490 rows', kind: 'table', name: '"public"."games"', passed: false},
    {detail: `manifest 7, restored ${awkward}`, kind: 'sequence', name: 'public.games_id_seq', passed: false},
  ],
  outcome: 'failed',
  phases: passing.phases.map((phase) =>
    phase.name === 'verify' ? {...phase, detail: `2 of 3 checks failed: ${awkward}`, status: 'failed'} : phase,
  ),
}

/** A <testcase> as fast-xml-parser reads it: attributes without prefix, child elements always arrays. */
interface ParsedTestcase {
  classname: string
  failure?: Array<{'#text': string; message: string}>
  name: string
  skipped?: Array<{message: string}>
  time: string
}

/** What the JUnit file holds, as a CI reporter would read it. */
function parseJunit(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true)
  const parsed = new XMLParser({
    attributeNamePrefix: '',
    ignoreAttributes: false,
    isArray: (name, _path, _isLeaf, isAttribute) =>
      !isAttribute && ['failure', 'property', 'skipped', 'testcase', 'testsuite'].includes(name),
  }).parse(xml)
  const suites = parsed.testsuites
  const suite = suites.testsuite[0]
  const cases = suite.testcase as ParsedTestcase[]
  return {
    cases,
    counted: {
      failures: cases.filter((testcase) => testcase.failure).length,
      skipped: cases.filter((testcase) => testcase.skipped).length,
      tests: cases.length,
    },
    suite,
    suites,
  }
}

describe('renderDrillText', () => {
  it('a passing drill: the headline, every check ticked (10 or fewer) and the teardown', () => {
    const text = renderDrillText(passing, plain)
    expect(text.split('\n')[0]).toBe(
      'PASSED: drill of nba from snapshot nba-1 into nba-drill-20261128030405; restore 312.7 s (5m13s), total 355.8 s (5m56s)',
    )
    expect(text).toMatch(/Phase\s+│?\s*Status\s+│?\s*Seconds\s+│?\s*Detail/)
    expect(text).toMatch(/restore\s+│\s+passed\s+│\s+300\.5\s+│\s+accepted in 1 s/)
    expect(text).toContain('3 checks, 0 failed (against the count manifest taken 2026-11-28T02:00:00.000Z)')
    expect(text).toContain('  ✓ smoke SELECT count(*) > 0 FROM games: returned true')
    expect(text).toContain('  ✓ table "public"."games": manifest 500 rows, restored 500 rows')
    expect(text).not.toContain('✗')
    expect(text).toContain('Teardown: deleted nba-drill-20261128030405 (no final snapshot)')
    expect(text).not.toContain('Error:')
  })

  it('a failing drill: FAILED and one line per failed check', () => {
    const text = renderDrillText(failing, plain)
    expect(text.split('\n')[0]).toMatch(/^FAILED: drill of nba from snapshot nba-1 into nba-drill-20261128030405; restore 312\.7 s/)
    expect(text).toContain('3 checks, 2 failed')
    expect(text).toContain('  ✗ table "public"."games": manifest 500 rows, restored 490 rows')
    expect(text).toContain(`  ✗ sequence public.games_id_seq: manifest 7, restored ${awkward}`)
  })

  it('more than 10 checks: only the failed ones are listed', () => {
    const many: DrillCheck[] = Array.from({length: 12}, (_, index) => ({
      detail: 'ok',
      kind: 'table',
      name: `t${index}`,
      passed: index !== 7,
    }))
    const text = renderDrillText({...failing, checks: many}, plain)
    expect(text).toContain('12 checks, 1 failed')
    expect(text).toContain('  ✗ table t7: ok')
    expect(text).not.toContain('✓')
  })

  it('timeout, a kept cluster, a failed teardown and the error', () => {
    const kept = renderDrillText(
      {...passing, teardown: {detail: 'nba-drill-1 kept (--keep); remove it with `auroractl drill cleanup`', status: 'kept'}},
      plain,
    )
    expect(kept).toContain('Teardown: nba-drill-1 kept (--keep); remove it with `auroractl drill cleanup`')
    const broken = renderDrillText(
      {
        ...passing,
        checks: [],
        error: 'The drill ran out of its 60 min --timeout.',
        outcome: 'timeout',
        snapshot: null,
        teardown: {detail: 'AccessDenied', status: 'failed'},
      },
      plain,
    )
    expect(broken.split('\n')[0]).toMatch(/^TIMED OUT: drill of nba from snapshot \(none picked\)/)
    expect(broken).toContain('No checks ran.')
    expect(broken).toContain('Teardown FAILED: AccessDenied')
    expect(broken).toContain('Error: The drill ran out of its 60 min --timeout.')
  })

  it('colours: green for passed, red for failed, yellow for skipped and kept', () => {
    const colour = new Ansis(3)
    const report: DrillReport = {
      ...failing,
      phases: [...failing.phases.slice(0, 3), {detail: 'not reached', name: 'verify', seconds: 0, status: 'skipped'}],
      teardown: {detail: 'kept (--keep)', status: 'kept'},
    }
    const text = renderDrillText(report, colour)
    expect(text).toContain(colour.red(stripVTControlCharacters(text.split('\n')[0]!)))
    expect(text).toContain(colour.green('passed'))
    expect(text).toContain(colour.yellow('skipped'))
    expect(text).toContain(colour.red('✗'))
    expect(text).toContain(colour.yellow('Teardown: kept (--keep)'))
  })
})

describe('renderDrillJunit', () => {
  it('is well-formed XML with a case per phase, per check and for the teardown, and consistent counts', () => {
    const xml = renderDrillJunit(failing)
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
    const {cases, counted, suite, suites} = parseJunit(xml)
    expect(cases.map((testcase) => `${testcase.classname} ${testcase.name}`)).toEqual([
      'drill.phase pick',
      'drill.phase restore',
      'drill.phase ready',
      'drill.phase verify',
      'drill.check.smoke SELECT count(*) > 0 FROM games',
      'drill.check.table "public"."games"',
      'drill.check.sequence public.games_id_seq',
      'drill.teardown teardown',
    ])
    expect(counted).toEqual({failures: 3, skipped: 0, tests: 8})
    for (const element of [suites, suite]) {
      expect(element).toMatchObject({
        failures: String(counted.failures),
        skipped: String(counted.skipped),
        tests: String(counted.tests),
        time: '355.8',
      })
    }

    expect(suites.name).toBe('auroractl drill')
    expect(suite.name).toBe('drill nba')
    expect(suite.timestamp).toBe('2026-11-28T03:04:05.000Z')
    expect(cases.find((testcase) => testcase.name === 'restore')?.time).toBe('300.5')
    expect(cases.at(-1)?.time).toBe('40')
    expect(suite.properties.property).toContainEqual({name: 'outcome', value: 'failed'})
  })

  it('escapes the five XML characters so they read back unchanged', () => {
    const {cases} = parseJunit(renderDrillJunit(failing))
    const verify = cases.find((testcase) => testcase.name === 'verify')!
    expect(verify.failure?.[0]?.message).toBe(`2 of 3 checks failed: ${awkward}`)
    expect(verify.failure?.[0]?.['#text']).toBe(`2 of 3 checks failed: ${awkward}`)
    const sequence = cases.find((testcase) => testcase.name === 'public.games_id_seq')!
    expect(sequence.failure?.[0]?.message).toBe(`manifest 7, restored ${awkward}`)
  })

  it('drops characters XML 1.0 cannot carry and keeps the rest, emoji included', () => {
    const report: DrillReport = {
      ...failing,
      checks: [{detail: 'bad\u0000byte\u001B[31m \uD800 ok 🦆', kind: 'smoke', name: `SELECT '<x>'`, passed: false}],
    }
    const xml = renderDrillJunit(report)
    const {cases} = parseJunit(xml)
    const smoke = cases.find((testcase) => testcase.classname === 'drill.check.smoke')!
    expect(smoke.name).toBe(`SELECT '<x>'`)
    expect(smoke.failure?.[0]?.message).toBe('badbyte[31m  ok 🦆')
  })

  it('a skipped phase is skipped, a kept cluster is skipped, a failed teardown is a failure', () => {
    const skippedVerify = {...passing.phases[3]!, detail: 'not reached', status: 'skipped' as const}
    const kept = parseJunit(
      renderDrillJunit({
        ...passing,
        phases: [...passing.phases.slice(0, 3), skippedVerify],
        teardown: {detail: 'kept (--keep)', status: 'kept'},
      }),
    )
    expect(kept.counted).toEqual({failures: 0, skipped: 2, tests: 8})
    expect(kept.suite.skipped).toBe('2')
    expect(kept.cases.find((testcase) => testcase.name === 'verify')?.skipped).toEqual([{message: 'not reached'}])

    const failed = parseJunit(
      renderDrillJunit({
        ...passing,
        checks: [],
        error: 'Interrupted.',
        outcome: 'interrupted',
        phases: [skippedVerify],
        teardown: {detail: 'cluster still there', status: 'failed'},
      }),
    )
    expect(failed.counted).toEqual({failures: 1, skipped: 1, tests: 2})
    expect(failed.suite).toMatchObject({failures: '1', skipped: '1', tests: '2'})
    expect(failed.cases.at(-1)).toMatchObject({
      classname: 'drill.teardown',
      failure: [{'#text': 'cluster still there', message: 'cluster still there'}],
    })
    expect(failed.suite['system-err']).toBe('Interrupted.')
  })

  it('a passing drill has no failures', () => {
    const {counted, suite} = parseJunit(renderDrillJunit(passing))
    expect(counted).toEqual({failures: 0, skipped: 0, tests: 8})
    expect(suite.failures).toBe('0')
  })
})

describe('renderDrillMarkdown', () => {
  it('a passing drill: heading, bullets, phase table, checks passed', () => {
    const markdown = renderDrillMarkdown(passing)
    expect(markdown).toMatch(/^## Restore drill: ✅ passed\n/)
    expect(markdown).toContain('- Source cluster: `nba`')
    expect(markdown).toContain('- Snapshot: `nba-1`, manual, taken 2026-11-28T02:00:01.000Z')
    expect(markdown).toContain('- Drill cluster: `nba-drill-20261128030405`')
    expect(markdown).toContain('- Restore time (pick + restore + ready): **312.7 s (5m13s)**')
    expect(markdown).toContain('- Total time: 355.8 s (5m56s)')
    expect(markdown).toContain('- Manifest: `manifests/nba.json`, count, taken 2026-11-28T02:00:00.000Z')
    expect(markdown).toContain('- Teardown: deleted nba-drill-20261128030405 (no final snapshot)')
    expect(markdown).toContain('| Phase | Status | Seconds | Detail |\n|---|---|---:|---|\n| pick | passed | 0.2 | nba-1: manual, by id |')
    expect(markdown).toContain('| restore | passed | 300.5 | accepted in 1 s |')
    expect(markdown).toContain('| teardown | passed | 40.0 | deleted nba-drill-20261128030405 (no final snapshot) |')
    expect(markdown).toContain('3 of 3 passed, 0 failed.')
    expect(markdown).not.toContain('| Kind | Name | Detail |')
  })

  it('a failing drill: the failed checks in a table, pipes and line breaks kept inside their cells', () => {
    const markdown = renderDrillMarkdown({
      ...failing,
      phases: [...failing.phases, {detail: 'line one\nline two', name: 'teardown', seconds: 1, status: 'passed'}],
    })
    expect(markdown).toMatch(/^## Restore drill: ❌ failed\n/)
    expect(markdown).toContain(String.raw`| verify | failed | 3.1 | 2 of 3 checks failed: a \| b &lt;&"'> |`)
    expect(markdown).toContain('| teardown | passed | 1.0 | line one line two |')
    expect(markdown).toContain('1 of 3 passed, 2 failed.')
    expect(markdown).toContain('| Kind | Name | Detail |')
    expect(markdown).toContain('| table | "public"."games" | manifest 500 rows, restored 490 rows |')
    expect(markdown).toContain(String.raw`| sequence | public.games_id_seq | manifest 7, restored a \| b &lt;&"'> |`)
    // Every table row has exactly its columns' worth of unescaped pipes.
    for (const row of markdown.split('\n').filter((line) => line.startsWith('|'))) {
      const pipes = row.replaceAll(String.raw`\|`, '').split('|').length - 1
      expect(pipes === 5 || pipes === 4, row).toBe(true)
    }
  })

  it('the other outcomes have their own headings', () => {
    expect(renderDrillMarkdown({...passing, outcome: 'timeout'})).toMatch(/^## Restore drill: ⏱️ timed out\n/)
    const error = renderDrillMarkdown({
      ...passing,
      error: 'AccessDenied <iam>',
      outcome: 'error',
      teardown: {detail: 'still there', status: 'failed'},
    })
    expect(error).toMatch(/^## Restore drill: ⚠️ error\n/)
    expect(error).toContain('- Teardown: **failed**: still there')
    expect(error).toContain('- Error: AccessDenied &lt;iam>')
    expect(renderDrillMarkdown({...passing, outcome: 'interrupted'})).toMatch(/^## Restore drill: ⚠️ interrupted\n/)
  })
})

describe('writeDrillReports', () => {
  const folders: string[] = []

  afterEach(async () => {
    await Promise.all(folders.splice(0).map((folder) => rm(folder, {force: true, recursive: true})))
  })

  it('writes the three files, creating folders, and the JSON reads back as the report', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'drill-reports-'))
    folders.push(folder)
    const files = {
      json: path.join(folder, 'a', 'report.json'),
      junit: path.join(folder, 'b', 'c', 'junit.xml'),
      markdown: path.join(folder, 'summary.md'),
    }
    expect(await writeDrillReports(failing, files)).toEqual([files.json, files.junit, files.markdown])
    const json = await readFile(files.json, 'utf8')
    expect(json.endsWith('}\n')).toBe(true)
    expect(JSON.parse(json)).toStrictEqual(failing)
    expect(await readFile(files.junit, 'utf8')).toBe(renderDrillJunit(failing))
    expect(await readFile(files.markdown, 'utf8')).toBe(renderDrillMarkdown(failing))
  })

  it('writes only what was asked for', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'drill-reports-'))
    folders.push(folder)
    const junit = path.join(folder, 'junit.xml')
    expect(await writeDrillReports(passing, {junit})).toEqual([junit])
    expect(await writeDrillReports(passing, {})).toEqual([])
  })
})
