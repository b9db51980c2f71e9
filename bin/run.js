#!/usr/bin/env node
// Startup time matters to someone paged at night, so these shortcuts (measured by bench/startup.sh):
// - `--version` is answered without loading oclif at all;
// - help (`--help`, `help`, a bare topic, no arguments) is answered from oclif.manifest.json in the very bytes oclif
//   prints (dist/lib/cli/help/manifest-help.js, which hands anything it does not cover back to oclif);
// - oclif's `execute` is required from its own CommonJS module, not through the package index (all of @oclif/core);
// - a run of one of our own commands does not load oclif's core plugins (ownCommandLoadOptions);
// - the CommonJS modules of oclif and the AWS SDK compile from V8's code cache of earlier runs
//   (dist/lib/cli/compile-cache.js).
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
const root = new URL('../', import.meta.url)
let packageJson
/** package.json, read once and only when a shortcut needs it. */
function readPackageJson() {
  packageJson ??= JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  return packageJson
}

/** Whether dist/commands holds one of these files (`snapshot/create.js`): a command of our own by that name. */
const commandFileExists = (...files) => {
  const commands = new URL(`${readPackageJson().oclif.commands}/`, root)
  return files.some((file) => existsSync(new URL(file, commands)))
}

/** Whether oclif would show help for these arguments, cheaply guessed; the manifest help decides for certain. */
function mayAskForHelp() {
  const helpFlag = argv.indexOf('--help')
  const endOfFlags = argv.indexOf('--')
  if (argv.length === 0 || argv[0] === 'help' || (helpFlag !== -1 && (endOfFlags === -1 || helpFlag < endOfFlags))) return true
  // A topic shows its help (`auroractl snapshot`), unless the arguments name a command (`drill`, `snapshot create`).
  if (argv[0].startsWith('-') || !Object.hasOwn(readPackageJson().oclif?.topics ?? {}, argv[0])) return false
  return !namesOwnCommand()
}

async function helpFromManifest() {
  try {
    // A URL rather than a literal specifier: dist/ exists only after the build, which CI runs after the linter.
    const manifestHelp = new URL('dist/lib/cli/help/manifest-help.js', root)
    const {answerHelpFromManifest} = await import(manifestHelp.href)
    return answerHelpFromManifest(argv, fileURLToPath(root))
  } catch {
    // Whatever went wrong here, oclif can still answer (undefined).
  }
}

/** A command or topic name, as opposed to a flag or an argument. */
const isWord = (word) => word !== undefined && /^[a-z][\w-]*$/.test(word)

/** Whether the arguments name one of auroractl's own commands (`snapshot create` → dist/commands/snapshot/create.js). */
function namesOwnCommand() {
  const [topicOrCommand, command] = argv
  if (!isWord(topicOrCommand)) return false
  const candidates = [`${topicOrCommand}.js`, `${topicOrCommand}/index.js`]
  if (isWord(command)) candidates.unshift(`${topicOrCommand}/${command}.js`)
  return commandFileExists(...candidates)
}

/**
 * oclif's load options for a run of one of auroractl's own commands: its core plugins (help, autocomplete,
 * not-found) bring only their own commands and a hook for commands that do not exist, so such a run does not load
 * them (about 15 ms). Anything else (a plugin's command, an alias, a typo, help) gets oclif's usual configuration.
 */
function ownCommandLoadOptions() {
  const pjson = readPackageJson()
  return {
    devPlugins: false,
    pjson: {...pjson, oclif: {...pjson.oclif, plugins: []}},
    root: fileURLToPath(root),
    userPlugins: false,
  }
}

/** Keeps V8's compiled code of oclif and the AWS SDK between runs (compile-cache.js says why and how). */
async function enableCompileCache() {
  try {
    const compileCache = new URL('dist/lib/cli/compile-cache.js', root)
    const {enableCompileCache} = await import(compileCache.href)
    enableCompileCache()
  } catch {
    // Without it every module compiles as usual.
  }
}

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {name, version} = readPackageJson()
  // The line oclif's version flag prints on Linux and macOS (on ia32 oclif writes x86, under WSL wsl: not copied).
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const helpAsked = mayAskForHelp()
  const help = helpAsked ? await helpFromManifest() : undefined
  if (help === undefined) {
    await enableCompileCache()
    const {execute} = createRequire(import.meta.url)('@oclif/core/execute')
    await execute(!helpAsked && namesOwnCommand() ? {loadOptions: ownCommandLoadOptions()} : {dir: import.meta.url})
  } else {
    // console.log as oclif writes help: it ignores a reader that went away (`auroractl --help | head`).
    console.log(help.slice(0, -1))
  }
}
