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
    // Connections go to the cluster's own endpoint and port (from RDS), never the secret's host: a cluster
    // restored from a snapshot keeps the source's secret, whose host names the source. That is worth a
    // warning (tools that read the host from the secret reach the other cluster), not a failure.
    const elsewhere = [
      credentials.host && credentials.host !== cluster.Endpoint
        ? `host ${credentials.host} is not this cluster's writer endpoint ${cluster.Endpoint}`
        : undefined,
      credentials.port && cluster.Port && credentials.port !== cluster.Port ? `port ${credentials.port} is not ${cluster.Port}` : undefined,
    ].filter(Boolean) as string[]
    const name = facts.options.secretId.split(':').at(-1)
    if (await rotationInProgress(await facts.clients.secretsManager(), facts.options.secretId)) {
      return warn('a rotation is in progress (AWSPENDING differs from AWSCURRENT)', 'Wait for it to finish; logins may fail until it does.')
    }

    if (elsewhere.length > 0) {
      return warn(
        `${name}: user ${credentials.username}; the secret points elsewhere: ${elsewhere.join('; ')} (auroractl connects to the cluster's own endpoint; db.auth says whether the login works)`,
        "Expected for a restored cluster that uses its source's secret; otherwise update the secret (the module writes it), or name the right one with --secret.",
      )
    }

    return ok(`${name}: user ${credentials.username}, ${credentials.host ?? cluster.Endpoint}:${credentials.port ?? cluster.Port}`)
  },
  timeoutMs: 10_000,
}
