import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The package's root folder: three levels up from dist/lib/sandbox (or src/lib/sandbox under tsx). */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url))

export interface SandboxPaths {
  /** Instance folder: state, logs, TLS files and (when the postgres user can reach it) the data directory. */
  dir: string
  endpointMap: string
  motoLauncher: string
  motoLog: string
  /** Parent of the PostgreSQL data directory; moved to a temp folder when the postgres user cannot reach `dir`. */
  pgRoot: string
  state: string
  superuser: string
  tls: string
  venv: string
}

/**
 * AURORACTL_SANDBOX_HOME (default: <package>/.sandbox) holds the Python venv, shared by every instance;
 * AURORACTL_SANDBOX_DIR (default: <home>/default) holds one running sandbox. Tests use their own dir
 * so they never touch a sandbox the developer is using.
 */
export function sandboxPaths(env: NodeJS.ProcessEnv = process.env): SandboxPaths {
  const home = path.resolve(env.AURORACTL_SANDBOX_HOME ?? path.join(packageRoot, '.sandbox'))
  const dir = path.resolve(env.AURORACTL_SANDBOX_DIR ?? path.join(home, 'default'))
  return {
    dir,
    endpointMap: path.join(dir, 'endpoint-map.json'),
    motoLauncher: path.join(packageRoot, 'sandbox', 'moto_launcher.py'),
    motoLog: path.join(dir, 'moto.log'),
    pgRoot: path.join(dir, 'pg'),
    state: path.join(dir, 'state.json'),
    superuser: path.join(dir, 'superuser.json'),
    tls: path.join(dir, 'tls'),
    venv: path.join(home, 'venv'),
  }
}
