#!/usr/bin/env node
// Startup time matters to someone paged at night, so three shortcuts (measured in bench/startup.sh):
// `--version` is answered without loading oclif at all; help (`--help`, `help`, a bare topic, no arguments) is
// answered from oclif.manifest.json in the very bytes oclif prints (dist/lib/cli/help/manifest-help.js, which
// hands anything it does not cover back to oclif); and oclif's `execute` is required from its own CommonJS module
// rather than through the package index, which would load all of @oclif/core.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
const readPackageJson = () => JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/** Whether oclif would show help for these arguments, cheaply guessed; the manifest help decides for certain. */
function mayAskForHelp() {
  if (argv.length === 0 || argv[0] === 'help' || argv.includes('--help')) return true
  // A topic alone (`auroractl snapshot`) shows the topic's help.
  return !argv[0].startsWith('-') && Object.hasOwn(readPackageJson().oclif?.topics ?? {}, argv[0])
}

async function helpFromManifest() {
  try {
    const {answerHelpFromManifest} = await import('../dist/lib/cli/help/manifest-help.js')
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
