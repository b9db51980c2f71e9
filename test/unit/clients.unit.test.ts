import {describe, expect, it} from 'vitest'

import {AwsClients} from '../../src/lib/aws/clients.js'

describe('AwsClients', () => {
  it('shares region, endpoint, bounded adaptive retries and the auroractl user agent', async () => {
    const clients = new AwsClients({endpointUrl: 'http://127.0.0.1:5000', region: 'eu-west-1', version: '1.2.3'})
    const config = await clients.clientConfig()
    // The README's promise: adaptive retries, at most 4 attempts.
    expect(config).toMatchObject({
      customUserAgent: 'auroractl/1.2.3',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 4,
      region: 'eu-west-1',
      retryMode: 'adaptive',
    })

    const rds = await clients.rds()
    expect(await rds.config.region()).toBe('eu-west-1')
    expect(await rds.config.maxAttempts()).toBe(4)
    const endpoint = await rds.config.endpoint!()
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:5000')
    expect(await clients.rds()).toBe(rds) // built once, then reused
  })

  it('uses fixed credentials when given, else the provider chain', async () => {
    const fixed = new AwsClients({credentials: {accessKeyId: 'AK', secretAccessKey: 'SK'}, region: 'us-east-1', version: '0'})
    expect((await fixed.clientConfig()).credentials).toEqual({accessKeyId: 'AK', secretAccessKey: 'SK'})
    const chain = new AwsClients({profile: 'prod-sso', region: 'us-east-1', version: '0'})
    const config = await chain.clientConfig()
    expect(typeof config.credentials).toBe('function')
    expect(config.profile).toBe('prod-sso')
  })
})
