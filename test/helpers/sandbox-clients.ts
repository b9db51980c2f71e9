import {inject} from 'vitest'

import {AwsClients} from '../../src/lib/aws/clients.js'
import {sandboxCredentials} from '../../src/lib/sandbox/state.js'

/** The environment `sandbox env` gave the test sandbox. */
export function sandboxEnv(): Record<string, string> {
  return inject('sandboxEnv')
}

/** SDK clients pointed at the test sandbox's moto over HTTP, as a command would build them. */
export function sandboxClients(): AwsClients {
  const env = sandboxEnv()
  return new AwsClients({credentials: sandboxCredentials, endpointUrl: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, version: 'test'})
}
