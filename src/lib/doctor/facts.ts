import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {DBCluster, DBInstance, RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import type {STSClient} from '@aws-sdk/client-sts'
import type {Client, QueryResultRow} from 'pg'

import type {DatabaseCredentials} from '../aws/secrets.js'
import type {ConnectAddress, EndpointMap} from '../target/endpoint-map.js'

import {describeCluster, listClusterInstances} from '../aws/rds.js'
import {connectWithCredentials} from '../pg/connect.js'
import {limitLockWaits} from '../pg/query.js'
import {type ClusterTls, resolveClusterTls} from '../pg/tls.js'
import {loadCredentials} from '../secret.js'
import {resolveConnectAddress} from '../target/endpoint-map.js'
import {currentCheck} from './check-context.js'

/**
 * How long one statement on doctor's shared connection may run: a little under the longest db check timeout
 * (db.bloat and the index checks, 20 s). A slow statement then fails its own check and frees the connection,
 * rather than holding every check queued behind it past their timeouts.
 */
export const doctorStatementTimeoutMs = 18_000

export interface DoctorClients {
  cloudWatch: () => Promise<CloudWatchClient>
  ec2: () => Promise<EC2Client>
  rds: () => Promise<RDSClient>
  secretsManager: () => Promise<SecretsManagerClient>
  sts: () => Promise<STSClient>
}

export interface DoctorOptions {
  clusterId: string
  endpointMap?: EndpointMap
  /** The config environment's name, when one was selected (--env prod grades as production). */
  environment?: string
  fromCidr?: string
  fromSecurityGroup?: string
  secretId?: string
  tcpTimeoutMs: number
  /** --threshold ID=VALUE, parsed into each check's stored unit (seconds, bytes, 0..1, count). */
  thresholds?: Record<string, number>
  /** How connections and the TLS check verify the server (default: verify-full with PGSSLROOTCERT or the bundled RDS CAs). */
  tls?: ClusterTls
  via?: {host: string; port: number}
}

/**
 * What the checks look up, each fetched once and shared: several checks read the cluster, and the
 * database checks share one connection.
 */
export class DoctorFacts {
  private readonly memo = new Map<string, Promise<unknown>>()
  private queue: Promise<unknown> = Promise.resolve()
  private resolvedTls?: ClusterTls
  /** The check whose query holds the shared connection now (for a queued check's timeout to name it). */
  private runningQueryOf?: string

  constructor(
    readonly clients: DoctorClients,
    readonly options: DoctorOptions,
    readonly now: Date = new Date(),
  ) {}

  /** The TLS mode and trust every check uses. */
  get tls(): ClusterTls {
    this.resolvedTls ??= this.options.tls ?? resolveClusterTls({})
    return this.resolvedTls
  }

  /** Where TCP and TLS go: the writer endpoint, or the --via / endpoint-map address for it. */
  async address(): Promise<ConnectAddress> {
    const cluster = await this.cluster()
    return resolveConnectAddress(cluster.Endpoint!, cluster.Port ?? 5432, {endpointMap: this.options.endpointMap, via: this.options.via})
  }

  /** Closes the shared connection, if one was opened. */
  async close(): Promise<void> {
    const client = this.memo.get('db') as Promise<Client> | undefined
    if (client) await client.then((opened) => opened.end()).catch(() => {})
  }

  cluster(): Promise<DBCluster> {
    return this.once('cluster', async () => describeCluster(await this.clients.rds(), this.options.clusterId))
  }

  credentials(): Promise<DatabaseCredentials> {
    return this.once('credentials', async () => {
      if (!this.options.secretId) throw new Error('no credentials secret is known (pass --secret)')
      return loadCredentials(await this.clients.secretsManager(), this.options.secretId, {describe: () => this.cluster()})
    })
  }

  /** One connection with the secret's credentials, shared by the db.* checks. */
  db(): Promise<Client> {
    return this.once('db', async () => {
      const cluster = await this.cluster()
      const client = await connectWithCredentials(await this.credentials(), {
        connectTimeoutMs: 5000,
        database: cluster.DatabaseName,
        endpointMap: this.options.endpointMap,
        host: cluster.Endpoint,
        port: cluster.Port,
        tls: this.tls,
        via: this.options.via,
      })
      // The maintenance checks read every table's size: behind a locked table they would wait past their timeout,
      // and every check queued after them on this connection with them.
      await limitLockWaits(client)
      await client.query(`SET statement_timeout = ${doctorStatementTimeoutMs}`)
      return client
    })
  }

  instances(): Promise<DBInstance[]> {
    return this.once('instances', async () => listClusterInstances(await this.clients.rds(), this.options.clusterId))
  }

  /**
   * Production gets stricter grading (instances in one AZ fail, deletion protection off warns): an
   * environment named prod, or a cluster tagged Environment = prod / production.
   */
  async isProduction(): Promise<boolean> {
    if (/^prod(uction)?$/i.test(this.options.environment ?? '')) return true
    const tag = (await this.cluster()).TagList?.find((item) => item.Key === 'Environment')?.Value ?? ''
    return /^prod(uction)?$/i.test(tag)
  }

  /**
   * A query on the shared connection. pg runs one query at a time per connection; the checks run
   * concurrently, so their queries are queued here rather than piled onto the client.
   */
  query<Row extends object>(sql: string, parameters: unknown[] = []): Promise<{rows: Row[]}> {
    const check = currentCheck()
    if (check) check.queuedBehind = () => this.runningQueryOf ?? 'another check'
    const run = this.queue.then(async () => {
      if (check) check.queuedBehind = undefined
      this.runningQueryOf = check?.id ?? 'another check'
      try {
        return await (await this.db()).query<QueryResultRow & Row>(sql, parameters)
      } finally {
        this.runningQueryOf = undefined
      }
    })
    this.queue = run.catch(() => {})
    return run
  }

  /** A check's tunable limit: --threshold when given, else the default the check declares. */
  threshold(check: {id: string; threshold?: {default: number}}): number {
    const value = this.options.thresholds?.[check.id] ?? check.threshold?.default
    if (value === undefined) throw new Error(`check ${check.id} declares no threshold`)
    return value
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined
    if (!value) {
      value = load()
      this.memo.set(key, value)
    }

    return value
  }
}
