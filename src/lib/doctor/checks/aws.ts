import type {Check} from '../types.js'

import {stsSdk} from '../../aws/sdk.js'
import {type DoctorFacts} from '../facts.js'
import {fail, ok} from '../types.js'

/** Node's codes for an AWS endpoint that cannot be reached: a network problem, not a credentials one. */
const networkCodes = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
])

/** Why the STS call failed, in the terms that decide the next step: the network, the credentials, or AWS itself. */
export function classifyAwsFailure(error: unknown): {code?: string; kind: 'credentials' | 'network' | 'other'} {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const {code, name} = current as {code?: unknown; name?: unknown}
    if (typeof code === 'string' && networkCodes.has(code)) return {code, kind: 'network'}
    // The SDK's own connection and request timeouts.
    if (name === 'TimeoutError') return {code: 'TimeoutError', kind: 'network'}
    current = (current as {cause?: unknown}).cause
  }

  const {message = '', name = ''} = error as {message?: string; name?: string}
  if (
    /CredentialsProviderError|ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|TokenRefreshRequired|credential|sso/i.test(
      `${name} ${message}`,
    )
  )
    return {kind: 'credentials'}
  return {kind: 'other'}
}

export const awsCredentials: Check<DoctorFacts> = {
  dependsOn: [],
  id: 'aws.credentials',
  layer: 'aws',
  async run(facts) {
    const {GetCallerIdentityCommand} = stsSdk()
    const sts = await facts.clients.sts()
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}))
      const region = await sts.config.region()
      return ok(`account ${identity.Account}, ${identity.Arn}, region ${region}`)
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]
      const failure = classifyAwsFailure(error)
      if (failure.kind === 'network') {
        const endpoint = await Promise.resolve(sts.config.endpoint?.())
          .then((url) => (url ? `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}` : undefined))
          .catch(() => null)
        return fail(
          `cannot reach the AWS endpoint${endpoint ? ` ${endpoint}` : ''} (${failure.code}): ${reason}; the credentials were not tried`,
          'A network problem, not the credentials: check --endpoint-url / AWS_ENDPOINT_URL, --region, the VPN or proxy (HTTPS_PROXY); for the sandbox, `auroractl sandbox status`.',
        )
      }

      if (failure.kind === 'credentials')
        return fail(`credentials do not resolve: ${reason}`, 'Run `aws sso login`, or pass --profile / set AWS credentials.')
      return fail(
        `AWS refused the identity call (${(error as Error).name}): ${reason}`,
        "Check the credentials' permissions and the region; `aws sts get-caller-identity` shows the same call.",
      )
    }
  },
  timeoutMs: 10_000,
}
