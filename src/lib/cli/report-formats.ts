import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

/**
 * What the CI reports of drill and failover share: JUnit XML that CI test reporters read, Markdown for a
 * job's summary page ($GITHUB_STEP_SUMMARY), and writing the files asked for with --report-json,
 * --report-junit and --report-md.
 */

/** Code points XML 1.0 cannot carry at all, not even as character references; lone surrogates included. */
const illegalInXml = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** XML 1.0 character data: the five special characters escaped, illegal characters removed. */
export function xmlText(text: string): string {
  return text
    .replaceAll(illegalInXml, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
}

/** An attribute value: as text, and line breaks and tabs as references, which parsers would otherwise turn into spaces. */
export function xmlAttribute(text: string): string {
  return xmlText(text).replaceAll('\t', '&#9;').replaceAll('\n', '&#10;').replaceAll('\r', '&#13;')
}

export interface JunitCase {
  classname: string
  failure?: string
  name: string
  skipped?: string
  time: number
}

function junitCaseXml(testcase: JunitCase): string {
  const open = `    <testcase classname="${xmlAttribute(testcase.classname)}" name="${xmlAttribute(testcase.name)}" time="${testcase.time}"`
  if (testcase.failure !== undefined) {
    return `${open}>\n      <failure message="${xmlAttribute(testcase.failure)}">${xmlText(testcase.failure)}</failure>\n    </testcase>`
  }

  if (testcase.skipped !== undefined) return `${open}>\n      <skipped message="${xmlAttribute(testcase.skipped)}"/>\n    </testcase>`
  return `${open}/>`
}

export interface JunitSuite {
  cases: JunitCase[]
  properties: Array<[string, string]>
  /** The suites' name ("auroractl drill") and the one suite's ("drill nba-tracker-dev"). */
  suite: string
  suites: string
  systemErr?: string
  systemOut?: string
  timestamp: string
  totalSeconds: number
}

/** One JUnit XML document with one test suite: counts, properties, cases, and what was said on the side. */
export function junitDocument(suite: JunitSuite): string {
  const {cases} = suite
  const failures = cases.filter((testcase) => testcase.failure !== undefined).length
  const skipped = cases.filter((testcase) => testcase.failure === undefined && testcase.skipped !== undefined).length
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${suite.totalSeconds}"`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttribute(suite.suites)}" ${counts}>`,
    `  <testsuite name="${xmlAttribute(suite.suite)}" timestamp="${xmlAttribute(suite.timestamp)}" ${counts}>`,
    '    <properties>',
    ...suite.properties.map(([name, value]) => `      <property name="${name}" value="${xmlAttribute(value)}"/>`),
    '    </properties>',
    ...cases.map((testcase) => junitCaseXml(testcase)),
    ...(suite.systemOut ? [`    <system-out>${xmlText(suite.systemOut)}</system-out>`] : []),
    ...(suite.systemErr ? [`    <system-err>${xmlText(suite.systemErr)}</system-err>`] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

/**
 * Markdown prose on one line; `<` escaped because GitHub would read `<name>` in an error message as
 * an HTML tag and drop it.
 */
export function markdownLine(text: string): string {
  return text.replaceAll('<', '&lt;').replaceAll(/\r?\n|\r/g, ' ')
}

/** A table cell: one line, and `|` escaped so it does not end the cell. */
export function markdownCell(text: string): string {
  return markdownLine(text).replaceAll('|', String.raw`\|`)
}

/** Inline code whose fence is longer than any run of backticks inside it. */
export function markdownCode(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map(([run]) => run.length)) + 1)
  // Inside code GitHub shows `&lt;` as typed, so only the line breaks go.
  const line = text.replaceAll(/\r?\n|\r/g, ' ')
  return fence.length > 1 ? `${fence} ${line} ${fence}` : `${fence}${line}${fence}`
}

/** Writes the requested report files, creating their folders; returns the paths written, in the order json, junit, markdown. */
export async function writeReportFiles(
  files: {json?: string; junit?: string; markdown?: string},
  render: {json: () => string; junit: () => string; markdown: () => string},
): Promise<string[]> {
  const requested: Array<[string | undefined, () => string]> = [
    [files.json, render.json],
    [files.junit, render.junit],
    [files.markdown, render.markdown],
  ]
  const writes = requested
    .filter((entry): entry is [string, () => string] => Boolean(entry[0]))
    .map(async ([file, text]) => {
      await mkdir(path.dirname(path.resolve(file)), {recursive: true})
      await writeFile(file, text())
      return file
    })
  return Promise.all(writes)
}
