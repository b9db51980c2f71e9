import {cp, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {ensureCheckov, runCheckov} from '../helpers/checkov.js'
import {moduleDir} from '../helpers/terraform.js'

/** Checks the module knowingly does not meet, each skipped inline in the .tf file with its reason. */
const knownSkips = new Set(['CKV2_AWS_8', 'CKV2_AWS_57', 'CKV_AWS_139', 'CKV_AWS_149', 'CKV_AWS_327', 'CKV_AWS_354'])

describe('checkov over infra/', () => {
  let checkov: string
  beforeAll(async () => {
    checkov = await ensureCheckov()
  })

  it('finds no failed check, and every skip carries a reason', async () => {
    const report = await runCheckov(checkov, path.join(packageRoot, 'infra'))
    const failed = report.results.failed_checks.map((check) => `${check.check_id} ${check.resource} (${check.file_path})`)
    expect(failed).toEqual([])
    expect(report.summary.parsing_errors).toBe(0)
    expect(report.summary.passed).toBeGreaterThan(40)
    expect(report.results.skipped_checks.length).toBeGreaterThan(0)
    for (const skipped of report.results.skipped_checks) {
      expect(knownSkips.has(skipped.check_id), `${skipped.check_id} on ${skipped.resource}`).toBe(true)
      // The skip is inline in the file that holds the resource (also for the examples' module instances), with its reason.
      const source = await readFile(path.join(packageRoot, 'infra', skipped.file_path), 'utf8')
      const reason = new RegExp(`checkov:skip=${skipped.check_id}:(.+)`).exec(source)?.[1] ?? ''
      expect(reason.trim().length, `${skipped.check_id} in ${skipped.file_path} needs a one-line reason`).toBeGreaterThan(20)
    }
  })

  it('fails a module that stores data unencrypted or opens 5432 to the world (the checks can fail)', async () => {
    const broken = await mkdtemp(path.join(os.tmpdir(), 'auroractl-checkov-'))
    await cp(moduleDir, broken, {recursive: true})
    const main = path.join(broken, 'main.tf')
    const encrypted = 'storage_encrypted                   = true'
    await writeFile(main, (await readFile(main, 'utf8')).replace(encrypted, 'storage_encrypted                   = false'))
    const security = path.join(broken, 'security.tf')
    const fromCidr = 'cidr_ipv4         = each.value'
    await writeFile(security, (await readFile(security, 'utf8')).replace(fromCidr, 'cidr_ipv4         = "0.0.0.0/0"'))
    // The edits above took: a changed module would otherwise make this test prove nothing.
    expect(await readFile(main, 'utf8')).not.toContain(encrypted)
    expect(await readFile(security, 'utf8')).not.toContain(fromCidr)
    const report = await runCheckov(checkov, broken)
    const failed = report.results.failed_checks.map((check) => `${check.check_id} ${check.resource}`)
    expect(failed).toContain('CKV_AWS_96 aws_rds_cluster.this') // Aurora encrypted at rest
    expect(failed).toContain('CKV_AURORACTL_5432 aws_vpc_security_group_ingress_rule.from_cidr') // 5432 from 0.0.0.0/0 (infra/checkov)
  })
})
