import {DescribeDBClustersCommand, DescribeDBEngineVersionsCommand, ModifyDBClusterCommand, RDSClient} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import type {PauseFeature} from '../../src/lib/auto-pause.js'

import {
  applyScaling,
  checkEngineSupport,
  parseAutoPause,
  refuseBlockedPause,
  resolveAutoPause,
  scalingCall,
  validateScaling,
} from '../../src/lib/scaling.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'eu-west-1'})

function exitCodeOf(run: () => unknown): number | undefined {
  try {
    run()
  } catch (error) {
    return (error as {exitCode: number}).exitCode
  }

  return undefined
}

describe('validateScaling', () => {
  it.each([
    [{maxAcu: 1, minAcu: 0.5}],
    [{maxAcu: 256, minAcu: 256}],
    [{maxAcu: 4, minAcu: 0}],
    [{maxAcu: 1, minAcu: 0, secondsUntilAutoPause: 300}],
    [{maxAcu: 1, minAcu: 0, secondsUntilAutoPause: 86_400}],
  ])('accepts %j', (config) => {
    expect(validateScaling(config)).toEqual(config)
  })

  it.each([
    [{maxAcu: 1, minAcu: 0.7}, '--min 0.7 is not allowed: capacity goes from 0 to 256 ACU in steps of 0.5.'],
    [{maxAcu: 1, minAcu: -0.5}, '--min -0.5 is not allowed'],
    [{maxAcu: 0.5, minAcu: 0.5}, '--max 0.5 is not allowed: the maximum goes from 1 to 256 ACU in steps of 0.5.'],
    [{maxAcu: 256.5, minAcu: 1}, '--max 256.5 is not allowed'],
    [{maxAcu: 2, minAcu: 4}, '--min 4 is above --max 2: the minimum must not exceed the maximum.'],
    [{maxAcu: Number.NaN, minAcu: 1}, '--max NaN is not allowed'],
  ])('rejects %j with exit 2: %s', (config, message) => {
    expect(() => validateScaling(config)).toThrow(message)
    expect(exitCodeOf(() => validateScaling(config))).toBe(2)
  })
})

describe('--auto-pause', () => {
  it('reads a duration as whole seconds from 5m to 24h', () => {
    expect([parseAutoPause('5m'), parseAutoPause('10m'), parseAutoPause('1h30m'), parseAutoPause('24h'), parseAutoPause('86400s')]).toEqual(
      [300, 600, 5400, 86_400, 86_400],
    )
    expect(parseAutoPause(undefined)).toBeUndefined()
  })

  it.each([
    ['4m', '--auto-pause "4m" must be from 5m to 1d.'],
    ['299s', '--auto-pause "299s" must be from 5m to 1d.'],
    ['25h', '--auto-pause "25h" must be from 5m to 1d.'],
    ['2d', '--auto-pause "2d" must be from 5m to 1d.'],
    ['300.5s', "--auto-pause 300.5s is not allowed: it goes from 5m to 24h in whole seconds (AWS's SecondsUntilAutoPause, 300 to 86400)."],
    ['10', '--auto-pause "10" is not a duration'],
  ])('refuses %s with exit 2, naming the flag and the range', (value, message) => {
    expect(() => parseAutoPause(value)).toThrow(message)
    expect(exitCodeOf(() => parseAutoPause(value))).toBe(2)
  })

  it("sends the flag, else keeps the cluster's own delay at min 0, else says AWS's default 300 s", () => {
    expect(resolveAutoPause(0.5, undefined, {maxAcu: 4, minAcu: 0, secondsUntilAutoPause: 900})).toBeUndefined()
    expect(resolveAutoPause(0, 600, {maxAcu: 4, minAcu: 0, secondsUntilAutoPause: 900})).toEqual({seconds: 600, source: 'flag'})
    expect(resolveAutoPause(0, undefined, {maxAcu: 4, minAcu: 0, secondsUntilAutoPause: 900})).toEqual({seconds: 900, source: 'kept'})
    expect(resolveAutoPause(0, undefined, {maxAcu: 4, minAcu: 0.5})).toEqual({seconds: 300, source: 'aws-default'})
    expect(resolveAutoPause(0, undefined, undefined)).toEqual({seconds: 300, source: 'aws-default'})
  })
})

/** A version as AWS describes it for aurora-postgresql 15: 0 ACUs from 15.7, 256 ACUs from 15.5. */
function engineVersionRecord(version: string) {
  const minor = Number(version.split('.')[1])
  return {
    Engine: 'aurora-postgresql',
    EngineVersion: version,
    ServerlessV2FeaturesSupport: {MaxCapacity: minor >= 5 ? 256 : 128, MinCapacity: minor >= 7 ? 0 : 0.5},
  }
}

function answerEngineVersions() {
  const versions = ['15.2', '15.4', '15.5', '15.10', '15.7', '15.14']
  rdsMock.on(DescribeDBEngineVersionsCommand).callsFake((input: {EngineVersion?: string}) => ({
    DBEngineVersions: versions
      .filter((version) => input.EngineVersion === undefined || version === input.EngineVersion)
      .map((version) => engineVersionRecord(version)),
  }))
}

const feature = (id: PauseFeature['id'], blocks: boolean | null, detail: string): PauseFeature => ({blocks, detail, id, name: id})

describe('checkEngineSupport: what the engine version supports, asked of AWS', () => {
  beforeEach(() => {
    rdsMock.reset()
    answerEngineVersions()
  })

  it('does not ask AWS for a range every version supports', async () => {
    await checkEngineSupport(rds, {Engine: 'aurora-postgresql', EngineVersion: '15.4'}, {maxAcu: 128, minAcu: 0.5})
    expect(rdsMock.commandCalls(DescribeDBEngineVersionsCommand)).toHaveLength(0)
  })

  it('accepts 0 ACUs on a version that supports them, with one call', async () => {
    await checkEngineSupport(rds, {Engine: 'aurora-postgresql', EngineVersion: '15.14'}, {maxAcu: 256, minAcu: 0})
    expect(rdsMock.commandCalls(DescribeDBEngineVersionsCommand).map((call) => call.args[0].input)).toEqual([
      {Engine: 'aurora-postgresql', EngineVersion: '15.14'},
    ])
  })

  it('refuses 0 ACUs on an older version (exit 2), naming it and the first version of its major that can', async () => {
    const refusal = checkEngineSupport(rds, {Engine: 'aurora-postgresql', EngineVersion: '15.4'}, {maxAcu: 4, minAcu: 0})
    await expect(refusal).rejects.toMatchObject({
      exitCode: 2,
      message:
        '--min 0 is not supported by aurora-postgresql 15.4: AWS reports a minimum of 0.5 ACU for it; the first 15.x that does is 15.7.',
    })
    // The family's versions, asked once, compared as versions (15.10 is after 15.7).
    expect(rdsMock.commandCalls(DescribeDBEngineVersionsCommand)[1]!.args[0].input).toEqual({
      DBParameterGroupFamily: 'aurora-postgresql15',
      Engine: 'aurora-postgresql',
    })
  })

  it("refuses a --max above the version's maximum (128 vs 256), naming the first version with more", async () => {
    await expect(
      checkEngineSupport(rds, {Engine: 'aurora-postgresql', EngineVersion: '15.4'}, {maxAcu: 200, minAcu: 1}),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: '--max 200 is above the 128 ACU that aurora-postgresql 15.4 supports (AWS); the first 15.x that supports 200 is 15.5.',
    })
  })

  it('refuses 0 ACUs where AWS reports no Serverless v2 support at all', async () => {
    await expect(
      checkEngineSupport(rds, {Engine: 'aurora-postgresql', EngineVersion: '13.4'}, {maxAcu: 2, minAcu: 0}),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: '--min 0 cannot be checked: AWS reports no Serverless v2 support for aurora-postgresql 13.4.',
    })
  })
})

describe('refuseBlockedPause', () => {
  it('refuses with exit 2 naming each feature that is on, and lets unknown ones pass', () => {
    const features = [
      feature('rds-proxy', true, 'app-proxy targets the cluster'),
      feature('logical-replication', true, 'rds.logical_replication = 1 in custom-pg'),
      feature('zero-etl', null, 'not checked: DescribeIntegrations failed (AccessDenied)'),
      feature('global-database', false, 'not in a global database'),
    ]
    expect(() => refuseBlockedPause('prod', features)).toThrow(
      '--min 0 would never pause prod: rds-proxy: app-proxy targets the cluster; logical-replication: rds.logical_replication = 1 in custom-pg.',
    )
    expect(exitCodeOf(() => refuseBlockedPause('prod', features))).toBe(2)
    expect(() => refuseBlockedPause('prod', features.slice(2))).not.toThrow()
  })
})

describe('the scale-to-zero request', () => {
  beforeEach(() => rdsMock.reset())

  it('carries MinCapacity 0, MaxCapacity and SecondsUntilAutoPause, applied immediately', async () => {
    expect(scalingCall('dev', {maxAcu: 2, minAcu: 0, secondsUntilAutoPause: 600})).toEqual({
      api: 'ModifyDBCluster',
      input: {
        ApplyImmediately: true,
        DBClusterIdentifier: 'dev',
        ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0, SecondsUntilAutoPause: 600},
      },
    })
    rdsMock.on(ModifyDBClusterCommand).resolves({})
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'dev',
          ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0, SecondsUntilAutoPause: 600},
          Status: 'available',
        },
      ],
    })
    const result = await applyScaling(rds, 'dev', {maxAcu: 2, minAcu: 0, secondsUntilAutoPause: 600}, {timeoutMs: 10_000, wait: true})
    expect(rdsMock.commandCalls(ModifyDBClusterCommand)[0]!.args[0].input).toEqual({
      ApplyImmediately: true,
      DBClusterIdentifier: 'dev',
      ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0, SecondsUntilAutoPause: 600},
    })
    expect(result).toMatchObject({requested: {minAcu: 0, secondsUntilAutoPause: 600}, status: 'available', waited: true})
  })
})
