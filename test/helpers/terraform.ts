import {execFile, spawnSync} from 'node:child_process'
import {cp, mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {packageRoot} from '../../src/lib/sandbox/paths.js'

export const moduleDir = path.join(packageRoot, 'infra', 'modules', 'rds')

/** Terraform 1.11 is on this project's machines but in no registry: tests that need it skip by name without it. */
export const terraformInstalled = spawnSync('terraform', ['version'], {encoding: 'utf8'}).error === undefined

const terraformEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  // No CLI configuration (and no warning that ~/.terraformrc is missing).
  TF_CLI_CONFIG_FILE: '/dev/null',
  TF_IN_AUTOMATION: '1',
}

export interface TerraformResult {
  exitCode: number
  output: string
}

export function terraform(args: string[], cwd: string, env: Record<string, string> = {}): Promise<TerraformResult> {
  return new Promise((resolve) => {
    execFile('terraform', args, {cwd, encoding: 'utf8', env: {...terraformEnv, ...env}, timeout: 120_000}, (error, stdout, stderr) => {
      resolve({exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}`})
    })
  })
}

/**
 * A folder holding only the module's variable blocks: it needs no provider, so `terraform init` and
 * `terraform plan` run offline and evaluate every validation, cross-variable ones included.
 */
export async function variablesOnlyDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-tfvars-'))
  await cp(path.join(moduleDir, 'variables.tf'), path.join(dir, 'variables.tf'))
  const init = await terraform(['init', '-input=false', '-no-color'], dir)
  if (init.exitCode !== 0) throw new Error(`terraform init failed in ${dir}:\n${init.output}`)
  return dir
}

/**
 * A root module that calls the module's variable blocks as a child, the password coming from a
 * sensitive root variable: how the examples (and real callers) use it.
 */
export async function moduleCallDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-tfcall-'))
  await mkdir(path.join(dir, 'rds'))
  await cp(path.join(moduleDir, 'variables.tf'), path.join(dir, 'rds', 'variables.tf'))
  await writeFile(
    path.join(dir, 'main.tf'),
    `variable "database_password" {
  type      = string
  sensitive = true
}

module "rds" {
  source           = "./rds"
  project_name     = "nba-tracker"
  environment      = "dev"
  vpc_id           = "vpc-12345678"
  database_subnets = ["subnet-12345678", "subnet-87654321"]
  db_name          = "nbatracker"
  db_username      = "nbatracker"
  db_password      = var.database_password
}
`,
  )
  const init = await terraform(['init', '-input=false', '-no-color'], dir)
  if (init.exitCode !== 0) throw new Error(`terraform init failed in ${dir}:\n${init.output}`)
  return dir
}
