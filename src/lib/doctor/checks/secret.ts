import type {Check} from '../types.js'

import {rotationInProgress} from '../../secret.js'
import {type DoctorFacts} from '../facts.js'
import {fail, ok, skip, warn} from '../types.js'

export const secretMatchesCluster: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'secret.matches-cluster',
  layer: 'secret',
  async run(facts) {
    if (!facts.options.secretId) return skip('no credentials secret named (--secret, AURORACTL_SECRET, or an RDS-managed secret)')
    let credentials
    try {
      credentials = await facts.credentials()
    } catch (error) {
      return fail((error as Error).message.split('\n')[0]!, (error as {hint?: string}).hint)
    }

    const cluster = await facts.cluster()
    const mismatches = [
      credentials.host && credentials.host !== cluster.Endpoint ? `host ${credentials.host} is not the writer endpoint ${cluster.Endpoint}` : undefined,
      credentials.port && cluster.Port && credentials.port !== cluster.Port ? `port ${credentials.port} is not ${cluster.Port}` : undefined,
    ].filter(Boolean) as string[]
    if (mismatches.length > 0) return fail(`the secret does not point at this cluster: ${mismatches.join('; ')}`, 'Update the secret (the module writes it), or name the right one with --secret.')
    if (await rotationInProgress(await facts.clients.secretsManager(), facts.options.secretId)) {
      return warn('a rotation is in progress (AWSPENDING differs from AWSCURRENT)', 'Wait for it to finish; logins may fail until it does.')
    }

    return ok(`${facts.options.secretId.split(':').at(-1)}: user ${credentials.username}, ${credentials.host ?? cluster.Endpoint}:${credentials.port ?? cluster.Port}`)
  },
  timeoutMs: 10_000,
}
