import {AsyncLocalStorage} from 'node:async_hooks'

/**
 * Which check is running the code at hand, and what it waits for. The db.* checks share one connection whose
 * queries run one at a time: a check can time out only because it sat in that queue, and its timeout should
 * then name the check it sat behind, not the network.
 */
export interface CheckContext {
  id: string
  /** Set while the check's query waits for the shared connection: the id of the check whose query runs now. */
  queuedBehind?: () => string | undefined
}

const storage = new AsyncLocalStorage<CheckContext>()

/** Runs a check's code with its context, so what it calls (facts.query) can find it. */
export const runAsCheck = <T>(context: CheckContext, run: () => Promise<T>): Promise<T> => storage.run(context, run)

/** The context of the check running the calling code, if any. */
export const currentCheck = (): CheckContext | undefined => storage.getStore()
