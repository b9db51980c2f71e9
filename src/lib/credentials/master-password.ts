import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'

import type {Progress} from '../cli/progress.js'

import {describeCluster} from '../aws/rds.js'
import {rdsSdk, smithyClient} from '../aws/sdk.js'
import {runWaiter} from '../aws/wait.js'

/**
 * The master user's password belongs to RDS: it is changed with ModifyDBCluster --master-user-password
 * --apply-immediately, never with ALTER ROLE (RDS would not know it, and a restored snapshot would bring
 * back whatever RDS last set). RDS answers at once with PendingModifiedValues.MasterUserPassword and the
 * cluster `resetting-master-credentials`; the old password works until the new one has applied.
 */

/** Statuses from which a cluster does not come back to `available` by itself. */
const brokenStatuses = new Set(['deleting', 'failed', 'inaccessible-encryption-credentials', 'incompatible-parameters'])

/** Asks RDS to set the master password (the request carries it; nothing else does). */
export async function requestMasterPassword(rds: RDSClient, clusterId: string, password: string): Promise<void> {
  const {ModifyDBClusterCommand} = rdsSdk()
  await rds.send(new ModifyDBClusterCommand({ApplyImmediately: true, DBClusterIdentifier: clusterId, MasterUserPassword: password}))
}

/** Applied: the cluster is available and no master password is pending. */
export const masterPasswordApplied = (cluster: DBCluster): boolean =>
  cluster.Status === 'available' && !cluster.PendingModifiedValues?.MasterUserPassword

/** Waits until a master password change has applied (or the cluster is in a state it will not leave), within `timeoutMs`. */
export async function waitForMasterPassword(
  rds: RDSClient,
  clusterId: string,
  options: {progress?: Progress; signal?: AbortSignal; timeoutMs: number},
): Promise<void> {
  const {createWaiter, WaiterState} = smithyClient()
  await runWaiter(
    (config) =>
      createWaiter({...config, client: rds}, clusterId, async () => {
        const cluster = await describeCluster(rds, clusterId)
        const pending = cluster.PendingModifiedValues?.MasterUserPassword ? ', master password pending' : ''
        options.progress?.update(`Waiting for the master password to apply: cluster ${cluster.Status ?? 'unknown'}${pending}`)
        if (masterPasswordApplied(cluster)) return {state: WaiterState.SUCCESS}
        return {
          reason: `cluster ${cluster.Status}`,
          state: brokenStatuses.has(cluster.Status ?? '') ? WaiterState.FAILURE : WaiterState.RETRY,
        }
      }),
    {
      delays: {max: 3, min: 1},
      signal: options.signal,
      stillRunning: 'RDS goes on applying the master password.',
      timeoutMs: options.timeoutMs,
      what: `the new master password of ${clusterId} to apply`,
    },
  )
}
