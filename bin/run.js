#!/usr/bin/env node
// Startup time matters to someone paged at night, so three shortcuts (measured in bench/startup.sh):
// `--version` is answered without loading oclif at all; help (`--help`, `help`, a bare topic, no arguments) is
// answered from oclif.manifest.json in the very bytes oclif prints (dist/lib/cli/help/manifest-help.js, which
// hands anything it does not cover back to oclif); and oclif's `execute` is required from its own CommonJS module
// rather than through the package index, which would load all of @oclif/core.
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
const readPackageJson = () => JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/** Whether oclif would show help for these arguments, cheaply guessed; the manifest help decides for certain. */
function mayAskForHelp() {
  const helpFlag = argv.indexOf('--help')
  const endOfFlags = argv.indexOf('--')
  if (argv.length === 0 || argv[0] === 'help' || (helpFlag !== -1 && (endOfFlags === -1 || helpFlag < endOfFlags))) return true
  // A topic shows its help (`auroractl snapshot`), unless it is also a command (`auroractl drill` runs the drill).
  const {oclif} = readPackageJson()
  if (argv[0].startsWith('-') || !Object.hasOwn(oclif?.topics ?? {}, argv[0])) return false
  const commands = new URL(`${oclif.commands}/`, new URL('../', import.meta.url))
  return !existsSync(new URL(`${argv[0]}.js`, commands)) && !existsSync(new URL(`${argv[0]}/index.js`, commands))
}

async function helpFromManifest() {
  try {
    // A URL rather than a literal specifier: dist/ exists only after the build, which CI runs after the linter.
    const manifestHelp = new URL('../dist/lib/cli/help/manifest-help.js', import.meta.url)
    const {answerHelpFromManifest} = await import(manifestHelp.href)
    return answerHelpFromManifest(argv, fileURLToPath(new URL('..', import.meta.url)))
  } catch {
    // Whatever went wrong here, oclif can still answer (undefined).
  }
}

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {name, version} = readPackageJson()
  // The same line oclif's version flag prints.
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const help = mayAskForHelp() ? await helpFromManifest() : undefined
  if (help === undefined) {
    const {execute} = createRequire(import.meta.url)('@oclif/core/execute')
    await execute({dir: import.meta.url})
  } else {
    // console.log as oclif writes help: it ignores a reader that went away (`auroractl --help | head`).
    console.log(help.slice(0, -1))
  }
}
