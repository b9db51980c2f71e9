import type {AddressInfo} from 'node:net'

import http from 'node:http'

const xml = (action: string, result: string) =>
  `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`
const snapshot = (id: string) =>
  `<DBClusterSnapshot><DBClusterSnapshotIdentifier>${id}</DBClusterSnapshotIdentifier><DBClusterIdentifier>stalled</DBClusterIdentifier><Status>creating</Status><PercentProgress>10</PercentProgress><SnapshotType>manual</SnapshotType></DBClusterSnapshot>`

/**
 * A stand-in RDS endpoint whose snapshots never finish: CreateDBClusterSnapshot succeeds, and
 * DescribeDBClusterSnapshots then says "creating" forever. moto completes snapshots at once, so
 * this is how a test gets a command that is really waiting, to interrupt it.
 */
export async function startStallingRds(): Promise<{close: () => Promise<void>; creates: () => number; url: string}> {
  let creates = 0
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const parameters = new URLSearchParams(body)
      const action = parameters.get('Action') ?? ''
      const id = parameters.get('DBClusterSnapshotIdentifier') ?? ''
      response.setHeader('content-type', 'text/xml')
      if (action === 'DescribeDBClusters') {
        response.end(
          xml(
            action,
            '<DBClusters><DBCluster><DBClusterIdentifier>stalled</DBClusterIdentifier><Status>available</Status></DBCluster></DBClusters>',
          ),
        )
      } else if (action === 'CreateDBClusterSnapshot') {
        creates++
        response.end(xml(action, snapshot(id)))
      } else if (action === 'DescribeDBClusterSnapshots' && creates === 0) {
        response.statusCode = 404
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>DBClusterSnapshotNotFoundFault</Code><Message>not found</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
        )
      } else if (action === 'DescribeDBClusterSnapshots') {
        response.end(xml(action, `<DBClusterSnapshots>${snapshot(id)}</DBClusterSnapshots>`))
      } else {
        response.statusCode = 400
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
        )
      }
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
      }),
    creates: () => creates,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  }
}
