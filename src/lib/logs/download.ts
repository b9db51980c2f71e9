import type {RDSClient} from '@aws-sdk/client-rds'

import type {LogFile} from './files.js'

import {rdsSdk} from '../aws/sdk.js'
import {AuroraError} from '../cli/errors.js'

/**
 * DownloadDBLogFilePortion returns a log file in portions of at most 1 MB, each with a marker for the next and
 * AdditionalDataPending. Two ways a naive loop ends up with less than the file, which users of the AWS CLI and
 * SDKs keep finding (aws-cli #2268, #2745, #3079; aws-sdk-js #1463):
 *  - a portion whose lines add up to more than 1 MB is cut there and ends with this notice, and its marker
 *    points past the lines that were cut away: asked again from the same marker for fewer lines, AWS returns
 *    them whole;
 *  - stopping on anything but AdditionalDataPending false (an empty portion, a repeated marker).
 * Whatever happens, downloadLogFile checks the bytes against the listed size before a file is kept.
 */
export const truncationNotice = '[Your log message was truncated]'

/** A portion AWS cut is ~1 MB; a line that merely ends with the notice's words, in a smaller portion, was not cut. */
const truncatedPortionMinBytes = 512 * 1024

export interface LogSink {
  write(text: string): Promise<void>
}

export interface PortionsRead {
  bytes: number
  /** Where the next read starts (AWS's marker after the last portion). */
  marker: string
  portions: number
}

export interface ReadPortionsOptions {
  file: string
  instanceId: string
  /** "0" for the start of the file, or a marker AWS returned. */
  marker: string
  onData: (text: string) => Promise<void> | void
  signal?: AbortSignal
}

/** Every portion from `marker` until AWS says no more data is pending, each handed to onData in order. */
export async function readPortions(rds: RDSClient, options: ReadPortionsOptions): Promise<PortionsRead> {
  const {DownloadDBLogFilePortionCommand} = rdsSdk()
  let {marker} = options
  let lines: number | undefined
  let bytes = 0
  let portions = 0
  for (;;) {
    // eslint-disable-next-line no-await-in-loop -- each portion's marker comes from the one before
    const portion = await rds.send(
      new DownloadDBLogFilePortionCommand({
        DBInstanceIdentifier: options.instanceId,
        LogFileName: options.file,
        Marker: marker,
        NumberOfLines: lines,
      }),
      {abortSignal: options.signal},
    )
    const data = portion.LogFileData ?? ''
    if (cutByAws(data)) {
      // Again from the same marker, for no more lines than arrived whole; each retry asks for fewer.
      lines = fewerLines(data, lines, options.file)
      continue
    }

    // eslint-disable-next-line no-await-in-loop -- written in order, at the pace the sink takes it
    await options.onData(data)
    bytes += Buffer.byteLength(data, 'utf8')
    portions++
    if (!portion.AdditionalDataPending) return {bytes, marker: portion.Marker ?? marker, portions}
    if (!portion.Marker || portion.Marker === marker) {
      throw new AuroraError(
        'AWS',
        `DownloadDBLogFilePortion said more of ${options.file} is pending but gave ${portion.Marker ? 'the same marker again' : 'no marker'} (after ${portions} portions); stopped rather than loop.`,
        {hint: 'Retry in a minute; if it keeps happening, download the file from the RDS console.'},
      )
    }

    marker = portion.Marker
  }
}

function cutByAws(data: string): boolean {
  return data.trimEnd().endsWith(truncationNotice) && Buffer.byteLength(data, 'utf8') >= truncatedPortionMinBytes
}

/**
 * How many lines to ask for after a cut portion: those that arrived whole (the last line before the notice is the cut
 * one), and fewer than asked for last time.
 */
export function fewerLines(data: string, asked: number | undefined, file: string): number {
  const whole = data.slice(0, data.lastIndexOf(truncationNotice)).split('\n').length - 2
  const next = Math.max(1, asked === undefined ? whole : Math.min(whole, Math.floor(asked / 2)))
  if (asked === 1) {
    throw new AuroraError(
      'CHECK_FAILED',
      `A line of ${file} is longer than the 1 MB DownloadDBLogFilePortion returns; nothing was written.`,
      {
        hint: 'Download it from the RDS console, or publish the logs to CloudWatch Logs and read them there.',
      },
    )
  }

  return next
}

export interface Downloaded {
  bytes: number
  /** The file was being written: it grew between the listing and the download (the bytes are more than listed). */
  grew: boolean
  listedSize: number
  portions: number
}

/**
 * The whole file into `sink`, portion after portion, then the count checked: fewer bytes than DescribeDBLogFiles
 * listed means something was lost (exit 4; the caller discards what it wrote); more is the active file growing.
 */
export async function downloadLogFile(
  rds: RDSClient,
  options: {file: LogFile; instanceId: string; onPortion?: (bytes: number) => void; signal?: AbortSignal; sink: LogSink},
): Promise<Downloaded> {
  let received = 0
  const read = await readPortions(rds, {
    file: options.file.name,
    instanceId: options.instanceId,
    marker: '0',
    async onData(text) {
      await options.sink.write(text)
      received += Buffer.byteLength(text, 'utf8')
      options.onPortion?.(received)
    },
    signal: options.signal,
  })
  const listedSize = options.file.size
  if (read.bytes < listedSize) {
    throw new AuroraError(
      'CHECK_FAILED',
      `Download of ${options.file.name} incomplete: ${read.bytes} of the ${listedSize} bytes listed arrived (${read.portions} portions).`,
      {hint: 'Retry; if it keeps happening, download the file from the RDS console.'},
    )
  }

  return {bytes: read.bytes, grew: read.bytes > listedSize, listedSize, portions: read.portions}
}

/** Writes to a stream at the pace it takes (a slow pipe holds the download back instead of filling memory). */
export function streamSink(stream: NodeJS.WritableStream): LogSink {
  return {
    write: (text) =>
      new Promise((resolve, reject) => {
        stream.write(text, 'utf8', (error) => (error ? reject(error) : resolve()))
      }),
  }
}
