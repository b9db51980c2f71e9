import type {Check} from '../types.js'

import {stsSdk} from '../../aws/sdk.js'
import {type DoctorFacts} from '../facts.js'
import {fail, ok} from '../types.js'

export const awsCredentials: Check<DoctorFacts> = {
  dependsOn: [],
  id: 'aws.credentials',
  layer: 'aws',
  async run(facts) {
    const {GetCallerIdentityCommand} = stsSdk()
    try {
      const identity = await (await facts.clients.sts()).send(new GetCallerIdentityCommand({}))
      const region = await (await facts.clients.sts()).config.region()
      return ok(`account ${identity.Account}, ${identity.Arn}, region ${region}`)
    } catch (error) {
      return fail(`credentials do not resolve: ${(error as Error).message.split('\n')[0]}`, 'Run `aws sso login`, or pass --profile / set AWS credentials.')
    }
  },
  timeoutMs: 10_000,
}
