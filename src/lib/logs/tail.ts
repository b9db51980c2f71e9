import type {RDSClient} from '@aws-sdk/client-rds'

import {setTimeout as sleep} from 'node:timers/promises'

import {rdsSdk} from '../aws/sdk.js'
import {AuroraError} from '../cli/errors.js'
import {readPortions} from './download.js'
import {byAge, type LogFile} from './files.js'

export interface TailedLines {
  lines: string[]
  /** Where the file ended when it was read: a follow continues from here. */
  marker: string
}

/**
 * The last `lines` lines of a file: DownloadDBLogFilePortion with NumberOfLines and no marker returns the lines
 * at the end of the file, and a marker after them.
 */
export async function lastLines(
  rds: RDSClient,
  options: {file: string; instanceId: string; lines: number; signal?: AbortSignal},
): Promise<TailedLines> {
  const {DownloadDBLogFilePortionCommand} = rdsSdk()
  const portion = await rds.send(
    new DownloadDBLogFilePortionCommand({
      DBInstanceIdentifier: options.instanceId,
      LogFileName: options.file,
      NumberOfLines: options.lines,
    }),
    {abortSignal: options.signal},
  )
  if (!portion.Marker) {
    throw new AuroraError('AWS', `DownloadDBLogFilePortion gave no marker for the end of ${options.file}: there is nowhere to follow from.`)
  }

  const text = portion.LogFileData ?? ''
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return {lines: lines.slice(-options.lines), marker: portion.Marker}
}

/** Hands on whole lines from text that arrives in pieces; the piece of a line still being written waits for the rest. */
export class LineSplitter {
  private pending = ''

  constructor(private readonly emit: (line: string) => void) {}

  /** What is left of a line that never got its newline (the file ended): emitted as a line. */
  flush(): void {
    if (this.pending !== '') this.emit(this.pending)
    this.pending = ''
  }

  push(text: string): void {
    const parts = (this.pending + text).split('\n')
    this.pending = parts.pop() ?? ''
    for (const line of parts) this.emit(line)
  }
}

export interface FollowOptions {
  /** The file tailed first, and the marker at its end. */
  file: LogFile
  instanceId: string
  intervalMs: number
  /** The instance's log files now (DescribeDBLogFiles): how a rotation is seen. */
  listFiles: () => Promise<LogFile[]>
  marker: string
  onLine: (line: string) => void
  /** Said when the follow moves on to a new file. */
  onRotation?: (from: string, to: string) => void
  signal: AbortSignal
  /** Waits between polls; the tests pass one that does not. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface Followed {
  files: string[]
  lines: number
}

/**
 * Follows the newest log file until `signal` aborts: every interval, lists the files, reads what was added since the
 * last marker, and when a newer file has appeared (a rotation), reads the rest of the old one, then the new one from
 * its start. Two rotations between polls: each file in turn, oldest first. Ends cleanly on the signal.
 */
export async function followLog(rds: RDSClient, options: FollowOptions): Promise<Followed> {
  const wait = options.wait ?? ((ms, signal) => sleep(ms, undefined, {signal}))
  let lines = 0
  const splitter = new LineSplitter((line) => {
    lines++
    options.onLine(line)
  })
  let current = options.file
  let {marker} = options
  const files = [current.name]
  let rotated = false
  try {
    while (!options.signal.aborted) {
      // After a rotation, the new file at once; otherwise one poll per interval.
      // eslint-disable-next-line no-await-in-loop
      if (!rotated) await wait(options.intervalMs, options.signal)
      // eslint-disable-next-line no-await-in-loop
      const listed = await options.listFiles()
      current = listed.find((item) => item.name === current.name) ?? current
      const next = nextFile(listed, current, files)
      // eslint-disable-next-line no-await-in-loop
      marker = await readRest(
        rds,
        {file: current.name, instanceId: options.instanceId, marker, replaced: Boolean(next), signal: options.signal},
        splitter,
      )
      rotated = next !== undefined
      if (!next) continue
      // The old file is complete: its last line is whole even without a newline.
      splitter.flush()
      options.onRotation?.(current.name, next.name)
      files.push(next.name)
      current = next
      marker = '0'
    }
  } catch (error) {
    if (!options.signal.aborted) throw error
  }

  splitter.flush()
  return {files, lines}
}

/** The file written after `current` and not yet read (the oldest such, so no file between two polls is skipped). */
function nextFile(listed: LogFile[], current: LogFile, seen: string[]): LogFile | undefined {
  return listed.filter((item) => !seen.includes(item.name) && byAge(item, current) > 0).sort(byAge)[0]
}

/** What was added to a file since `marker`, and the marker after it. A file already replaced may be gone: nothing more. */
async function readRest(
  rds: RDSClient,
  options: {file: string; instanceId: string; marker: string; replaced: boolean; signal: AbortSignal},
  splitter: LineSplitter,
): Promise<string> {
  try {
    const read = await readPortions(rds, {...options, onData: (text) => splitter.push(text)})
    return read.marker
  } catch (error) {
    if (options.replaced && (error as Error).name === 'DBLogFileNotFoundFault') return options.marker
    throw error
  }
}
