import {beforeAll, describe, expect, it} from 'vitest'

import {moduleCallDir, terraform, terraformInstalled, variablesOnlyDir} from '../helpers/terraform.js'

/** The seed's basic example: every required variable, valid. */
const good: Record<string, string> = {
  database_subnets: '["subnet-12345678","subnet-0123456789abcdef0"]',
  db_name: 'nbatracker',
  db_password: 'SecurePass123!',
  db_username: 'nbatracker',
  environment: 'dev',
  project_name: 'nba-tracker',
  vpc_id: 'vpc-12345678',
}

function varArgs(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([name, value]) => ['-var', `${name}=${value}`])
}

// [variable overrides, the message a rejection must carry]
const rejected: Array<[Record<string, string>, string]> = [
  [{project_name: 'NBA'}, 'project_name must be 1-40 lowercase letters'],
  [{project_name: 'nba--tracker'}, 'project_name must be 1-40 lowercase letters'],
  [{environment: 'qa'}, 'environment must be one of dev, staging, prod.'],
  [{vpc_id: 'vpc-xyz'}, 'vpc_id must look like vpc-12345678'],
  [{database_subnets: '["subnet-12345678"]'}, 'database_subnets must list at least 2 subnet IDs'],
  [{database_subnets: '["subnet-12345678","net-2"]'}, 'database_subnets must hold subnet IDs'],
  [{db_name: '1db'}, 'db_name must be 1-63 letters, digits or underscores'],
  [{db_name: 'nba-tracker'}, 'db_name must be 1-63 letters, digits or underscores'],
  [{db_username: 'postgres'}, 'db_username must be 1-63 letters'],
  [{db_username: 'nba tracker'}, 'db_username must be 1-63 letters'],
  [{db_password: 'short1'}, 'db_password must be 8-128 characters'],
  [{db_password: 'has/slash1'}, 'must not contain /, ", @ or spaces'],
  [{db_password: 'has@at123'}, 'must not contain /, ", @ or spaces'],
  [{db_password: 'has"quote1'}, 'must not contain /, ", @ or spaces'],
  [{db_password: 'has space1'}, 'must not contain /, ", @ or spaces'],
  [{engine_version: '15'}, 'engine_version must be an Aurora PostgreSQL 15 minor version'],
  [{engine_version: '16.4'}, 'engine_version must be an Aurora PostgreSQL 15 minor version'],
  [{instance_class: 'serverless'}, 'instance_class must be an RDS instance class'],
  [{min_capacity: '0.7'}, 'min_capacity must be 0 (scale to zero and auto-pause) or from 0.5 to 256 in steps of 0.5.'],
  [{min_capacity: '-0.5'}, 'min_capacity must be 0 (scale to zero and auto-pause) or from 0.5 to 256 in steps of 0.5.'],
  [{min_capacity: '0.25'}, 'min_capacity must be 0 (scale to zero and auto-pause) or from 0.5 to 256 in steps of 0.5.'],
  [{min_capacity: '256.5'}, 'min_capacity must be 0 (scale to zero and auto-pause) or from 0.5 to 256 in steps of 0.5.'],
  // Scale to zero needs 15.7 or later: the last minor before it, an older one, and the message names the version.
  [{engine_version: '15.6', min_capacity: '0'}, 'min_capacity may be 0 only on an engine version that can scale to zero'],
  [{engine_version: '15.4', min_capacity: '0'}, 'and engine_version is 15.4: raise engine_version or keep min_capacity at 0.5 or more.'],
  [{max_capacity: '0.5'}, 'max_capacity must be from 1 to 256 in steps of 0.5.'],
  [{max_capacity: '256.5'}, 'max_capacity must be from 1 to 256 in steps of 0.5.'],
  [{max_capacity: '1.25'}, 'max_capacity must be from 1 to 256 in steps of 0.5.'],
  [{max_capacity: '2', min_capacity: '4'}, 'min_capacity must not exceed max_capacity.'],
  [{backup_retention_period: '0'}, 'backup_retention_period must be a whole number of days from 1 to 35.'],
  [{backup_retention_period: '36'}, 'backup_retention_period must be a whole number of days from 1 to 35.'],
  [{backup_retention_period: '7.5'}, 'backup_retention_period must be a whole number of days from 1 to 35.'],
  [{backup_window: '3:00-4:00'}, 'backup_window must be hh24:mi-hh24:mi in UTC'],
  [{backup_window: '24:00-01:00'}, 'backup_window must be hh24:mi-hh24:mi in UTC'],
  [{backup_window: '03:00-03:20'}, 'backup_window must be at least 30 minutes long.'],
  [{maintenance_window: 'sunday:04:00-sunday:05:00'}, 'maintenance_window must be ddd:hh24:mi-ddd:hh24:mi'],
  [{maintenance_window: 'sun:04:00-05:00'}, 'maintenance_window must be ddd:hh24:mi-ddd:hh24:mi'],
  [{maintenance_window: 'sun:04:00-sun:04:15'}, 'maintenance_window must be at least 30 minutes long.'],
  [{performance_insights_retention_period: '14'}, 'performance_insights_retention_period must be 7, a multiple of 31'],
  [{performance_insights_retention_period: '744'}, 'performance_insights_retention_period must be 7, a multiple of 31'],
  [{allowed_security_group_ids: '["app-sg"]'}, 'allowed_security_group_ids must hold security group IDs'],
  [{allowed_cidr_blocks: '["10.0.0.0"]'}, 'allowed_cidr_blocks must hold IPv4 CIDR blocks'],
  [{allowed_cidr_blocks: '["0.0.0.0/0"]'}, 'allowed_cidr_blocks must not contain 0.0.0.0/0'],
  [{kms_key_id: 'alias/aws/rds'}, 'kms_key_id must be a KMS key ARN'],
  [{performance_insights_kms_key_id: 'my-key'}, 'performance_insights_kms_key_id must be a KMS key ARN'],
  [{secret_kms_key_id: 'my-key'}, 'secret_kms_key_id must be a KMS key ARN'],
  [{secret_recovery_window_in_days: '3'}, 'secret_recovery_window_in_days must be 0 or from 7 to 30.'],
  [{enabled_cloudwatch_logs_exports: '["audit"]'}, 'enabled_cloudwatch_logs_exports may contain only postgresql'],
  [{log_min_duration_statement_ms: '-2'}, 'log_min_duration_statement_ms must be a whole number'],
  [{reader_count: '16'}, 'reader_count must be a whole number from 0 to 15.'],
  [{monitoring_interval: '20'}, 'monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60.'],
  [
    {min_capacity: '0', seconds_until_auto_pause: '299'},
    'seconds_until_auto_pause must be a whole number of seconds from 300 (5 minutes) to 86400 (24 hours).',
  ],
  [
    {min_capacity: '0', seconds_until_auto_pause: '86401'},
    'seconds_until_auto_pause must be a whole number of seconds from 300 (5 minutes) to 86400 (24 hours).',
  ],
  [
    {min_capacity: '0', seconds_until_auto_pause: '600.5'},
    'seconds_until_auto_pause must be a whole number of seconds from 300 (5 minutes) to 86400 (24 hours).',
  ],
  // Set with a minimum above 0 (explicit, and the default 0.5): refused, not silently ignored.
  [
    {min_capacity: '0.5', seconds_until_auto_pause: '300'},
    'seconds_until_auto_pause may be set only with min_capacity = 0 (min_capacity is 0.5)',
  ],
  [{seconds_until_auto_pause: '3600'}, 'seconds_until_auto_pause may be set only with min_capacity = 0'],
]

const accepted: Array<Record<string, string>> = [
  {},
  {environment: 'prod', max_capacity: '4.0', min_capacity: '0.5'},
  {environment: 'staging', max_capacity: '256', min_capacity: '256'},
  // Scale to zero: on the default 15.14, on 15.7 (the first 15.x that supports it), with the timeout's bounds.
  {min_capacity: '0'},
  {engine_version: '15.7', min_capacity: '0'},
  {min_capacity: '0', seconds_until_auto_pause: '300'},
  {engine_version: '15.14', max_capacity: '4', min_capacity: '0', seconds_until_auto_pause: '86400'},
  // An engine version that cannot scale to zero is fine with a minimum above 0.
  {engine_version: '15.4', min_capacity: '0.5'},
  {backup_retention_period: '35', performance_insights_retention_period: '731'},
  {performance_insights_retention_period: '93'},
  {backup_window: '23:45-00:15', maintenance_window: 'sat:23:50-sun:00:20'},
  {allowed_cidr_blocks: '["10.0.0.0/16","192.168.1.0/24"]', allowed_security_group_ids: '["sg-0123456789abcdef0"]'},
  {db_password: 'abcdefgh', db_username: 'app_owner', kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/abc'},
  {engine_version: '15.10', monitoring_interval: '0', reader_count: '0', secret_recovery_window_in_days: '0'},
]

describe.skipIf(!terraformInstalled)(
  'module variable validations (terraform plan on the variable blocks; skipped when terraform is not installed)',
  () => {
    let dir: string
    beforeAll(async () => {
      dir = await variablesOnlyDir()
    })

    async function plan(overrides: Record<string, string>) {
      return terraform(['plan', '-input=false', '-no-color', '-lock=false', ...varArgs({...good, ...overrides})], dir)
    }

    it.each(accepted)('accepts %j', async (overrides) => {
      const result = await plan(overrides)
      expect(result.output).not.toContain('Invalid value for variable')
      expect(result.exitCode, result.output).toBe(0)
    })

    it.each(rejected)('rejects %j: %s', async (overrides, message) => {
      const result = await plan(overrides)
      expect(result.exitCode).not.toBe(0)
      expect(result.output).toContain('Invalid value for variable')
      // Terraform wraps long messages; compare with the line breaks folded.
      expect(result.output.replaceAll(/\s+/g, ' ')).toContain(message)
    })

    it('names only engine_version when it is malformed, not the scale-to-zero check that reads it', async () => {
      const result = await plan({engine_version: '15', min_capacity: '0'})
      const output = result.output.replaceAll(/\s+/g, ' ')
      expect(result.exitCode).not.toBe(0)
      expect(output).toContain('engine_version must be an Aurora PostgreSQL 15 minor version')
      expect(output).not.toContain('min_capacity may be 0')
    })

    it('never prints the password when rejecting it, as callers pass it (a sensitive root variable)', async () => {
      const caller = await moduleCallDir()
      const rejectedPassword = await terraform(['plan', '-input=false', '-no-color', '-lock=false'], caller, {
        TF_VAR_database_password: 'Leaky Secret',
      })
      expect(rejectedPassword.exitCode).not.toBe(0)
      expect(rejectedPassword.output.replaceAll(/\s+/g, ' ')).toContain('db_password must be 8-128 characters')
      expect(rejectedPassword.output).not.toContain('Leaky Secret')
      const acceptedPassword = await terraform(['plan', '-input=false', '-no-color', '-lock=false'], caller, {
        TF_VAR_database_password: 'Good-Secret-1',
      })
      expect(acceptedPassword.exitCode, acceptedPassword.output).toBe(0)
      expect(acceptedPassword.output).not.toContain('Good-Secret-1')
    })
  },
)
