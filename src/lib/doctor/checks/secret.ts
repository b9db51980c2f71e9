import type {Check} from '../types.js'

import {formatAge} from '../../cli/render/text.js'
import {describeSecretRotation, type SecretRotationInfo} from '../../credentials/rotation-mode.js'
import {moveStageCommand} from '../../credentials/secret-versions.js'
import {type DoctorFacts} from '../facts.js'
import {formatThreshold} from '../thresholds.js'
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
    // A rotation under way or stuck (AWSPENDING) is secret.rotation's to report, with its age and the way out.
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

/** Rotations take seconds to a minute: an AWSPENDING version older than this is stuck, not under way. */
const rotationUnderWaySeconds = 300

const modeWords = (info: SecretRotationInfo): string =>
  info.mode === 'rds-managed'
    ? 'RDS-managed master secret'
    : info.mode === 'rotation-function'
      ? `rotation function ${functionName(info)}`
      : 'plain secret (auroractl rotates it: secret rotate)'

const functionName = (info: SecretRotationInfo) => info.rotationFunctionName ?? 'unknown'

function scheduleWords(info: SecretRotationInfo): string {
  if (!info.rotationEnabled) return 'no automatic rotation'
  const every = info.automaticallyAfterDays ? ` every ${info.automaticallyAfterDays} days` : ''
  const next = info.nextRotationDate ? ` (next ${info.nextRotationDate.toISOString().slice(0, 10)})` : ''
  return `rotated automatically${every}${next}`
}

function stuckHint(info: SecretRotationInfo, pending: string): string {
  switch (info.mode) {
    case 'rds-managed': {
      return 'RDS has not finished rotating it: see the cluster events (auroractl events). `auroractl secret rotate` waits for it.'
    }

    case 'rotation-function': {
      return `Read the function's log group /aws/lambda/${functionName(info)}. \`auroractl secret rotate\` has Secrets Manager reattempt it; if it fails again, it makes the secret and the database agree and removes AWSPENDING.`
    }

    case 'staged': {
      return `Something left a rotation half-way. \`auroractl secret rotate --dry-run\` tries both passwords and names the label move that fits; when the database takes the AWSCURRENT one: ${moveStageCommand(info.secretArn, 'AWSPENDING', {from: pending})}`
    }
  }
}

function agedHint(info: SecretRotationInfo): string {
  const schedule = info.rotationEnabled ? '' : ' and give it a schedule'
  switch (info.mode) {
    case 'rds-managed': {
      return `Rotate it: auroractl secret rotate (RDS sets the new password)${schedule}.`
    }

    case 'rotation-function': {
      return `Rotate it: auroractl secret rotate (runs ${functionName(info)})${schedule}. A scheduled secret that still ages means the function fails: read /aws/lambda/${functionName(info)}.`
    }

    case 'staged': {
      return 'Rotate it: auroractl secret rotate (a generated password, set in the database, proven, then made current).'
    }
  }
}

export const secretRotation: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'secret.rotation',
  layer: 'secret',
  async run(facts) {
    if (!facts.options.secretId) return skip('no credentials secret named (--secret, AURORACTL_SECRET, or an RDS-managed secret)')
    const info = await describeSecretRotation(await facts.clients.secretsManager(), facts.options.secretId, await facts.cluster())
    const limit = facts.threshold(secretRotation)
    const created = info.current.createdDate
    const age = created ? (facts.now.getTime() - created.getTime()) / 1000 : undefined
    const ageText = age === undefined ? 'AWSCURRENT version of unknown age' : `AWSCURRENT version created ${formatAge(age / 3600)}`
    const value = age === undefined ? undefined : Math.round(age)
    const detail = `${info.name}: ${modeWords(info)}, ${scheduleWords(info)}; ${ageText}`
    if (info.pending) {
      const pendingAge = info.pending.createdDate ? (facts.now.getTime() - info.pending.createdDate.getTime()) / 1000 : undefined
      const since = pendingAge === undefined ? '' : ` ${formatAge(pendingAge / 3600)}`
      const what =
        pendingAge !== undefined && pendingAge < rotationUnderWaySeconds
          ? `a rotation started${since} is under way`
          : `a rotation started${since} has not finished`
      return {
        ...warn(
          `${detail}; ${what}: AWSPENDING is on version ${info.pending.versionId}, not AWSCURRENT`,
          stuckHint(info, info.pending.versionId),
        ),
        value,
      }
    }

    if (age !== undefined && age > limit) {
      return {...warn(`${detail}, past ${formatThreshold('duration', limit)}`, agedHint(info)), value}
    }

    return {...ok(detail), value}
  },
  threshold: {default: 90 * 86_400, description: "warn when the secret's current version is older than this (rotate it)", kind: 'duration'},
  timeoutMs: 10_000,
}
