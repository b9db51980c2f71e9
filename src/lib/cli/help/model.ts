import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'

import type {ManifestCommand} from './command-help.js'

/**
 * The commands and topics oclif's Config would hold, read from the oclif.manifest.json files of the CLI and of its
 * core plugins, without loading @oclif/core. It answers `undefined` whenever oclif could see something else: a user's
 * plugins or theme, a plugin without a current manifest, settings the fast help does not copy (help classes, help
 * options, flexible taxonomy, themes), debugging switched on. Then oclif answers, as it always did.
 */
export interface HelpModel {
  bin: string
  /** Every command by id, with its aliases as commands of their own (oclif's `config.commands`). */
  commands: Map<string, ManifestCommand>
  /** The CLI's description (package.json), whose first line heads the root help. */
  description: string
  /** The package's name, which opens oclif's user agent. */
  name: string
  /** Ids that name a command only through a permutation (flexible taxonomy in a plugin): oclif's to resolve. */
  permutationIds: Set<string>
  topics: Map<string, Topic>
  version: string
}

export interface Topic {
  description?: string
  hidden?: boolean
  name: string
}

interface OclifSettings {
  bin?: string
  commands?: unknown
  description?: string
  devPlugins?: unknown
  dirname?: string
  hooks?: Record<string, unknown>
  plugins?: unknown[]
  state?: string
  topics?: Record<string, {description?: string; hidden?: boolean; subtopics?: unknown}>
  topicSeparator?: string
}

interface PackageJson {
  dependencies?: Record<string, string>
  description?: string
  name: string
  oclif?: OclifSettings
  version: string
}

interface Manifest {
  commands: Record<string, ManifestCommand>
  version: string
}

/** oclif settings this help does not reproduce: with any of them, oclif answers. */
const unsupportedSettings = [
  'additionalHelpFlags',
  'additionalVersionFlags',
  'binAliases',
  'flexibleTaxonomy',
  'helpClass',
  'helpOptions',
  'state',
  'theme',
]
/** Hooks that run around help (main's init and finally, a help command's prerun and postrun). */
const hooksAroundHelp = ['init', 'finally', 'prerun', 'postrun', 'preparse']

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T

/** What oclif's Config.load reads from the environment and the user's directories, checked for anything that matters. */
function environmentAllows(bin: string, dirname: string, env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'win32') return false
  if (env.DEBUG || Object.keys(env).some((name) => name.startsWith('OCLIF_') && name !== 'OCLIF_COLUMNS')) return false
  const scoped = (key: string) => env[`${bin.replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()]
  if (scoped('DEBUG')) return false
  const home = env.HOME || os.homedir() || os.tmpdir()
  const dir = (category: 'config' | 'data') =>
    path.join(env[`XDG_${category.toUpperCase()}_HOME`] || path.join(home, category === 'data' ? '.local/share' : '.config'), dirname)
  // A user theme, or plugins a user installed or linked, change what oclif prints.
  return (
    !existsSync(path.join(scoped('CONFIG_DIR') || dir('config'), 'theme.json')) &&
    !existsSync(path.join(scoped('DATA_DIR') || dir('data'), 'package.json'))
  )
}

/** Where a core plugin is installed, found as oclif finds it: Node resolves it, then up to the folder named like it. */
function pluginRoot(root: string, name: string): string | undefined {
  let entry: string
  try {
    entry = createRequire(path.join(root, 'package.json')).resolve(name)
  } catch {
    return undefined
  }

  for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (dir.endsWith(path.basename(name))) return dir
  }

  return undefined
}

/**
 * A plugin's package.json and manifest, if oclif would take its commands from that manifest and nothing runs around
 * help. Only the CLI itself may name plugins: a plugin's own plugins are left to oclif.
 */
function readPlugin(pluginDir: string, isRoot: boolean): undefined | {manifest: Manifest; pjson: PackageJson} {
  const pjson = readJson<PackageJson>(path.join(pluginDir, 'package.json'))
  const oclif = pjson.oclif ?? {}
  if (oclif.state || (!isRoot && oclif.plugins?.length) || hooksAroundHelp.some((hook) => oclif.hooks?.[hook])) return undefined
  const manifestFile = path.join(pluginDir, 'oclif.manifest.json')
  if (!existsSync(manifestFile)) return undefined
  const manifest = readJson<Manifest>(manifestFile)
  // oclif ignores (and warns about) a manifest written for another version.
  if (manifest.version.split('-')[0] !== pjson.version.split('-')[0]) return undefined
  return {manifest, pjson}
}

/** oclif's Config.loadCommands for one plugin: each command, and each alias as a command of its own. */
function addCommands(model: HelpModel, commands: ManifestCommand[]): boolean {
  for (const command of commands) {
    if (command.state) return false
    const asAlias = (alias: string, hidden: boolean): [string, ManifestCommand] => {
      const id = alias.replaceAll(' ', ':')
      return [id, {...command, hidden, id}]
    }

    const entries: [string, ManifestCommand][] = [
      [command.id, command],
      ...(command.aliases ?? []).map((alias) => asAlias(alias, false)),
      ...(command.hiddenAliases ?? []).map((alias) => asAlias(alias, true)),
    ]
    for (const [id, entry] of entries) {
      // Two plugins with one id: oclif picks by priority, which is not copied here.
      if (model.commands.has(id)) return false
      model.commands.set(id, entry)
    }

    for (const permutation of command.permutations ?? []) model.permutationIds.add(permutation)
  }

  return true
}

/** oclif's Config.loadTopics for one plugin: its declared topics, then one for every prefix of a visible command's id. */
function addTopics(model: HelpModel, commands: ManifestCommand[], declared: NonNullable<OclifSettings['topics']>): boolean {
  for (const [name, topic] of Object.entries(declared)) {
    if (topic.subtopics) return false
    const existing = model.topics.get(name)
    if (existing) {
      existing.description = topic.description || existing.description
      existing.hidden = existing.hidden || topic.hidden
    } else {
      model.topics.set(name, {...topic, name})
    }
  }

  for (const command of commands.filter((c) => !c.hidden)) {
    const parts = command.id.split(':')
    while (parts.length > 0) {
      const name = parts.join(':')
      if (name && !model.topics.has(name)) model.topics.set(name, {description: command.summary || command.description, name})
      parts.pop()
    }
  }

  return true
}

function addPlugin(model: HelpModel, {manifest, pjson}: {manifest: Manifest; pjson: PackageJson}): boolean {
  const commands = Object.values(manifest.commands)
  return addCommands(model, commands) && addTopics(model, commands, pjson.oclif?.topics ?? {})
}

/** Whether the CLI's own oclif settings are ones the fast help reproduces. */
function settingsAllow(oclif: OclifSettings): boolean {
  const plugins = oclif.plugins ?? []
  return (
    !unsupportedSettings.some((setting) => setting in oclif) &&
    !oclif.devPlugins &&
    oclif.topicSeparator === ' ' &&
    typeof oclif.commands === 'string' &&
    // oclif matches the core plugins' names (globs allowed) against the dependencies: exact names only here.
    plugins.every((pattern) => typeof pattern === 'string' && !/[!*?[\]{}]/.test(pattern))
  )
}

export function loadHelpModel(root: string, env: NodeJS.ProcessEnv = process.env): HelpModel | undefined {
  const rootPlugin = readPlugin(root, true)
  if (!rootPlugin) return undefined
  const {pjson} = rootPlugin
  const oclif = pjson.oclif ?? {}
  const bin = oclif.bin || pjson.name
  if (!settingsAllow(oclif) || !environmentAllows(bin, oclif.dirname || pjson.name, env)) return undefined
  const model: HelpModel = {
    bin,
    commands: new Map(),
    description: oclif.description || pjson.description || '',
    name: pjson.name,
    permutationIds: new Set(),
    topics: new Map(),
    version: pjson.version || '0.0.0',
  }
  if (!addPlugin(model, rootPlugin)) return undefined
  const plugins = oclif.plugins ?? []
  for (const name of Object.keys(pjson.dependencies ?? {}).filter((dependency) => plugins.includes(dependency))) {
    const dir = pluginRoot(root, name)
    const plugin = dir === undefined ? undefined : readPlugin(dir, false)
    if (!plugin || !addPlugin(model, plugin)) return undefined
  }

  return model
}

/** oclif's userAgent (`auroractl/0.1.0 linux-x64 node-v20...`), or undefined under WSL, which oclif names by a check not copied here. */
export function userAgent(model: HelpModel): string | undefined {
  if (process.platform === 'linux') {
    const procVersion = existsSync('/proc/version') ? readFileSync('/proc/version', 'utf8') : ''
    const wsl = [os.release(), procVersion].some((text) => text.toLowerCase().includes('microsoft'))
    if (wsl || existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')) return undefined
  }

  const arch = os.arch() === 'ia32' ? 'x86' : os.arch()
  return `${model.name}/${model.version} ${os.platform()}-${arch} node-${process.version}`
}
