import {DescribeDBClustersCommand, RDSClient} from '@aws-sdk/client-rds'
import {HttpResponse} from '@smithy/core/protocols'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {AwsClients} from '../../src/lib/aws/clients.js'

function response(statusCode: number, body: string) {
  return {response: new HttpResponse({body: Readable.from([body]), headers: {'content-type': 'text/xml'}, statusCode})}
}

const throttled = `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`
const ok = `<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>prod</DBClusterIdentifier><Status>available</Status></DBCluster></DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBClustersResponse>`

/** A client with auroractl's shared configuration, whose HTTP layer answers from a script. */
async function scriptedClient(answers: Array<[number, string]>) {
  const config = await new AwsClients({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1', version: 'test'}).clientConfig()
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

describe('retries (the shared client configuration)', () => {
  it('retries AWS throttling and then succeeds', async () => {
    const {calls, client} = await scriptedClient([
      [400, throttled],
      [400, throttled],
      [200, ok],
    ])
    const {DBClusters} = await client.send(new DescribeDBClustersCommand({}))
    expect(DBClusters?.[0]?.DBClusterIdentifier).toBe('prod')
    expect(calls()).toBe(3)
  })

  it('gives up after the bounded number of attempts', async () => {
    const {calls, client} = await scriptedClient([[400, throttled]])
    await expect(client.send(new DescribeDBClustersCommand({}))).rejects.toMatchObject({name: 'Throttling'})
    expect(calls()).toBe(4)
  }, 30_000)
})
