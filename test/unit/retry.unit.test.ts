import {DescribeDBClustersCommand, RDSClient} from '@aws-sdk/client-rds'
import {HttpResponse} from '@smithy/core/protocols'
import {Readable} from 'node:stream'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {AwsClients} from '../../src/lib/aws/clients.js'

function response(statusCode: number, body: string) {
  return {response: new HttpResponse({body: Readable.from([body]), headers: {'content-type': 'text/xml'}, statusCode})}
}

const throttled = `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`
const ok = `<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>prod</DBClusterIdentifier><Status>available</Status></DBCluster></DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBClustersResponse>`

/** A client with auroractl's shared configuration, whose HTTP layer answers from a script. */
async function scriptedClient(answers: Array<[number, string]>) {
  const config = await new AwsClients({
    credentials: {accessKeyId: 'a', secretAccessKey: 'b'},
    region: 'us-east-1',
    version: 'test',
  }).clientConfig()
  let calls = 0
  const requestHandler = {
    async handle() {
      const [status, body] = answers[Math.min(calls, answers.length - 1)]!
      calls++
      return response(status, body)
    },
  }
  return {calls: () => calls, client: new RDSClient({...config, requestHandler})}
}

/**
 * Settles `promise` on fake timers: the SDK's back-off and adaptive rate limiter wait on setTimeout, so
 * the clock is moved on (and the delays it passed counted) instead of spending seconds of real time.
 */
async function onFakeClock<T>(promise: Promise<T>): Promise<{result: PromiseSettledResult<T>; waitedMs: number}> {
  let settled: PromiseSettledResult<T> | undefined
  promise.then(
    (value) => {
      settled = {status: 'fulfilled', value}
    },
    (error: unknown) => {
      settled = {reason: error, status: 'rejected'}
    },
  )
  const start = Date.now()
  const outcome = () => settled
  for (let step = 0; step < 10_000 && outcome() === undefined; step++) await vi.advanceTimersByTimeAsync(10)
  const result = outcome()
  if (result === undefined) throw new Error('the request did not settle within 100 s of fake time')
  return {result, waitedMs: Date.now() - start}
}

describe('retries (the shared client configuration)', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.spyOn(Math, 'random').mockReturnValue(0.5) // the back-off's jitter: a fixed, non-zero delay
  })

  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  it('retries AWS throttling and then succeeds', async () => {
    const {calls, client} = await scriptedClient([
      [400, throttled],
      [400, throttled],
      [200, ok],
    ])
    const {result, waitedMs} = await onFakeClock(client.send(new DescribeDBClustersCommand({})))
    expect(result).toMatchObject({status: 'fulfilled', value: {DBClusters: [{DBClusterIdentifier: 'prod'}]}})
    expect(calls()).toBe(3)
    expect(waitedMs).toBeGreaterThan(0) // it backed off between the attempts
  })

  it('gives up after the bounded number of attempts', async () => {
    const {calls, client} = await scriptedClient([[400, throttled]])
    const {result} = await onFakeClock(client.send(new DescribeDBClustersCommand({})))
    expect(result).toMatchObject({reason: {name: 'Throttling'}, status: 'rejected'})
    expect(calls()).toBe(4)
  })
})
