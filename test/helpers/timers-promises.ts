/**
 * node:timers/promises keeps its own timers, which vitest's fake timers leave alone. Mocked with this, its
 * setTimeout runs on the global (faked) one, with the abort behaviour of the real one:
 *
 *   vi.mock('node:timers/promises', async (importOriginal) =>
 *     (await import('../helpers/timers-promises.js')).onGlobalTimers(await importOriginal()))
 */
export function onGlobalTimers<T extends object>(original: T): T & {setTimeout: typeof sleepOnGlobalTimer} {
  return {...original, setTimeout: sleepOnGlobalTimer}
}

function sleepOnGlobalTimer<V>(ms?: number, value?: V, options: {signal?: AbortSignal} = {}): Promise<V> {
  return new Promise((resolve, reject) => {
    const {signal} = options
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }

    const timer = setTimeout(() => resolve(value as V), ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      {once: true},
    )
  })
}
