import {DescribeDBClustersCommand, DescribeDBLogFilesCommand, DownloadDBLogFilePortionCommand, RDSClient} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'

import {AuroraError} from '../../src/lib/cli/errors.js'
import {checkNewOutputFile, writeFileWholeOrNothing} from '../../src/lib/cli/output-path.js'
import {renderLogFiles} from '../../src/lib/cli/render/logs.js'
import {downloadLogFile, fewerLines, readPortions, truncationNotice} from '../../src/lib/logs/download.js'
import {listLogFiles, type LogFile, newestLogFile, pickLogFile, resolveLogInstance} from '../../src/lib/logs/files.js'
import {grepPattern} from '../../src/lib/logs/grep.js'
import {followLog, lastLines, LineSplitter} from '../../src/lib/logs/tail.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
const instanceId = 'prod-writer'

interface Answer {
  data?: string
  marker?: string
  pending?: boolean
}

/** A file served as AWS does: `portions[marker]` answers a request from that marker. */
function serve(files: Record<string, Record<string, Answer>>): void {
  rdsMock.on(DownloadDBLogFilePortionCommand).callsFake((input: {LogFileName: string; Marker?: string; NumberOfLines?: number}) => {
    const answer = files[input.LogFileName]?.[`${input.Marker ?? 'tail'}${input.NumberOfLines ? `/${input.NumberOfLines}` : ''}`]
    if (!answer) {
      throw Object.assign(new Error(`no answer for ${input.LogFileName} at ${input.Marker}`), {name: 'DBLogFileNotFoundFault'})
    }

    return {AdditionalDataPending: answer.pending ?? false, LogFileData: answer.data, Marker: answer.marker}
  })
}

const markersAsked = () => rdsMock.commandCalls(DownloadDBLogFilePortionCommand).map((call) => call.args[0].input.Marker)
const file = (name: string, size: number, lastWritten = '2026-11-30T17:00:00.000Z'): LogFile => ({lastWritten, name, size})
const collect = () => {
  const parts: string[] = []
  return {
    parts,
    sink: {
      async write(text: string) {
        parts.push(text)
      },
    },
  }
}

beforeEach(() => rdsMock.reset())

describe('downloading a log file: every portion, and the bytes checked', () => {
  it('pages from marker "0" through each returned marker until no data is pending, in order', async () => {
    serve({
      'error/a': {
        '0': {data: 'one\n', marker: '7:4', pending: true},
        '7:4': {data: 'two é\n', marker: '7:11', pending: true},
        '7:11': {data: 'three\n', marker: '7:17', pending: false},
      },
    })
    const {parts, sink} = collect()
    const result = await downloadLogFile(rds, {file: file('error/a', 17), instanceId, sink})
    expect(parts.join('')).toBe('one\ntwo é\nthree\n')
    expect(markersAsked()).toEqual(['0', '7:4', '7:11'])
    expect(result).toEqual({bytes: 17, grew: false, listedSize: 17, portions: 3})
  })

  it('goes on past a portion with no data while data is pending and the marker advances', async () => {
    serve({
      'error/a': {
        '0': {data: 'one\n', marker: 'm1', pending: true},
        m1: {marker: 'm2', pending: true},
        m2: {data: 'two\n', marker: 'm3'},
      },
    })
    const {parts, sink} = collect()
    const result = await downloadLogFile(rds, {file: file('error/a', 8), instanceId, sink})
    expect(parts.join('')).toBe('one\ntwo\n')
    expect(result.portions).toBe(3)
  })

  it('stops with an error, not a loop, when the marker does not advance while data is pending', async () => {
    serve({'error/a': {'0': {data: 'one\n', marker: 'm1', pending: true}, m1: {data: '', marker: 'm1', pending: true}}})
    const {sink} = collect()
    const error = await downloadLogFile(rds, {file: file('error/a', 100), instanceId, sink}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuroraError)
    expect((error as AuroraError).message).toMatch(/pending but gave the same marker again \(after 2 portions\)/)
    expect(markersAsked()).toEqual(['0', 'm1'])
  })

  it('stops with an error when data is pending but no marker came', async () => {
    serve({'error/a': {'0': {data: 'one\n', pending: true}}})
    await expect(readPortions(rds, {file: 'error/a', instanceId, marker: '0', onData() {}})).rejects.toThrow(/gave no marker/)
  })

  it('fails (exit 4) when fewer bytes arrive than were listed, and accepts more (the file being written grew)', async () => {
    serve({'error/a': {'0': {data: 'one\n', marker: 'm1'}}})
    const short = await downloadLogFile(rds, {file: file('error/a', 5), instanceId, sink: collect().sink}).catch((error: unknown) => error)
    expect(short).toMatchObject({code: 'CHECK_FAILED', exitCode: 4})
    expect((short as Error).message).toBe('Download of error/a incomplete: 4 of the 5 bytes listed arrived (1 portions).')
    const grew = await downloadLogFile(rds, {file: file('error/a', 3), instanceId, sink: collect().sink})
    expect(grew).toMatchObject({bytes: 4, grew: true, listedSize: 3})
  })

  it('counts bytes, not characters', async () => {
    serve({'error/a': {'0': {data: 'ééé\n', marker: 'm1'}}})
    await expect(downloadLogFile(rds, {file: file('error/a', 7), instanceId, sink: collect().sink})).resolves.toMatchObject({bytes: 7})
    await expect(downloadLogFile(rds, {file: file('error/a', 8), instanceId, sink: collect().sink})).rejects.toThrow(/7 of the 8 bytes/)
  })

  it('asks again from the same marker for fewer lines when AWS cut a portion at 1 MB, and keeps nothing of the cut one', async () => {
    const line = `${'x'.repeat(99)}\n`
    const whole = line.repeat(9000)
    const cut = `${whole}${'x'.repeat(50)}\n ${truncationNotice}\n`
    serve({
      'error/a': {
        '0': {data: 'head\n', marker: 'm1', pending: true},
        m1: {data: cut, marker: 'm-past-the-cut', pending: true},
        'm1/9000': {data: whole, marker: 'm2', pending: true},
        'm2/9000': {data: 'tail\n', marker: 'm3'},
      },
    })
    const {parts, sink} = collect()
    const result = await downloadLogFile(rds, {file: file('error/a', 900_010), instanceId, sink})
    expect(parts.join('')).toBe(`head\n${whole}tail\n`)
    expect(parts.join('')).not.toContain(truncationNotice)
    expect(rdsMock.commandCalls(DownloadDBLogFilePortionCommand).map((call) => call.args[0].input.NumberOfLines)).toEqual([
      undefined,
      undefined,
      9000,
      9000,
    ])
    expect(result.portions).toBe(3)
  })

  it('keeps a small portion that merely ends with the words of the notice', async () => {
    serve({'error/a': {'0': {data: `LOG:  ${truncationNotice}\n`, marker: 'm1'}}})
    const {parts, sink} = collect()
    await downloadLogFile(rds, {file: file('error/a', 10), instanceId, sink})
    expect(parts).toEqual([`LOG:  ${truncationNotice}\n`])
  })

  it('asks for fewer lines each time a portion is still cut, and gives up (exit 4) on a single line over 1 MB', () => {
    const cut = `${'a\n'.repeat(10)}${'y'.repeat(600_000)} ${truncationNotice}\n`
    expect(fewerLines(cut, undefined, 'error/a')).toBe(9)
    expect(fewerLines(cut, 10, 'error/a')).toBe(5)
    expect(fewerLines(`${'y'.repeat(600_000)} ${truncationNotice}\n`, undefined, 'error/a')).toBe(1)
    expect(() => fewerLines(`${'y'.repeat(600_000)} ${truncationNotice}\n`, 1, 'error/a')).toThrow(
      expect.objectContaining({code: 'CHECK_FAILED', message: expect.stringMatching(/longer than the 1 MB/)}),
    )
  })
})

describe('writing a download whole or not at all', () => {
  it('leaves no file (and no temporary file) when the download fails, and an existing file as it was', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-logs-'))
    const target = path.join(dir, 'pg.log')
    serve({'error/a': {'0': {data: 'one\n', marker: 'm1'}}})
    const download = () =>
      writeFileWholeOrNothing(target, (write) => downloadLogFile(rds, {file: file('error/a', 99), instanceId, sink: {write}}))
    await expect(download()).rejects.toMatchObject({code: 'CHECK_FAILED'})
    expect(await readdir(dir)).toEqual([])
    await writeFile(target, 'before\n')
    await expect(download()).rejects.toMatchObject({code: 'CHECK_FAILED'})
    expect(await readdir(dir)).toEqual(['pg.log'])
    expect(await readFile(target, 'utf8')).toBe('before\n')
  })

  it('renames the complete file into place', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-logs-'))
    const target = path.join(dir, 'pg.log')
    serve({'error/a': {'0': {data: 'one\n', marker: 'm1', pending: true}, m1: {data: 'two\n', marker: 'm2'}}})
    await writeFileWholeOrNothing(target, (write) => downloadLogFile(rds, {file: file('error/a', 8), instanceId, sink: {write}}))
    expect(await readFile(target, 'utf8')).toBe('one\ntwo\n')
    expect(await readdir(dir)).toEqual(['pg.log'])
  })

  it('refuses an existing --output (exit 2) unless forced, before anything is downloaded', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-logs-'))
    const target = path.join(dir, 'pg.log')
    await expect(checkNewOutputFile(target, '--output', false)).resolves.toBe(target)
    await writeFile(target, 'x')
    await expect(checkNewOutputFile(target, '--output', false)).rejects.toMatchObject({code: 'BAD_INPUT', exitCode: 2})
    await expect(checkNewOutputFile(target, '--output', true)).resolves.toBe(target)
    await expect(checkNewOutputFile(path.join(dir, 'no', 'pg.log'), '--output', true)).rejects.toMatchObject({exitCode: 2})
    expect(existsSync(path.join(dir, 'no'))).toBe(false)
  })
})

describe('which instance and which files', () => {
  const members = {
    DBClusters: [
      {
        DBClusterIdentifier: 'prod',
        DBClusterMembers: [
          {DBInstanceIdentifier: 'prod-reader', IsClusterWriter: false},
          {DBInstanceIdentifier: 'prod-writer', IsClusterWriter: true},
        ],
      },
    ],
  }

  it('takes the writer by default, a member by --instance, and refuses another (exit 3, naming the members)', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves(members)
    await expect(resolveLogInstance(rds, 'prod')).resolves.toEqual({clusterId: 'prod', instanceId: 'prod-writer', writer: true})
    await expect(resolveLogInstance(rds, 'prod', 'prod-reader')).resolves.toMatchObject({instanceId: 'prod-reader', writer: false})
    await expect(resolveLogInstance(rds, 'prod', 'other')).rejects.toMatchObject({
      exitCode: 3,
      hint: 'Instances: prod-reader, prod-writer (writer). Pass one with --instance.',
    })
  })

  it('lists every page of files, oldest first, and finds a file with or without its error/ folder', async () => {
    rdsMock
      .on(DescribeDBLogFilesCommand)
      .resolvesOnce({
        DescribeDBLogFiles: [
          {LastWritten: Date.parse('2026-11-30T18:10:00Z'), LogFileName: 'error/postgresql.log.2026-11-30-1800', Size: 10},
        ],
        Marker: 'page2',
      })
      .resolvesOnce({
        DescribeDBLogFiles: [
          {LastWritten: Date.parse('2026-11-30T17:59:59Z'), LogFileName: 'error/postgresql.log.2026-11-30-1700', Size: 20},
        ],
      })
    const files = await listLogFiles(rds, instanceId)
    expect(files).toEqual([
      {lastWritten: '2026-11-30T17:59:59.000Z', name: 'error/postgresql.log.2026-11-30-1700', size: 20},
      {lastWritten: '2026-11-30T18:10:00.000Z', name: 'error/postgresql.log.2026-11-30-1800', size: 10},
    ])
    expect(rdsMock.commandCalls(DescribeDBLogFilesCommand)[1]!.args[0].input.Marker).toBe('page2')
    expect(newestLogFile(files)?.name).toBe('error/postgresql.log.2026-11-30-1800')
    expect(pickLogFile(files, 'postgresql.log.2026-11-30-1700', instanceId).size).toBe(20)
    expect(pickLogFile(files, 'error/postgresql.log.2026-11-30-1800', instanceId).size).toBe(10)
    expect(() => pickLogFile(files, 'postgresql.log.2026-11-29-1700', instanceId)).toThrow(
      expect.objectContaining({exitCode: 3, hint: expect.stringContaining('error/postgresql.log.2026-11-30-1800')}),
    )
  })

  it('says an unknown instance is not found (exit 3)', async () => {
    rdsMock.on(DescribeDBLogFilesCommand).rejects(Object.assign(new Error('DBInstance x not found.'), {name: 'DBInstanceNotFoundFault'}))
    await expect(listLogFiles(rds, 'x')).rejects.toMatchObject({exitCode: 3})
  })
})

describe('tail and follow', () => {
  it('reads the last lines without a marker, and the marker after them', async () => {
    serve({'error/a': {'tail/2': {data: 'b\nc\n', marker: 'end'}}})
    await expect(lastLines(rds, {file: 'error/a', instanceId, lines: 2})).resolves.toEqual({lines: ['b', 'c'], marker: 'end'})
  })

  it('hands on whole lines only: a line split across portions waits for its end', () => {
    const lines: string[] = []
    const splitter = new LineSplitter((line) => lines.push(line))
    splitter.push('one\ntw')
    expect(lines).toEqual(['one'])
    for (const piece of ['o\nthree', '\n\n', 'four']) splitter.push(piece)
    expect(lines).toEqual(['one', 'two', 'three', ''])
    splitter.flush()
    expect(lines).toEqual(['one', 'two', 'three', '', 'four'])
  })

  it('follows new lines, then the rest of the old file and the new one from its start across rotations', async () => {
    const first = file('error/postgresql.log.2026-11-30-1700', 10, '2026-11-30T17:59:00.000Z')
    const second = file('error/postgresql.log.2026-11-30-1800', 5, '2026-11-30T18:05:00.000Z')
    const third = file('error/postgresql.log.2026-11-30-1900', 5, '2026-11-30T19:00:01.000Z')
    serve({
      [first.name]: {
        end: {data: 'a1\na', marker: 'p1'},
        p1: {data: '2\n', marker: 'p2'},
        p2: {data: 'a3 last\n', marker: 'p3'},
      },
      [second.name]: {'0': {data: 'b1\n', marker: 'q1', pending: true}, q1: {data: 'b2 no newline', marker: 'q2'}},
      [third.name]: {'0': {data: 'c1\n', marker: 'r1'}, r1: {data: '', marker: 'r1'}},
    })
    // Each poll sees the listing of that moment: rotation to the second file, then to the third.
    const listings = [[first], [first], [first, second], [first, second, third], [first, second, third]]
    const controller = new AbortController()
    const lines: string[] = []
    const rotations: string[] = []
    let polls = 0
    const result = await followLog(rds, {
      file: first,
      instanceId,
      intervalMs: 5000,
      async listFiles() {
        const listing = listings[Math.min(polls++, listings.length - 1)]!
        if (polls > listings.length) controller.abort()
        return listing
      },
      marker: 'end',
      onLine: (line) => lines.push(line),
      onRotation: (from, to) => rotations.push(`${from} -> ${to}`),
      signal: controller.signal,
      async wait() {},
    })
    expect(lines).toEqual(['a1', 'a2', 'a3 last', 'b1', 'b2 no newline', 'c1'])
    expect(rotations).toEqual([`${first.name} -> ${second.name}`, `${second.name} -> ${third.name}`])
    expect(result).toEqual({files: [first.name, second.name, third.name], lines: 6})
  })

  it('reads every file that appeared between two polls, oldest first', async () => {
    const first = file('error/postgresql.log.2026-11-30-1700', 1, '2026-11-30T17:59:00.000Z')
    const second = file('error/postgresql.log.2026-11-30-1800', 1, '2026-11-30T18:59:00.000Z')
    const third = file('error/postgresql.log.2026-11-30-1900', 1, '2026-11-30T19:00:01.000Z')
    serve({
      [first.name]: {end: {data: '', marker: 'end'}},
      [second.name]: {'0': {data: 'b\n', marker: 'x'}},
      [third.name]: {'0': {data: 'c\n', marker: 'y'}},
    })
    const controller = new AbortController()
    const lines: string[] = []
    let polls = 0
    await followLog(rds, {
      file: first,
      instanceId,
      intervalMs: 1000,
      async listFiles() {
        if (++polls > 3) controller.abort()
        return [third, first, second]
      },
      marker: 'end',
      onLine: (line) => lines.push(line),
      signal: controller.signal,
      async wait() {},
    })
    expect(lines).toEqual(['b', 'c'])
  })

  it('ends cleanly when the signal aborts the wait', async () => {
    const controller = new AbortController()
    const following = followLog(rds, {
      file: file('error/a', 1),
      instanceId,
      intervalMs: 60_000,
      listFiles: async () => [],
      marker: 'end',
      onLine() {},
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 20)
    await expect(following).resolves.toEqual({files: ['error/a'], lines: 0})
  })

  it('passes on an error that is not the signal', async () => {
    serve({})
    const following = followLog(rds, {
      file: file('error/a', 1),
      instanceId,
      intervalMs: 1,
      listFiles: async () => [file('error/a', 1)],
      marker: 'end',
      onLine() {},
      signal: new AbortController().signal,
      async wait() {},
    })
    await expect(following).rejects.toThrow(/no answer for error\/a/)
  })
})

describe('--grep', () => {
  it('is a regular expression, case-insensitive with a leading (?i)', () => {
    expect(grepPattern('ERROR|FATAL').test('x FATAL: y')).toBe(true)
    expect(grepPattern('error').test('ERROR')).toBe(false)
    expect(grepPattern('(?i)error').test('ERROR')).toBe(true)
  })

  it('refuses an invalid or empty one with exit 2, naming the flag', () => {
    expect(() => grepPattern('(')).toThrow(
      expect.objectContaining({exitCode: 2, message: expect.stringMatching(/^--grep "\(" is not a valid/)}),
    )
    expect(() => grepPattern('(?i)')).toThrow(expect.objectContaining({exitCode: 2, message: expect.stringMatching(/^--grep is empty/)}))
  })
})

describe('logs list, rendered', () => {
  it('shows each file with its size and age, marks the newest, and totals them', () => {
    const text = renderLogFiles(
      [
        file('error/postgresql.log.2026-11-30-1600', 2048, '2026-11-30T16:59:59.000Z'),
        file('error/postgresql.log.2026-11-30-1700', 1536, '2026-11-30T17:45:00.000Z'),
      ],
      {instanceId, now: new Date('2026-11-30T18:00:00Z')},
    )
    const rows = text.split('\n')
    expect(rows.find((row) => row.includes('1600'))).toMatch(/2\.0 kB .*2026-11-30 16:59:59 {2}1 h ago/)
    expect(rows.find((row) => row.includes('1600'))).not.toContain('newest')
    expect(rows.find((row) => row.includes('1700'))).toMatch(/1\.5 kB .*15 min ago .*newest/)
    expect(rows.at(-1)).toBe('2 files on prod-writer, 3.5 kB in all.')
  })
})
