#!/usr/bin/env node
// Startup time matters to someone paged at night, so two shortcuts (measured in bench/startup.sh):
// `--version` is answered without loading oclif at all, and oclif's `execute` is required from its
// own CommonJS module rather than through the package index, which would load all of @oclif/core.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  // The same line oclif's version flag prints.
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = createRequire(import.meta.url)('@oclif/core/execute')
  await execute({dir: import.meta.url})
}
