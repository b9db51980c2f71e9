import {describe, expect, it, vi} from 'vitest'

import type {ConfigFile} from '../../src/lib/target/config.js'
import type {TerraformOutputs} from '../../src/lib/target/terraform.js'

import {describeConflict, describeTargetLine, resolveTarget, type ResolveTargetInput} from '../../src/lib/target/target.js'

const config: ConfigFile = {
  defaultEnv: 'dev',
  environments: {
    dev: {cluster: 'config-dev', region: 'us-east-1'},
    prod: {cluster: 'config-prod', region: 'eu-west-1'},
    tf: {tfDir: '/infra/prod'},
  },
  path: '/project/auroractl.config.json',
}

const terraform: TerraformOutputs = {
  clusterArn: 'arn:aws:rds:ap-south-1:123456789012:cluster:tf-cluster',
  clusterId: 'tf-cluster',
  databaseSecretArn: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:tf-secret',
}

function input(overrides: Partial<ResolveTargetInput> = {}): ResolveTargetInput {
  return {env: {}, flags: {}, loadConfig: async () => config, readTerraform: vi.fn(async () => terraform), ...overrides}
}

describe('an explicit flag always wins (issue #13 item 1)', () => {
  // [case, env, flags, expected cluster, expected origin]
  const table: Array<[string, NodeJS.ProcessEnv, Record<string, string>, string, string]> = [
    [
      '--env beats AURORACTL_CLUSTER',
      {AURORACTL_CLUSTER: 'env-cluster'},
      {env: 'prod'},
      'config-prod',
      '--env prod: /project/auroractl.config.json',
    ],
    [
      '--cluster beats --env and the environment',
      {AURORACTL_CLUSTER: 'env-cluster'},
      {cluster: 'flag-cluster', env: 'prod'},
      'flag-cluster',
      '--cluster',
    ],
    ['AURORACTL_CLUSTER beats defaultEnv', {AURORACTL_CLUSTER: 'env-cluster'}, {}, 'env-cluster', 'AURORACTL_CLUSTER'],
    [
      'AURORACTL_CLUSTER beats AURORACTL_ENV',
      {AURORACTL_CLUSTER: 'env-cluster', AURORACTL_ENV: 'prod'},
      {},
      'env-cluster',
      'AURORACTL_CLUSTER',
    ],
    ['defaultEnv when nothing else names one', {}, {}, 'config-dev', 'defaultEnv dev: /project/auroractl.config.json'],
    [
      'Terraform of a --tf-dir beats AURORACTL_CLUSTER',
      {AURORACTL_CLUSTER: 'env-cluster'},
      {'tf-dir': '/tf'},
      'tf-cluster',
      'Terraform outputs of --tf-dir /tf',
    ],
    [
      'Terraform of the --env tfDir beats AURORACTL_CLUSTER',
      {AURORACTL_CLUSTER: 'env-cluster'},
      {env: 'tf'},
      'tf-cluster',
      'Terraform outputs of tfDir from --env tf: /project/auroractl.config.json /infra/prod',
    ],
    ['--cluster beats Terraform of --tf-dir', {}, {cluster: 'flag-cluster', 'tf-dir': '/tf'}, 'flag-cluster', '--cluster'],
  ]
  it.each(table)('%s', async (...[, env, flags, cluster, origin]) => {
    const target = await resolveTarget(input({env, flags}))
    expect(target.cluster).toBe(cluster)
    expect(target.origins.cluster).toBe(origin)
  })

  it('a region from --env beats AWS_REGION, and says so', async () => {
    const target = await resolveTarget(input({env: {AWS_REGION: 'us-west-2'}, flags: {env: 'prod'}}))
    expect(target.region).toBe('eu-west-1')
    expect(target.conflicts.map((conflict) => describeConflict(conflict))).toContain(
      'region "eu-west-1" from --env prod: /project/auroractl.config.json wins over AWS_REGION "us-west-2".',
    )
  })

  it('names every source that lost, and says nothing when sources agree', async () => {
    const target = await resolveTarget(input({env: {AURORACTL_CLUSTER: 'env-cluster'}, flags: {cluster: 'flag-cluster', env: 'prod'}}))
    expect(describeConflict(target.conflicts.find((conflict) => conflict.field === 'cluster')!)).toBe(
      'cluster "flag-cluster" from --cluster wins over --env prod: /project/auroractl.config.json "config-prod" and AURORACTL_CLUSTER "env-cluster".',
    )
    const agreeing = await resolveTarget(input({env: {AURORACTL_CLUSTER: 'config-prod', AWS_REGION: 'eu-west-1'}, flags: {env: 'prod'}}))
    expect(agreeing.conflicts).toEqual([])
  })

  it('describes the cluster line with where it came from and the region', async () => {
    const target = await resolveTarget(input({env: {AURORACTL_CLUSTER: 'env-cluster'}, flags: {env: 'prod'}}))
    expect(describeTargetLine(target)).toBe('Cluster config-prod (from --env prod: /project/auroractl.config.json) in eu-west-1')
    expect(describeTargetLine(await resolveTarget(input({loadConfig: async () => undefined})))).toBeUndefined()
  })
})
