import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {AuroraError} from '../cli/errors.js'

export const configFileName = 'auroractl.config.json'

/** One named environment (dev, staging, prod ...): where its cluster lives and how to reach it. */
export interface EnvironmentConfig {
  cluster?: string
  /** Path to an endpoint map file; relative paths are resolved against the config file's folder. */
  endpointMap?: string
  endpointUrl?: string
  profile?: string
  region?: string
  secret?: string
  /** Terraform root module; relative to the config file's folder. */
  tfDir?: string
  via?: string
}

export interface ConfigFile {
  defaultEnv?: string
  environments: Record<string, EnvironmentConfig>
  /** Absolute path of the file, for messages and for resolving relative paths in it. */
  path: string
}

/**
 * Finds the config file: AURORACTL_CONFIG when set (it must exist), else the nearest
 * auroractl.config.json in the working directory or one of its parents.
 */
export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env.AURORACTL_CONFIG
  if (explicit) {
    const resolved = path.resolve(cwd, explicit)
    if (!existsSync(resolved)) {
      throw new AuroraError('CONFIG_INVALID', `AURORACTL_CONFIG points at ${resolved}, which does not exist.`, {
        hint: `Create it, or unset AURORACTL_CONFIG to use ./${configFileName}.`,
      })
    }

    return resolved
  }

  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, configFileName)
    if (existsSync(candidate)) return candidate
    if (path.dirname(dir) === dir) return undefined
  }
}

/** Parses and validates the file's text. The schema (and zod) load only when a config file exists. */
export async function parseConfigFile(text: string, filePath: string): Promise<ConfigFile> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new AuroraError('CONFIG_INVALID', `${filePath} is not valid JSON: ${(error as Error).message}`, {
      hint: 'Fix the file, or see the README section "Configuration" for its shape.',
    })
  }

  const {configSchema} = await import('./config-schema.js')
  const parsed = configSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.join('.') || '(top level)'
    throw new AuroraError('CONFIG_INVALID', `${filePath}: ${where}: ${issue.message}`, {
      hint: 'See the README section "Configuration" for the shape of auroractl.config.json.',
    })
  }

  const dir = path.dirname(filePath)
  const environments: Record<string, EnvironmentConfig> = {}
  for (const [name, entry] of Object.entries(parsed.data.environments)) {
    environments[name] = {
      ...entry,
      endpointMap: entry.endpointMap ? path.resolve(dir, entry.endpointMap) : undefined,
      tfDir: entry.tfDir ? path.resolve(dir, entry.tfDir) : undefined,
    }
  }

  if (parsed.data.defaultEnv && !environments[parsed.data.defaultEnv]) {
    throw new AuroraError('CONFIG_INVALID', `${filePath}: defaultEnv "${parsed.data.defaultEnv}" is not one of its environments.`, {
      hint: `Environments defined: ${Object.keys(environments).join(', ') || 'none'}.`,
    })
  }

  return {defaultEnv: parsed.data.defaultEnv, environments, path: filePath}
}

export async function loadConfigFile(cwd: string, env: NodeJS.ProcessEnv): Promise<ConfigFile | undefined> {
  const filePath = findConfigFile(cwd, env)
  if (!filePath) return undefined
  return parseConfigFile(await readFile(filePath, 'utf8'), filePath)
}
