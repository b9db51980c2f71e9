import {parse} from '@cdktf/hcl2json'
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

// @ts-expect-error: a plain ESM script without type declarations
import {renderTables, spliceTables} from '../../scripts/infra-docs.mjs'
import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {sandboxShape} from '../../src/lib/sandbox/seed.js'
import {terraformOutputNames} from '../../src/lib/target/terraform.js'
import {moduleDir, terraform, terraformInstalled} from '../helpers/terraform.js'

type Block = Record<string, unknown>
type Hcl = Record<string, Record<string, Record<string, Block[]>>>

/** Every .tf file of a folder, parsed and merged (hcl2json gives one object per file). */
async function parseFolder(dir: string): Promise<Hcl> {
  const merged: Hcl = {}
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort()) {
    const parsed = (await parse(file, await readFile(path.join(dir, file), 'utf8'))) as Hcl
    for (const [kind, entries] of Object.entries(parsed)) {
      merged[kind] ??= {}
      if (kind === 'resource' || kind === 'data') {
        for (const [type, byName] of Object.entries(entries))
          merged[kind][type] = {...merged[kind][type], ...(byName as Record<string, Block[]>)}
      } else {
        Object.assign(merged[kind], entries)
      }
    }
  }

  return merged
}

const module = await parseFolder(moduleDir)
const variables = module.variable as unknown as Record<string, Block[]>
const outputs = module.output as unknown as Record<string, Block[]>
const resources = module.resource as unknown as Record<string, Record<string, Block[]>>
const resource = (type: string, name: string): Block => resources[type]![name]![0]!
const text = async (file: string) => readFile(path.join(moduleDir, file), 'utf8')

describe('module interface: the seed README is the contract', () => {
  // Name, type and default as the seed's tables give them (engine_version: see the deviation below).
  const seedRequired: Array<[string, string]> = [
    ['project_name', 'string'],
    ['environment', 'string'],
    ['vpc_id', 'string'],
    ['database_subnets', 'list(string)'],
    ['db_name', 'string'],
    ['db_username', 'string'],
    ['db_password', 'string'],
  ]
  const seedOptional: Array<[string, string, unknown]> = [
    ['instance_class', 'string', 'db.serverless'],
    ['min_capacity', 'number', 0.5],
    ['max_capacity', 'number', 1],
    ['backup_retention_period', 'number', 7],
    ['backup_window', 'string', '03:00-04:00'],
    ['maintenance_window', 'string', 'sun:04:00-sun:05:00'],
    ['deletion_protection', 'bool', false],
    ['skip_final_snapshot', 'bool', true],
    ['performance_insights_retention_period', 'number', 7],
    ['tags', 'map(string)', {}],
  ]

  it.each(seedRequired)('requires %s (%s) with no default', (name, type) => {
    const variable = variables[name]![0]!
    expect(variable.type).toBe(`\${${type}}`)
    expect(variable).not.toHaveProperty('default')
  })

  it.each(seedOptional)('keeps %s (%s) with the seed default %j', (name, type, seedDefault) => {
    const variable = variables[name]![0]!
    expect(variable.type).toBe(`\${${type}}`)
    expect(variable.default).toEqual(seedDefault)
  })

  it('marks the password sensitive', () => {
    expect(variables.db_password![0]!.sensitive).toBe(true)
  })

  it('defaults engine_version to a creatable 15.x minor instead of the retired 15.4, and the sandbox agrees', async () => {
    const engineVersion = variables.engine_version![0]!.default as string
    expect(engineVersion).toMatch(/^15\.\d+$/)
    expect(engineVersion).not.toBe('15.4')
    expect(sandboxShape.engineVersion).toBe(engineVersion)
    expect(await text('README.md')).toContain('Cannot find version 15.4 for aurora-postgresql')
  })

  it('adds the careful-team inputs with safe defaults', () => {
    const defaults = Object.fromEntries(Object.entries(variables).map(([name, [variable]]) => [name, variable!.default]))
    expect(defaults).toMatchObject({
      allowed_cidr_blocks: [],
      allowed_security_group_ids: [],
      apply_immediately: false,
      auto_minor_version_upgrade: true,
      copy_tags_to_snapshot: true,
      enabled_cloudwatch_logs_exports: ['postgresql'],
      kms_key_id: null,
      performance_insights_kms_key_id: null,
      seconds_until_auto_pause: null,
    })
    expect(variables.iam_database_authentication_enabled![0]!.type).toBe('${bool}')
  })

  it('has a validation with a message on every constrained input', () => {
    const unconstrained = new Set([
      'apply_immediately',
      'auto_minor_version_upgrade',
      'copy_tags_to_snapshot',
      'deletion_protection',
      'force_ssl',
      'iam_database_authentication_enabled',
      'skip_final_snapshot',
      'tags',
    ])
    for (const [name, [variable]] of Object.entries(variables)) {
      if (unconstrained.has(name)) continue
      const validations = (variable!.validation ?? []) as Block[]
      expect(validations.length, name).toBeGreaterThan(0)
      for (const validation of validations) expect(String(validation.error_message), name).toMatch(new RegExp(`^${name} (must|may)`))
    }
  })

  it('lets min_capacity be 0 only on an engine version that scales to zero, and auto-pause only with 0', async () => {
    const conditions = (name: string) => ((variables[name]![0]!.validation ?? []) as Block[]).map((rule) => String(rule.condition))
    // min_capacity 0 is in range, and one validation compares it with engine_version (cross-variable, Terraform >= 1.9).
    expect(conditions('min_capacity').some((condition) => condition.includes('var.min_capacity >= 0'))).toBe(true)
    const byVersion = conditions('min_capacity').find((condition) => condition.includes('var.engine_version'))
    expect(byVersion).toBeDefined()
    // The first minors of each major that support 0 ACU (AWS's auto-pause prerequisites).
    expect(byVersion!.replaceAll(/\s+/g, ' ')).toContain('{ "13" = 15, "14" = 12, "15" = 7, "16" = 3 }')
    const pause = variables.seconds_until_auto_pause![0]!
    expect(pause.type).toBe('${number}')
    expect(pause.default).toBeNull()
    expect(conditions('seconds_until_auto_pause').some((condition) => condition.includes('var.min_capacity == 0'))).toBe(true)
    expect(conditions('seconds_until_auto_pause').some((condition) => /300\b[\s\S]*86400/.test(condition))).toBe(true)
    expect(await text('README.md')).toMatch(/^\| `seconds_until_auto_pause` \| With min_capacity = 0: .+ \| `number` \| `null` \|$/m)
  })

  it('needs Terraform 1.9 (cross-variable validations) and AWS provider 5.81.0 (min 0 and auto-pause), in the module and the examples', async () => {
    for (const dir of [moduleDir, ...['dev', 'prod'].map((name) => path.join(packageRoot, 'infra', 'environments', name))]) {
      const file = path.join(dir, 'versions.tf')
      const {
        terraform: [settings],
      } = (await parse(file, await readFile(file, 'utf8'))) as {
        terraform: Array<{required_providers: Array<Record<string, {source: string; version: string}>>; required_version: string}>
      }
      expect(settings!.required_version, file).toBe('>= 1.9.0')
      expect(settings!.required_providers[0]!.aws!.version, file).toMatch(/^>= 5\.81\.0,/)
    }
  })

  it('outputs what the seed lists, what the runbooks use, and everything auroractl reads', () => {
    const expected = [
      'cluster_endpoint',
      'cluster_reader_endpoint',
      'cluster_port',
      'database_name',
      'database_url',
      'security_group_id',
      'database_secret_arn',
      'cluster_id',
      'cluster_resource_id',
      'master_username',
      'cluster_arn',
      'engine_version_actual',
      'instance_ids',
    ]
    for (const name of [...expected, ...Object.keys(terraformOutputNames)]) expect(outputs, name).toHaveProperty(name)
    for (const [name, [output]] of Object.entries(outputs)) {
      expect(output!.sensitive === true, `${name} sensitive`).toBe(name === 'database_url')
      expect(output!.description, name).toBeTruthy()
    }
  })
})

describe('module resources: the cluster shape', () => {
  it('is an encrypted aurora-postgresql cluster in provisioned mode with Serverless v2 scaling', () => {
    const cluster = resource('aws_rds_cluster', 'this')
    expect(cluster).toMatchObject({
      allow_major_version_upgrade: false,
      backup_retention_period: '${var.backup_retention_period}',
      copy_tags_to_snapshot: '${var.copy_tags_to_snapshot}',
      deletion_protection: '${var.deletion_protection}',
      enabled_cloudwatch_logs_exports: '${var.enabled_cloudwatch_logs_exports}',
      engine: 'aurora-postgresql',
      engine_mode: 'provisioned',
      iam_database_authentication_enabled: '${var.iam_database_authentication_enabled}',
      kms_key_id: '${var.kms_key_id}',
      master_password: '${var.db_password}',
      port: 5432,
      preferred_backup_window: '${var.backup_window}',
      preferred_maintenance_window: '${var.maintenance_window}',
      skip_final_snapshot: '${var.skip_final_snapshot}',
      storage_encrypted: true,
      vpc_security_group_ids: ['${aws_security_group.this.id}'],
    })
    expect(cluster.serverlessv2_scaling_configuration).toEqual([
      {
        max_capacity: '${var.max_capacity}',
        min_capacity: '${var.min_capacity}',
        seconds_until_auto_pause: '${var.min_capacity == 0 ? coalesce(var.seconds_until_auto_pause, 300) : null}',
      },
    ])
    // A final snapshot name that a second destroy cannot collide with.
    expect(cluster.final_snapshot_identifier).toContain('random_id.final_snapshot_suffix.hex')
    expect(resource('random_id', 'final_snapshot_suffix').keepers).toEqual({cluster_identifier: '${local.name}'})
    // No plan churn after AWS minor upgrades.
    expect(cluster.lifecycle).toEqual([{ignore_changes: ['${engine_version}']}])
  })

  it('has a db.serverless writer, then readers in other AZs, all with Performance Insights and not public', () => {
    const writer = resource('aws_rds_cluster_instance', 'writer')
    const reader = resource('aws_rds_cluster_instance', 'reader')
    for (const instance of [writer, reader]) {
      expect(instance).toMatchObject({
        auto_minor_version_upgrade: '${var.auto_minor_version_upgrade}',
        cluster_identifier: '${aws_rds_cluster.this.id}',
        instance_class: '${var.instance_class}',
        performance_insights_enabled: true,
        performance_insights_kms_key_id: '${var.performance_insights_kms_key_id}',
        performance_insights_retention_period: '${var.performance_insights_retention_period}',
        publicly_accessible: false,
      })
    }

    expect(writer.availability_zone).toBe('${local.availability_zones[0]}')
    expect(reader.availability_zone).toContain('count.index + 1')
    expect(reader.depends_on).toEqual(['${aws_rds_cluster_instance.writer}'])
    expect(reader.count).toBe('${var.reader_count}')
    expect(variables.reader_count![0]!.default).toBe(1)
    expect(writer.identifier).toBe('${local.name}-writer')
    expect(reader.identifier).toBe('${local.name}-reader-${count.index + 1}')
  })

  it('opens 5432 only to the allowed sources, each rule described, with no egress', () => {
    const rules = resources.aws_vpc_security_group_ingress_rule!
    expect(Object.keys(rules).sort()).toEqual(['from_cidr', 'from_security_group'])
    expect(rules.from_security_group![0]).toMatchObject({
      for_each: '${toset(var.allowed_security_group_ids)}',
      from_port: 5432,
      ip_protocol: 'tcp',
      to_port: 5432,
    })
    expect(rules.from_cidr![0]).toMatchObject({
      cidr_ipv4: '${each.value}',
      for_each: '${toset(var.allowed_cidr_blocks)}',
      from_port: 5432,
      to_port: 5432,
    })
    for (const [rule] of Object.values(rules)) expect(rule!.description).toBeTruthy()
    expect(resources).not.toHaveProperty('aws_vpc_security_group_egress_rule')
    expect(resource('aws_security_group', 'this')).not.toHaveProperty('egress')
    expect(resource('aws_security_group', 'this')).not.toHaveProperty('ingress')
  })

  it('stores the credentials in the JSON shape RDS rotation functions expect', async () => {
    const secretString = String(resource('aws_secretsmanager_secret_version', 'db').secret_string)
    for (const key of ['engine', 'host', 'port', 'username', 'password', 'dbname', 'dbClusterIdentifier']) {
      expect(secretString).toMatch(new RegExp(`\\b${key}\\s+=`))
    }

    expect(secretString).toContain('engine              = "postgres"')
  })

  it('merges the module default tags under the caller tags', () => {
    const tags = String((module.locals as unknown as Block[])[0]!.tags ?? (module.locals as Record<string, unknown>).tags)
    expect(tags).toMatch(/Project\s+= var\.project_name/)
    expect(tags).toMatch(/Environment\s+= var\.environment/)
    expect(tags).toMatch(/ManagedBy\s+= "terraform"/)
    expect(tags.indexOf('ManagedBy')).toBeLessThan(tags.indexOf('var.tags'))
  })

  it('names resources as the sandbox seeds them', () => {
    const name = `${'nba-tracker'}-${'dev'}`
    expect(sandboxShape.clusterId).toBe(name)
    expect(sandboxShape.instances.map((instance) => instance.id)).toEqual([`${name}-writer`, `${name}-reader-1`])
    expect(resource('aws_db_subnet_group', 'this').name).toBe('${local.name}-db-subnets')
    expect(sandboxShape.subnetGroupName).toBe(`${name}-db-subnets`)
    expect(resource('aws_security_group', 'this').name).toBe('${local.name}-aurora')
    expect(sandboxShape.dbSecurityGroupName).toBe(`${name}-aurora`)
    expect(resource('aws_secretsmanager_secret', 'db').name).toBe('${local.name}-db-credentials')
    expect(sandboxShape.secretName).toBe(`${name}-db-credentials`)
    for (const [variable, value] of [
      ['min_capacity', sandboxShape.minCapacity],
      ['max_capacity', sandboxShape.maxCapacity],
      ['backup_retention_period', sandboxShape.backupRetentionPeriod],
      ['backup_window', sandboxShape.backupWindow],
      ['maintenance_window', sandboxShape.maintenanceWindow],
      ['performance_insights_retention_period', sandboxShape.performanceInsightsRetentionPeriod],
    ] as const) {
      expect(variables[variable]![0]!.default, variable).toBe(value)
    }
  })
})

describe('README and examples', () => {
  it('has input and output tables that match variables.tf and outputs.tf', async () => {
    const readme = await text('README.md')
    expect(spliceTables(readme, await renderTables())).toBe(readme)
    for (const name of [...Object.keys(variables), ...Object.keys(outputs)]) expect(readme).toContain(`| \`${name}\` |`)
  })

  it('shows every runbook both as auroractl and as the AWS CLI', async () => {
    const readme = await text('README.md')
    for (const pair of [
      ['auroractl status', 'aws rds describe-db-clusters'],
      ['auroractl snapshot create', 'aws rds create-db-cluster-snapshot'],
      ['auroractl restore', 'aws rds restore-db-cluster-from-snapshot'],
      ['auroractl scale', 'aws rds modify-db-cluster'],
      ['auroractl metrics capacity', 'aws cloudwatch get-metric-statistics'],
      ['auroractl pi top', 'aws pi get-resource-metrics'],
      ['auroractl doctor', 'aws ec2 describe-security-groups'],
      ['auroractl migrate', 'pg_dump'],
    ]) {
      for (const command of pair) expect(readme, command).toContain(command)
    }
  })

  const examples: Array<[string, Record<string, unknown>]> = [
    [
      'dev',
      {
        db_name: 'nbatracker',
        db_username: 'nbatracker',
        environment: 'dev',
        project_name: 'nba-tracker',
        tags: {Component: 'Database', Owner: 'Backend Team'},
      },
    ],
    [
      'prod',
      {
        backup_retention_period: 30,
        backup_window: '03:00-04:00',
        deletion_protection: true,
        environment: 'prod',
        maintenance_window: 'sun:04:00-sun:05:00',
        max_capacity: 4,
        min_capacity: 0.5,
        performance_insights_retention_period: 7,
        project_name: 'nba-tracker',
        skip_final_snapshot: false,
        tags: {Component: 'Database', CostCenter: 'Engineering', Environment: 'Production'},
      },
    ],
  ]

  it.each(examples)('environments/%s is the seed example as a root module', async (name, seedArguments) => {
    const root = await parseFolder(path.join(packageRoot, 'infra', 'environments', name))
    const call = (root.module as unknown as Record<string, Block[]>).rds![0]!
    expect(call.source).toBe('../../modules/rds')
    expect(call).toMatchObject({...seedArguments, db_password: '${var.database_password}'})
    expect((root.variable as unknown as Record<string, Block[]>).database_password![0]!.sensitive).toBe(true)
    expect(root).toHaveProperty('provider.aws')
    for (const output of Object.keys(terraformOutputNames)) expect(root.output, `${name} output ${output}`).toHaveProperty(output)
    // Every argument the example passes is a variable the module declares.
    for (const argument of Object.keys(call).filter((key) => key !== 'source')) expect(variables, argument).toHaveProperty(argument)
  })
})

describe.skipIf(!terraformInstalled)('terraform fmt (skipped when terraform is not installed)', () => {
  it('finds nothing to reformat under infra/', async () => {
    const result = await terraform(['fmt', '-check', '-recursive', '-diff', 'infra'], packageRoot)
    expect(result.exitCode, result.output).toBe(0)
  })
})
