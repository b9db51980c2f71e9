import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {SandboxPaths} from './paths.js'

import {AuroraError} from '../cli/errors.js'
import {packageRoot} from './paths.js'
import {spawnDetached, waitFor} from './processes.js'

/** moto is pinned: the sandbox's AWS behaviour must not change under the tests from one install to the next. */
export const motoRequirement = 'moto[server]==5.2.5'

const installHint =
  'Install Python 3 with venv support, e.g. `apt-get install python3 python3-venv`, or point AURORACTL_PYTHON at a python3.'

/**
 * Makes sure the sandbox venv exists with the pinned moto. The first run installs it from PyPI
 * (about 30 s); later runs find the marker file and skip straight on.
 */
export async function ensureMotoVenv(
  paths: SandboxPaths,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const python = path.join(paths.venv, 'bin', 'python')
  const marker = path.join(paths.venv, '.auroractl-requirement')
  if (existsSync(python) && existsSync(marker) && (await readFile(marker, 'utf8')).trim() === motoRequirement) return python

  const {execa} = await import('execa')
  const systemPython = env.AURORACTL_PYTHON ?? 'python3'
  if (!existsSync(python)) {
    log(`Creating a Python venv for moto in ${paths.venv}`)
    const created = await execa(systemPython, ['-m', 'venv', paths.venv], {reject: false, stdin: 'ignore'})
    if (created.failed) {
      const missing = (created as {code?: string}).code === 'ENOENT'
      throw new AuroraError(
        'SANDBOX',
        missing
          ? `${systemPython} was not found: the sandbox runs moto, a Python program.`
          : `Could not create a Python venv: ${lastLine(String(created.stderr))}`,
        {hint: installHint},
      )
    }
  }

  log(`Installing ${motoRequirement} into the venv (first run only)`)
  const pip = await execa(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', motoRequirement], {
    reject: false,
    stdin: 'ignore',
  })
  if (pip.failed) {
    throw new AuroraError('SANDBOX', `pip could not install ${motoRequirement}: ${lastLine(String(pip.stderr))}`, {
      hint: 'The first `sandbox up` needs access to PyPI; check the network or a PIP_INDEX_URL mirror.',
    })
  }

  await writeFile(marker, `${motoRequirement}\n`)
  return python
}

/**
 * Starts moto's server (through our launcher, see sandbox/moto_launcher.py) and waits until it answers. It reads
 * its settings from `env` (AURORACTL_SANDBOX_LOG_PORTION_BYTES: the size of a log file portion, AWS's 1 MB by default).
 */
export async function startMoto(
  python: string,
  paths: SandboxPaths,
  port: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{pid: number; url: string}> {
  // The launcher calls back into this CLI for the data plane (see sandbox/moto_launcher.py).
  const pid = spawnDetached(python, [paths.motoLauncher, '127.0.0.1', String(port)], paths.motoLog, {
    ...env,
    AURORACTL_DATA_PLANE_CLI: path.join(packageRoot, 'bin', 'run.js'),
    AURORACTL_DATA_PLANE_NODE: process.execPath,
    AURORACTL_SANDBOX_DIR: paths.dir,
    AURORACTL_SANDBOX_HOME: path.dirname(paths.venv),
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor('moto', () => motoAnswers(url), 30_000, `See ${paths.motoLog}.`)
  return {pid, url}
}

export async function motoAnswers(url: string): Promise<boolean> {
  const response = await fetch(`${url}/moto-api/`, {signal: AbortSignal.timeout(1000)}).catch(() => {})
  return response?.ok ?? false
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? ''
}
