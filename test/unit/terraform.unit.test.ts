import {readFile} from 'node:fs/promises'
import {describe, expect, it} from 'vitest'

import {parseTerraformOutputs, regionFromArn, terraformOutputNames} from '../../src/lib/target/terraform.js'

const recorded = await readFile(new URL('../fixtures/terraform-output.json', import.meta.url), 'utf8')

describe('Terraform outputs', () => {
  it('reads every output auroractl uses from a recorded `terraform output -json`', () => {
    expect(parseTerraformOutputs(recorded, 'infra/environments/prod')).toEqual({
      clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:nba-tracker-prod',
      clusterEndpoint: 'nba-tracker-prod.cluster-c9akciq32.eu-west-1.rds.amazonaws.com',
      clusterId: 'nba-tracker-prod',
      clusterPort: 5432,
      clusterReaderEndpoint: 'nba-tracker-prod.cluster-ro-c9akciq32.eu-west-1.rds.amazonaws.com',
      clusterResourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXY',
      databaseName: 'nbatracker',
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:nba-tracker-prod-db-credentials-AbCdEf',
      masterUsername: 'nbatracker',
      securityGroupId: 'sg-0123456789abcdef0',
    })
  })

  it('never keeps the value of a sensitive output', () => {
    const outputs = parseTerraformOutputs(recorded, 'x')
    expect(JSON.stringify(outputs)).not.toContain('S3cret-Value')
    const sensitiveId = parseTerraformOutputs(JSON.stringify({cluster_id: {sensitive: true, value: 'hidden'}}), 'x')
    expect(sensitiveId.clusterId).toBeUndefined()
  })

  it('lists the output names the module must provide', () => {
    expect(Object.keys(terraformOutputNames).sort()).toEqual([
      'cluster_arn',
      'cluster_endpoint',
      'cluster_id',
      'cluster_port',
      'cluster_reader_endpoint',
      'cluster_resource_id',
      'database_name',
      'database_secret_arn',
      'master_username',
      'security_group_id',
    ])
  })

  it('does not quote the text when it is not JSON (it may hold secrets)', () => {
    expect(() => parseTerraformOutputs('password=hunter2 {', 'infra/dev')).toThrow(/did not print JSON/)
    try {
      parseTerraformOutputs('password=hunter2 {', 'infra/dev')
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2')
    }

    expect(() => parseTerraformOutputs('[1,2]', 'infra/dev')).toThrow(/object of outputs/)
  })

  it('takes the region from an ARN', () => {
    expect(regionFromArn('arn:aws:rds:eu-west-1:123456789012:cluster:x')).toBe('eu-west-1')
    expect(regionFromArn('not-an-arn')).toBeUndefined()
    expect(regionFromArn(undefined)).toBeUndefined()
  })
})
