import {formatDuration} from './duration.js'

/** Progress for long operations, on stderr; silent under --json so stdout stays one JSON document. */
export interface Progress {
  fail(text: string): void
  /** A line of its own (a warning, a phase summary). */
  note(text: string): void
  start(text: string): void
  succeed(text: string): void
  update(text: string): void
}

export const silentProgress: Progress = {fail() {}, note() {}, start() {}, succeed() {}, update() {}}

/**
 * A spinner on a terminal; plain timestamped lines elsewhere (CI logs), where a spinner's redraws
 * would be noise. Updates in plain mode are printed only when their text changes.
 */
export async function createProgress(options: {enabled: boolean}): Promise<Progress> {
  if (!options.enabled) return silentProgress
  if (process.stderr.isTTY) {
    const {default: ora} = await import('ora')
    const spinner = ora({stream: process.stderr})
    let started = performance.now()
    const elapsed = () => formatDuration(performance.now() - started)
    return {
      fail: (text) => spinner.fail(`${text} (${elapsed()})`),
      note(text) {
        if (spinner.isSpinning) spinner.clear()
        process.stderr.write(`${text}\n`)
        if (spinner.isSpinning) spinner.render()
      },
      start(text) {
        started = performance.now()
        spinner.start(text)
      },
      succeed: (text) => spinner.succeed(`${text} (${elapsed()})`),
      update(text) {
        spinner.text = text
      },
    }
  }

  let started = performance.now()
  let last = ''
  const line = (text: string) => process.stderr.write(`${text}\n`)
  return {
    fail: (text) => line(`✗ ${text} (${formatDuration(performance.now() - started)})`),
    note: line,
    start(text) {
      started = performance.now()
      last = text
      line(`… ${text}`)
    },
    succeed: (text) => line(`✓ ${text} (${formatDuration(performance.now() - started)})`),
    update(text) {
      if (text === last) return
      last = text
      line(`  ${text}`)
    },
  }
}
