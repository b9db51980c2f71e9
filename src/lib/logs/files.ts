import type {RDSClient} from '@aws-sdk/client-rds'

import {describeCluster} from '../aws/rds.js'
import {rdsSdk} from '../aws/sdk.js'
import {AuroraError} from '../cli/errors.js'

/** One of an instance's log files as DescribeDBLogFiles lists it ("error/postgresql.log.2026-11-30-1700"). */
export interface LogFile {
  /** When the file was last written, ISO 8601 (AWS: LastWritten, milliseconds since the epoch). */
  lastWritten: string
  name: string
  /** Bytes, when it was listed: the file being written keeps growing. */
  size: number
}

export interface LogInstance {
  clusterId: string
  instanceId: string
  writer: boolean
}

/** The instance whose logs to read: `--instance` when given (it must be a member of the cluster), else the writer. */
export async function resolveLogInstance(rds: RDSClient, clusterId: string, instanceId?: string): Promise<LogInstance> {
  const cluster = await describeCluster(rds, clusterId)
  const members = cluster.DBClusterMembers ?? []
  const member = members.find((item) => (instanceId ? item.DBInstanceIdentifier === instanceId : item.IsClusterWriter))
  if (!member?.DBInstanceIdentifier) {
    const names = members.map((item) => `${item.DBInstanceIdentifier}${item.IsClusterWriter ? ' (writer)' : ''}`).join(', ')
    throw new AuroraError(
      'NOT_FOUND',
      instanceId ? `Instance "${instanceId}" is not in cluster ${clusterId}.` : `Cluster ${clusterId} has no writer instance.`,
      {hint: `Instances: ${names || 'none'}. Pass one with --instance.`},
    )
  }

  return {clusterId, instanceId: member.DBInstanceIdentifier, writer: Boolean(member.IsClusterWriter)}
}

/** Every log file of the instance (DescribeDBLogFiles, all pages), oldest first. */
export async function listLogFiles(rds: RDSClient, instanceId: string): Promise<LogFile[]> {
  const files: LogFile[] = []
  try {
    const pages = rdsSdk().paginateDescribeDBLogFiles({client: rds, pageSize: 100}, {DBInstanceIdentifier: instanceId})
    for await (const page of pages) {
      for (const item of page.DescribeDBLogFiles ?? []) {
        if (!item.LogFileName) continue
        files.push({lastWritten: new Date(item.LastWritten ?? 0).toISOString(), name: item.LogFileName, size: item.Size ?? 0})
      }
    }
  } catch (error) {
    if ((error as Error).name === 'DBInstanceNotFoundFault') {
      throw new AuroraError('NOT_FOUND', `Instance "${instanceId}" was not found.`, {hint: 'Check --instance and --region.'})
    }

    throw error
  }

  return files.sort(byAge)
}

/** Oldest first: by when they were last written, then by name (Aurora's names carry the hour they start). */
export function byAge(a: LogFile, b: LogFile): number {
  return a.lastWritten.localeCompare(b.lastWritten) || a.name.localeCompare(b.name)
}

/** The file being written now: the one written last. */
export function newestLogFile(files: LogFile[]): LogFile | undefined {
  return files.toSorted(byAge).at(-1)
}

/**
 * The listed file a user named: its exact name, or without the "error/" folder AWS puts the PostgreSQL logs in
 * (`postgresql.log.2026-11-30-1700`). Not listed: exit 3 naming the newest few.
 */
export function pickLogFile(files: LogFile[], name: string, instanceId: string): LogFile {
  const file = files.find((item) => item.name === name) ?? files.find((item) => item.name.split('/').at(-1) === name)
  if (file) return file
  const newest = files
    .toSorted(byAge)
    .slice(-3)
    .map((item) => item.name)
  throw new AuroraError('NOT_FOUND', `${instanceId} has no log file "${name}".`, {
    hint: newest.length > 0 ? `The newest: ${newest.join(', ')}. All of them: \`auroractl logs list\`.` : 'It has no log files at all.',
  })
}
