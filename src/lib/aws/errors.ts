/**
 * Whether an AWS call that failed can succeed if asked again: throttling, a 5xx, or the network (no answer at all).
 * Access denied, a missing resource or a bad parameter cannot get better by waiting, so a loop that keeps polling
 * (events --follow) stops on them with the real error instead of warning forever.
 */
const throttlingNames = new Set([
  'PriorRequestNotComplete',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
])
const networkCodes = new Set(['EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT', 'TimeoutError'])

export function isTransientAwsError(error: unknown): boolean {
  const failure = error as undefined | {$metadata?: {httpStatusCode?: number}; $retryable?: unknown; code?: string; name?: string}
  if (failure?.$retryable) return true
  if (throttlingNames.has(failure?.name ?? '')) return true
  const status = failure?.$metadata?.httpStatusCode
  if (status === undefined) return networkCodes.has(failure?.code ?? '') || networkCodes.has(failure?.name ?? '')
  return status >= 500 || status === 429
}
