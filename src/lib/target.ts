import type {ConfigFile, EnvironmentConfig} from './config.js'
import type {TerraformOutputs} from './terraform.js'

import {AuroraError, badInput} from './errors.js'
import {regionFromArn} from './terraform.js'
import {parseHostPort, validateEndpointUrl, validateIdentifier, validateRegion} from './validation.js'

/** Where a resolved value came from, shown by `--json` output and in errors. */
export type ValueSource = 'config' | 'env' | 'flag' | 'terraform'

/** Everything a command needs to know about which cluster to act on and how to reach it. */
export interface Target {
  /** The cluster identifier; absent when nothing named one (see requireCluster). */
  cluster?: string
  endpointMap?: string
  endpointUrl?: string
  /** The config file environment in use, e.g. "prod". */
  environment?: string
  profile?: string
  region?: string
  secret?: string
  sources: Partial<Record<TargetField, ValueSource>>
  terraform?: TerraformOutputs
  tfDir?: string
  via?: {host: string; port: number}
}

type TargetField = 'cluster' | 'endpointMap' | 'endpointUrl' | 'profile' | 'region' | 'secret' | 'tfDir' | 'via'

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

/**
 * Resolves the target with one documented precedence, field by field:
 * flags > environment variables > the config file's selected environment > Terraform outputs.
 */
export async function resolveTarget(input: ResolveTargetInput): Promise<Target> {
  const {env, flags} = input
  const config = await input.loadConfig()
  const [environment, entry] = selectEnvironment(config, flags.env ?? env.AURORACTL_ENV)

  const target: Target = {environment, sources: {}}
  const fields = Object.keys(envNames) as TargetField[]
  const raw: Partial<Record<TargetField, string>> = {}
  for (const field of fields) {
    const flagName = flagNames[field]
    const fromFlag = flagName ? flags[flagName] : undefined
    const fromEnv = envNames[field].map((name) => env[name]).find((value) => value !== undefined && value !== '')
    const fromConfig = entry?.[field as keyof EnvironmentConfig]
    const [value, source] =
      fromFlag === undefined ? (fromEnv === undefined ? [fromConfig, 'config' as const] : [fromEnv, 'env' as const]) : [fromFlag, 'flag' as const]
    if (value !== undefined && value !== '') {
      raw[field] = value
      target.sources[field] = source
    }
  }

  target.tfDir = raw.tfDir
  target.profile = raw.profile
  target.endpointMap = raw.endpointMap
  target.endpointUrl = raw.endpointUrl && validateEndpointUrl(raw.endpointUrl, describeSource('endpointUrl', target.sources.endpointUrl))
  target.region = raw.region && validateRegion(raw.region, describeSource('region', target.sources.region))
  target.via = raw.via ? parseHostPort(raw.via, describeSource('via', target.sources.via)) : undefined
  target.cluster = raw.cluster
  target.secret = raw.secret

  // Terraform is slow to ask (a subprocess that reads state), so only when it fills a gap.
  if (target.tfDir && (!target.cluster || !target.secret || !target.region)) {
    const outputs = await input.readTerraform(target.tfDir)
    target.terraform = outputs
    fill(target, 'cluster', outputs.clusterId)
    fill(target, 'secret', outputs.databaseSecretArn)
    fill(target, 'region', regionFromArn(outputs.clusterArn) ?? regionFromArn(outputs.databaseSecretArn))
  }

  if (target.cluster) {
    target.cluster = validateIdentifier(target.cluster, 'cluster', describeSource('cluster', target.sources.cluster))
  }

  return target
}

function fill(target: Target, field: 'cluster' | 'region' | 'secret', value: string | undefined): void {
  if (!target[field] && value) {
    target[field] = value
    target.sources[field] = 'terraform'
  }
}

function selectEnvironment(config: ConfigFile | undefined, requested: string | undefined): [string | undefined, EnvironmentConfig | undefined] {
  if (requested) {
    if (!config) {
      throw badInput(`--env "${requested}" was given, but no auroractl.config.json was found in this directory or its parents.`,
        'Create auroractl.config.json (see the README section "Configuration") or set AURORACTL_CONFIG to its path.')
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
  throw new AuroraError('NO_CLUSTER', 'No cluster named: pass --cluster, set AURORACTL_CLUSTER, select a config environment with --env, or point --tf-dir at the Terraform module.', {
    hint: 'Try `auroractl status --cluster <cluster-id>`, or `eval "$(auroractl sandbox env)"` to use the local sandbox.',
  })
}
