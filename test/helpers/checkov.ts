import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {packageRoot} from '../../src/lib/sandbox/paths.js'

const run = promisify(execFile)

/** Pinned, like moto: a new checkov release may add checks, and that should be a decision, not a surprise. */
export const checkovRequirement = 'checkov==3.3.30'

const venv = path.join(process.env.AURORACTL_SANDBOX_HOME ?? path.join(packageRoot, '.sandbox'), 'checkov-venv')

/** Creates .sandbox/checkov-venv with the pinned checkov on first use (from PyPI, about a minute). */
export async function ensureCheckov(): Promise<string> {
  const checkov = path.join(venv, 'bin', 'checkov')
  const marker = path.join(venv, '.auroractl-requirement')
  if (existsSync(checkov) && existsSync(marker) && (await readFile(marker, 'utf8')).trim() === checkovRequirement) return checkov
  await run(process.env.AURORACTL_PYTHON ?? 'python3', ['-m', 'venv', venv])
  await run(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', checkovRequirement], {
    maxBuffer: 64 * 1024 * 1024,
  })
  await writeFile(marker, `${checkovRequirement}\n`)
  return checkov
}

export interface CheckovCheck {
  check_id: string
  check_name: string
  file_path: string
  resource: string
  suppress_comment?: string
}

export interface CheckovReport {
  results: {failed_checks: CheckovCheck[]; passed_checks: CheckovCheck[]; skipped_checks: CheckovCheck[]}
  summary: {failed: number; parsing_errors: number; passed: number; skipped: number}
}

/** Our own checks (infra/checkov), beside checkov's: PostgreSQL's port open to the world, which checkov does not check. */
export const externalChecksDir = path.join(packageRoot, 'infra', 'checkov')

/** Runs checkov over a folder of Terraform, offline (--skip-download), with our own checks, and returns its JSON report. */
export async function runCheckov(checkov: string, dir: string): Promise<CheckovReport> {
  // checkov exits 1 when a check fails; the report is on stdout either way.
  const {stdout} = await run(
    checkov,
    [
      '--directory',
      dir,
      '--external-checks-dir',
      externalChecksDir,
      '--framework',
      'terraform',
      '--skip-download',
      '--output',
      'json',
      '--compact',
    ],
    {
      env: {...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_CREATE_GRAPH: 'True'},
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error: {stdout?: string}) => ({stdout: error.stdout ?? ''}))
  const parsed = JSON.parse(stdout) as CheckovReport | CheckovReport[]
  return Array.isArray(parsed) ? parsed.find((report) => report.results)! : parsed
}
