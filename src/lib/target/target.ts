import type {ConfigFile, EnvironmentConfig} from './config.js'
import type {TerraformOutputs} from './terraform.js'

import {AuroraError, badInput} from '../cli/errors.js'
import {parseHostPort, validateEndpointUrl, validateIdentifier, validateRegion} from '../cli/validation.js'
import {regionFromArn} from './terraform.js'

/** Where a resolved value came from, shown by `--json` output and in errors. */
export type ValueSource = 'config' | 'env' | 'flag' | 'terraform'

/** Everything a command needs to know about which cluster to act on and how to reach it. */
export interface Target {
  /** The cluster identifier; absent when nothing named one (see requireCluster). */
  cluster?: string
  /** Fields where two sources gave different values, and which one won. */
  conflicts: TargetConflict[]
  endpointMap?: string
  endpointUrl?: string
  /** The config file environment in use, e.g. "prod". */
  environment?: string
  /** Where each value came from, in words: `--cluster`, `AURORACTL_CLUSTER`, `--env prod: /p/auroractl.config.json`. */
  origins: Partial<Record<TargetField, string>>
  profile?: string
  region?: string
  secret?: string
  sources: Partial<Record<TargetField, ValueSource>>
  terraform?: TerraformOutputs
  tfDir?: string
  via?: {host: string; port: number}
}

export type TargetField = 'cluster' | 'endpointMap' | 'endpointUrl' | 'profile' | 'region' | 'secret' | 'tfDir' | 'via'

export interface TargetFlags {
  cluster?: string
  'endpoint-url'?: string
  env?: string
  profile?: string
  region?: string
  secret?: string
  'tf-dir'?: string
  via?: string
}

export interface ResolveTargetInput {
  env: NodeJS.ProcessEnv
  flags: TargetFlags
  /** Loads the config file; injected so tests can hand in one without touching the disk. */
  loadConfig: () => Promise<ConfigFile | undefined>
  /** Reads Terraform outputs; called only when flags, environment and config leave a gap Terraform can fill. */
  readTerraform: (dir: string) => Promise<TerraformOutputs>
}

/** Environment variables per field, in the order they are consulted. */
const envNames: Record<TargetField, string[]> = {
  cluster: ['AURORACTL_CLUSTER'],
  endpointMap: ['AURORACTL_ENDPOINT_MAP'],
  endpointUrl: ['AURORACTL_ENDPOINT_URL', 'AWS_ENDPOINT_URL'],
  profile: ['AWS_PROFILE'],
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  secret: ['AURORACTL_SECRET'],
  tfDir: ['AURORACTL_TF_DIR'],
  via: ['AURORACTL_VIA'],
}

const flagNames: Record<TargetField, keyof TargetFlags | undefined> = {
  cluster: 'cluster',
  endpointMap: undefined,
  endpointUrl: 'endpoint-url',
  profile: 'profile',
  region: 'region',
  secret: 'secret',
  tfDir: 'tf-dir',
  via: 'via',
}

/** A value offered for a field, with where it came from and how strongly (lower rank wins). */
interface Candidate {
  /** Where it came from, for people: `--cluster`, `AURORACTL_CLUSTER`, `--env prod (/p/auroractl.config.json)`. */
  origin: string
  rank: number
  source: ValueSource
  value: string
}

/** Two sources gave different values for one field; the first one won. */
export interface TargetConflict {
  field: TargetField
  overridden: Array<{origin: string; value: string}>
  winner: {origin: string; value: string}
}

/**
 * Ranks, lowest first. What the user typed on this command line wins: a flag, then the config
 * environment `--env` names (and Terraform outputs of a `--tf-dir` from either). Then environment
 * variables, then the config environment chosen by AURORACTL_ENV or `defaultEnv`, then Terraform
 * outputs of a tfDir from those. Terraform ranks just below the layer that named its folder.
 */
const rank = {configDefault: 3, configFlag: 1, env: 2, flag: 0} as const

/**
 * Resolves the target with one documented precedence, field by field:
 * flags > the config environment `--env` names > environment variables > the config environment
 * AURORACTL_ENV or `defaultEnv` selects > Terraform outputs (ranked just below whatever named --tf-dir).
 * Where two sources disagree, `conflicts` says which won, for a note on stderr.
 */
export async function resolveTarget(input: ResolveTargetInput): Promise<Target> {
  const {env, flags} = input
  const config = await input.loadConfig()
  const envVariable = env.AURORACTL_ENV === '' ? undefined : env.AURORACTL_ENV
  const selectedBy = flags.env === undefined ? (envVariable === undefined ? 'defaultEnv' : 'AURORACTL_ENV') : '--env'
  const [environment, entry] = selectEnvironment(config, flags.env ?? envVariable)
  const configRank = selectedBy === '--env' ? rank.configFlag : rank.configDefault
  const configOrigin =
    environment && config ? `${selectedBy === 'defaultEnv' ? 'defaultEnv' : selectedBy} ${environment}: ${config.path}` : 'config'

  const target: Target = {conflicts: [], environment, origins: {}, sources: {}}
  const fields = Object.keys(envNames) as TargetField[]
  const candidates = gatherCandidates({configOrigin, configRank, entry, env, flags})
  const tfDir = candidates.tfDir?.[0]
  if (tfDir) await addTerraform(target, candidates, tfDir, input.readTerraform)

  const raw: Partial<Record<TargetField, string>> = {}
  for (const field of fields) {
    const [winner, ...others] = candidates[field]
    if (!winner) continue
    raw[field] = winner.value
    target.sources[field] = winner.source
    target.origins[field] = winner.origin
    const overridden = others.filter((other) => other.value !== winner.value).map(({origin, value}) => ({origin, value}))
    if (overridden.length > 0) target.conflicts.push({field, overridden, winner: {origin: winner.origin, value: winner.value}})
  }

  target.tfDir = raw.tfDir
  target.profile = raw.profile
  target.endpointMap = raw.endpointMap
  target.endpointUrl = raw.endpointUrl && validateEndpointUrl(raw.endpointUrl, describeSource('endpointUrl', target.sources.endpointUrl))
  target.region = raw.region && validateRegion(raw.region, describeSource('region', target.sources.region))
  target.via = raw.via ? parseHostPort(raw.via, describeSource('via', target.sources.via)) : undefined
  target.cluster = raw.cluster
  target.secret = raw.secret

  if (target.cluster) {
    target.cluster = validateIdentifier(target.cluster, 'cluster', describeSource('cluster', target.sources.cluster))
  }

  return target
}

function gatherCandidates(input: {
  configOrigin: string
  configRank: number
  entry: EnvironmentConfig | undefined
  env: NodeJS.ProcessEnv
  flags: TargetFlags
}): Record<TargetField, Candidate[]> {
  const candidates = {} as Record<TargetField, Candidate[]>
  for (const field of Object.keys(envNames) as TargetField[]) {
    const list: Candidate[] = []
    const flagName = flagNames[field]
    const fromFlag = flagName ? input.flags[flagName] : undefined
    if (fromFlag !== undefined && fromFlag !== '') list.push({origin: `--${flagName}`, rank: rank.flag, source: 'flag', value: fromFlag})
    const envName = envNames[field].find((name) => input.env[name] !== undefined && input.env[name] !== '')
    if (envName) list.push({origin: envName, rank: rank.env, source: 'env', value: input.env[envName]!})
    const fromConfig = input.entry?.[field as keyof EnvironmentConfig]
    if (fromConfig !== undefined && fromConfig !== '')
      list.push({origin: input.configOrigin, rank: input.configRank, source: 'config', value: fromConfig})
    candidates[field] = list.sort((a, b) => a.rank - b.rank)
  }

  return candidates
}

/**
 * Terraform outputs rank just below whatever named the folder. Terraform is slow to ask (a subprocess
 * that reads state), so it runs only when it fills a gap or outranks what is there.
 */
async function addTerraform(
  target: Target,
  candidates: Record<TargetField, Candidate[]>,
  tfDir: Candidate,
  readTerraform: (dir: string) => Promise<TerraformOutputs>,
): Promise<void> {
  const tfRank = tfDir.rank + 0.5
  const filled = ['cluster', 'secret', 'region'] as const
  if (!filled.some((field) => (candidates[field][0]?.rank ?? Infinity) > tfRank)) return
  const outputs = await readTerraform(tfDir.value)
  target.terraform = outputs
  const origin = `Terraform outputs of ${tfDir.origin === '--tf-dir' ? '--tf-dir' : `tfDir from ${tfDir.origin}`} ${tfDir.value}`
  const offered = {
    cluster: outputs.clusterId,
    region: regionFromArn(outputs.clusterArn) ?? regionFromArn(outputs.databaseSecretArn),
    secret: outputs.databaseSecretArn,
  }
  for (const field of filled) {
    const value = offered[field]
    if (value)
      candidates[field] = [...candidates[field], {origin, rank: tfRank, source: 'terraform' as const, value}].sort(
        (a, b) => a.rank - b.rank,
      )
  }
}

/** One stderr line per disagreement: which value won, from where, over which. Secrets are names or ARNs, never passwords. */
export function describeConflict(conflict: TargetConflict): string {
  const losers = conflict.overridden.map((other) => `${other.origin} "${other.value}"`).join(' and ')
  return `${conflict.field} "${conflict.winner.value}" from ${conflict.winner.origin} wins over ${losers}.`
}

/** The line every command's human output starts with on stderr: which cluster, and where that came from. */
export function describeTargetLine(target: Target): string | undefined {
  if (!target.cluster) return undefined
  const region = target.region ? ` in ${target.region}` : ''
  return `Cluster ${target.cluster} (from ${target.origins.cluster ?? target.sources.cluster ?? '?'})${region}`
}

function selectEnvironment(
  config: ConfigFile | undefined,
  requested: string | undefined,
): [string | undefined, EnvironmentConfig | undefined] {
  if (requested) {
    if (!config) {
      throw badInput(
        `--env "${requested}" was given, but no auroractl.config.json was found in this directory or its parents.`,
        'Create auroractl.config.json (see the README section "Configuration") or set AURORACTL_CONFIG to its path.',
      )
    }

    const entry = config.environments[requested]
    if (!entry) {
      const known = Object.keys(config.environments)
      throw badInput(`--env "${requested}" is not defined in ${config.path}; defined: ${known.join(', ') || 'none'}.`)
    }

    return [requested, entry]
  }

  if (config?.defaultEnv) return [config.defaultEnv, config.environments[config.defaultEnv]]
  return [undefined, undefined]
}

/** Names a value by where it came from, so a bad value in a config file is not blamed on a flag. */
function describeSource(field: TargetField, source: undefined | ValueSource): string {
  const flag = flagNames[field]
  switch (source) {
    case 'config': {
      return `config "${field}"`
    }

    case 'env': {
      return envNames[field].join(' / ')
    }

    case 'terraform': {
      return `Terraform output for ${field}`
    }

    default: {
      return flag ? `--${flag}` : field
    }
  }
}

/** The cluster identifier, or a usage error that lists every way to name one. */
export function requireCluster(target: Target): string {
  if (target.cluster) return target.cluster
  throw new AuroraError(
    'NO_CLUSTER',
    'No cluster named: pass --cluster, set AURORACTL_CLUSTER, select a config environment with --env, or point --tf-dir at the Terraform module.',
    {
      hint: 'Try `auroractl status --cluster <cluster-id>`, or `eval "$(auroractl sandbox env)"` to use the local sandbox.',
    },
  )
}
