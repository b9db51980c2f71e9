import {existsSync, realpathSync} from 'node:fs'
import path from 'node:path'

import {packageRoot} from '../sandbox/paths.js'

/**
 * How a person can run this auroractl from the shell they are in, for the next steps commands print:
 * `auroractl` when that name on PATH is this package (npm link, a global install), `npx auroractl`
 * inside the package's folder (npm runs a package's own bin there), else node and the bin's path.
 */
export function howToRun(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const bin = path.join(packageRoot, 'bin', 'run.js')
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'auroractl')
    if (existsSync(candidate) && realpathSync(candidate) === realpathSync(bin)) return 'auroractl'
  }

  const relative = path.relative(packageRoot, cwd)
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) return 'npx auroractl'
  return `node ${bin}`
}
