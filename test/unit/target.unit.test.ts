import {describe, expect, it, vi} from 'vitest'

import type {ConfigFile} from '../../src/lib/target/config.js'
import type {TerraformOutputs} from '../../src/lib/target/terraform.js'

import {AuroraError, ExitCode} from '../../src/lib/cli/errors.js'
import {requireCluster, resolveTarget, type ResolveTargetInput} from '../../src/lib/target/target.js'

const config: ConfigFile = {
  defaultEnv: 'dev',
  environments: {
    dev: {cluster: 'config-dev', profile: 'dev-profile', region: 'us-east-1', secret: 'dev-secret'},
    prod: {cluster: 'config-prod', profile: 'prod-sso', region: 'eu-west-1', tfDir: '/infra/prod'},
    staging: {region: 'eu-west-2', tfDir: '/infra/staging'},
  },
  path: '/project/auroractl.config.json',
}

const terraform: TerraformOutputs = {
  clusterArn: 'arn:aws:rds:ap-south-1:123456789012:cluster:tf-cluster',
  clusterId: 'tf-cluster',
  databaseSecretArn: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:tf-secret',
}

function input(overrides: Partial<ResolveTargetInput> = {}): ResolveTargetInput {
  return {
    env: {},
    flags: {},
    loadConfig: async () => config,
    readTerraform: vi.fn(async () => terraform),
    ...overrides,
  }
}

async function rejection(promise: Promise<unknown>): Promise<AuroraError> {
  try {
    await promise
  } catch (error) {
    return error as AuroraError
  }

  throw new Error('expected a rejection')
}

describe('resolveTarget precedence: flags > environment > config > Terraform', () => {
  it('takes a flag over the environment and the config file', async () => {
    const target = await resolveTarget(
      input({env: {AURORACTL_CLUSTER: 'env-cluster', AWS_REGION: 'eu-north-1'}, flags: {cluster: 'flag-cluster'}}),
    )
    expect(target.cluster).toBe('flag-cluster')
    expect(target.sources.cluster).toBe('flag')
    expect(target.region).toBe('eu-north-1')
    expect(target.sources.region).toBe('env')
    expect(target.profile).toBe('dev-profile')
    expect(target.sources.profile).toBe('config')
  })

  it('takes the environment over the config file', async () => {
    const target = await resolveTarget(input({env: {AURORACTL_CLUSTER: 'env-cluster', AURORACTL_SECRET: 'env-secret'}}))
    expect([target.cluster, target.sources.cluster]).toEqual(['env-cluster', 'env'])
    expect([target.secret, target.sources.secret]).toEqual(['env-secret', 'env'])
  })

  it('uses the config default environment when nothing else names one', async () => {
    const target = await resolveTarget(input())
    expect(target.environment).toBe('dev')
    expect(target.cluster).toBe('config-dev')
    expect(target.sources.cluster).toBe('config')
  })

  it('selects a named environment with --env, and AURORACTL_ENV when the flag is absent', async () => {
    expect((await resolveTarget(input({flags: {env: 'prod'}}))).cluster).toBe('config-prod')
    expect((await resolveTarget(input({env: {AURORACTL_ENV: 'prod'}}))).region).toBe('eu-west-1')
    expect((await resolveTarget(input({env: {AURORACTL_ENV: 'prod'}, flags: {env: 'dev'}}))).cluster).toBe('config-dev')
  })

  it('falls back to Terraform outputs for what is still missing, including the region from the ARN', async () => {
    const readTerraform = vi.fn(async () => terraform)
    const target = await resolveTarget(input({flags: {env: 'staging'}, readTerraform}))
    expect(readTerraform).toHaveBeenCalledWith('/infra/staging')
    expect(target.cluster).toBe('tf-cluster')
    expect(target.sources.cluster).toBe('terraform')
    expect(target.secret).toBe(terraform.databaseSecretArn)
    expect(target.region).toBe('eu-west-2') // the config's region outranks the ARN's
  })

  it('fills the region from a Terraform ARN when nothing else gives one', async () => {
    const target = await resolveTarget(input({flags: {'tf-dir': '/tf'}, loadConfig: async () => undefined}))
    expect(target.region).toBe('ap-south-1')
    expect(target.sources.region).toBe('terraform')
  })

  it('does not run Terraform when flags, environment and config already name everything', async () => {
    const readTerraform = vi.fn(async () => terraform)
    const target = await resolveTarget(input({flags: {cluster: 'c', env: 'prod', secret: 's'}, readTerraform}))
    expect(readTerraform).not.toHaveBeenCalled()
    expect(target.tfDir).toBe('/infra/prod')
  })

  it('accepts AWS_ENDPOINT_URL and AWS_DEFAULT_REGION', async () => {
    const target = await resolveTarget(
      input({env: {AWS_DEFAULT_REGION: 'ca-central-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000'}, loadConfig: async () => undefined}),
    )
    expect(target.endpointUrl).toBe('http://127.0.0.1:5000')
    expect(target.region).toBe('ca-central-1')
  })

  it('parses --via into host and port', async () => {
    const target = await resolveTarget(input({flags: {via: '127.0.0.1:15432'}}))
    expect(target.via).toEqual({host: '127.0.0.1', port: 15_432})
  })
})

describe('resolveTarget errors', () => {
  it('refuses an --env the config file does not define, listing the defined ones (exit 2)', async () => {
    const error = await rejection(resolveTarget(input({flags: {env: 'qa'}})))
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toContain('--env "qa" is not defined in /project/auroractl.config.json; defined: dev, prod, staging')
  })

  it('refuses --env when there is no config file', async () => {
    const error = await rejection(resolveTarget(input({flags: {env: 'prod'}, loadConfig: async () => undefined})))
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toContain('no auroractl.config.json was found')
  })

  it('blames a bad value on where it came from', async () => {
    const fromEnv = await rejection(resolveTarget(input({env: {AURORACTL_CLUSTER: '9lives'}})))
    expect(fromEnv.message).toContain('AURORACTL_CLUSTER "9lives" must start with a letter')
    const fromConfig = await rejection(
      resolveTarget(input({loadConfig: async () => ({defaultEnv: 'x', environments: {x: {region: 'moon-1'}}, path: '/c.json'})})),
    )
    expect(fromConfig.message).toContain('config "region" "moon-1"')
    const fromFlag = await rejection(resolveTarget(input({flags: {region: 'nowhere'}})))
    expect(fromFlag.message).toContain('--region "nowhere"')
  })

  it('requireCluster lists every way to name a cluster, with exit 2', async () => {
    const target = await resolveTarget(input({loadConfig: async () => undefined}))
    let error: AuroraError | undefined
    try {
      requireCluster(target)
    } catch (error_) {
      error = error_ as AuroraError
    }

    expect(error?.code).toBe('NO_CLUSTER')
    expect(error?.exitCode).toBe(ExitCode.usage)
    for (const way of ['--cluster', 'AURORACTL_CLUSTER', '--env', '--tf-dir']) expect(error?.message).toContain(way)
    expect(error?.hint).toContain('auroractl sandbox env')
  })
})
