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
 * Whether a spinner can be drawn on `stream`: a terminal that is not `TERM=dumb` and reports a width.
 * Some pseudo-terminals (`script` with `stty cols 0`, some `docker exec -t` / `kubectl exec -t`) report
 * 0 columns; a spinner library that divides by the width then loops forever, blocking the event loop so
 * not even Ctrl-C or SIGTERM gets through. Anywhere the width is unknown, progress is plain lines.
 */
export function canSpin(stream: {columns?: number; isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!stream.isTTY || env.TERM === 'dumb') return false
  return Number.isFinite(stream.columns) && (stream.columns ?? 0) > 0
}

/**
 * A spinner on a terminal that can draw one (see canSpin); plain timestamped lines elsewhere (CI logs,
 * odd terminals), where a spinner's redraws would be noise. Updates in plain mode are printed only when
 * their text changes.
 */
export async function createProgress(options: {enabled: boolean}): Promise<Progress> {
  if (!options.enabled) return silentProgress
  if (canSpin(process.stderr)) {
    const {default: ora} = await import('ora')
    // The terminal may still be resized to 0 columns while the spinner runs: the spinner always sees a width.
    const stream = new Proxy(process.stderr, {
      get(target, property) {
        if (property === 'columns') return target.columns > 0 ? target.columns : 80
        const value = Reflect.get(target, property, target) as unknown
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    })
    const spinner = ora({stream})
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
