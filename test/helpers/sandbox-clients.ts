import {inject} from 'vitest'

import {AwsClients} from '../../src/lib/aws/clients.js'
import {sandboxCredentials} from '../../src/lib/sandbox/state.js'

/** The environment `sandbox env` gave the test sandbox. */
export function sandboxEnv(): Record<string, string> {
  return inject('sandboxEnv')
}

/** SDK clients pointed at the test sandbox's moto over HTTP, as a command would build them. */
export function sandboxClients(): AwsClients {
  const env = sandboxEnv()
  return new AwsClients({credentials: sandboxCredentials, endpointUrl: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, version: 'test'})
}

/** A bare Aurora PostgreSQL cluster in moto (no data plane behind it), as a test fixture; `extra` adds to the request. */
export async function createBareCluster(id: string, extra: Record<string, unknown> = {}): Promise<void> {
  const {CreateDBClusterCommand} = await import('@aws-sdk/client-rds')
  await (
    await sandboxClients().rds()
  ).send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: 'aurora-postgresql',
      EngineVersion: '15.14',
      MasterUsername: 'fixture',
      MasterUserPassword: 'fixture-password-1',
      ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0.5},
      ...extra,
    }),
  )
}

/** Deletes a scratch cluster a test made, its instances first; a cluster already gone is fine. */
export async function deleteScratchCluster(id: string): Promise<void> {
  const {DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand} = await import('@aws-sdk/client-rds')
  const rds = await sandboxClients().rds()
  const {DBClusters: clusters = []} = await rds
    .send(new DescribeDBClustersCommand({DBClusterIdentifier: id}))
    .catch(() => ({DBClusters: []}))
  for (const member of clusters[0]?.DBClusterMembers ?? [])
    await rds
      .send(new DeleteDBInstanceCommand({DBInstanceIdentifier: member.DBInstanceIdentifier, SkipFinalSnapshot: true}))
      .catch(() => {})
  await rds.send(new DeleteDBClusterCommand({DBClusterIdentifier: id, SkipFinalSnapshot: true})).catch(() => {})
}
