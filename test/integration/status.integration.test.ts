import {describe, expect, it} from 'vitest'

import {getClusterStatus} from '../../src/lib/cluster-status.js'
import {sandboxShape} from '../../src/lib/sandbox/seed.js'
import {sandboxClients} from '../helpers/sandbox-clients.js'

describe('getClusterStatus against moto', () => {
  it('reports the cluster the module creates', async () => {
    const rds = await sandboxClients().rds()
    const status = await getClusterStatus(rds, sandboxShape.clusterId)
    expect(status.id).toBe('nba-tracker-dev')
    expect(status.status).toBe('available')
    expect(status.engine).toEqual({name: 'aurora-postgresql', version: sandboxShape.engineVersion})
    expect(status.capacity).toEqual({maxAcu: 1, minAcu: 0.5, secondsUntilAutoPause: null})
    expect(status.endpoints.port).toBe(5432)
    expect(status.endpoints.writer).toMatch(/^nba-tracker-dev\.cluster-[a-z0-9]+\.us-east-1\.rds\.amazonaws\.com$/)
    expect(status.endpoints.reader).toMatch(/^nba-tracker-dev\.cluster-ro-/)
    expect(status.backup).toEqual({retentionDays: 7, window: '03:00-04:00'})
    expect(status.maintenanceWindow).toBe('sun:04:00-sun:05:00')
    expect(status.encryption.storageEncrypted).toBe(true)
    expect(status.deletionProtection).toBe(false)
    expect(status.databaseName).toBe('nbatracker')
    expect(status.masterUsername).toBe('nbatracker')
    expect(status.instances).toEqual([
      expect.objectContaining({
        availabilityZone: 'us-east-1a',
        class: 'db.serverless',
        id: 'nba-tracker-dev-writer',
        performanceInsights: true,
        role: 'writer',
        status: 'available',
      }),
      expect.objectContaining({
        availabilityZone: 'us-east-1b',
        class: 'db.serverless',
        id: 'nba-tracker-dev-reader-1',
        performanceInsights: true,
        role: 'reader',
        status: 'available',
      }),
    ])
    expect(status.latestSnapshot?.type).toBe('automated')
    expect(status.latestSnapshot?.id).toMatch(/^rds:nba-tracker-dev-/)
  })

  it('answers an unknown cluster with exit 3 and the clusters that exist', async () => {
    const rds = await sandboxClients().rds()
    await expect(getClusterStatus(rds, 'no-such-cluster')).rejects.toMatchObject({
      code: 'CLUSTER_NOT_FOUND',
      exitCode: 3,
      hint: expect.stringMatching(/^Clusters in us-east-1: .*nba-tracker-dev/),
    })
  })
})
