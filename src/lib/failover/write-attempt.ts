import type {Client} from 'pg'

import type {ClusterConnection} from '../target/cluster-connection.js'
import type {ConnectAddress} from '../target/endpoint-map.js'
import type {WriteAttempt} from './probe.js'

import {classifyConnectError} from '../pg/errors.js'
import {connectToCluster} from '../target/cluster-connection.js'
import {loadEndpointMap, resolveConnectAddress} from '../target/endpoint-map.js'
import {ProbeWriteError} from './probe.js'

/**
 * What one probe does, as an application would: resolve the writer endpoint afresh, open a new connection
 * (the cluster's secret, verify-full TLS, as every connection), and do a write only a writer can do that
 * leaves nothing behind: assigning a transaction id, which a replica refuses.
 */
export const probeWriteSql = 'SELECT pg_current_xact_id()'

/** application_name of the probe's sessions, so they can be told apart in `auroractl ps`. */
export const probeApplicationName = 'auroractl failover probe'

/** Where the writer endpoint points now: --via's address, the endpoint map read afresh, or a DNS lookup each time. */
export type EndpointResolver = () => Promise<{address: ConnectAddress; answer: string}>

export function writerEndpointResolver(
  endpoint: {host: string; port: number},
  route: {endpointMapFile?: string; via?: {host: string; port: number}},
): EndpointResolver {
  if (route.via) {
    const address = resolveConnectAddress(endpoint.host, endpoint.port, {via: route.via})
    return async () => ({address, answer: `${address.host}:${address.port}`})
  }

  if (route.endpointMapFile) {
    const file = route.endpointMapFile
    return async () => {
      const address = resolveConnectAddress(endpoint.host, endpoint.port, {endpointMap: await loadEndpointMap(file)})
      return {address, answer: `${address.host}:${address.port}`}
    }
  }

  return async () => {
    const {lookup} = await import('node:dns/promises')
    // Not cached by Node: what the system's resolver answers now, as a new application connection would see it.
    const {address} = await lookup(endpoint.host)
    return {address: {host: address, port: endpoint.port, route: 'direct', servername: endpoint.host}, answer: address}
  }
}

/** Ends a connection that did not finish in time: the socket goes at once, since a polite end could hang as long. */
function destroy(client: Client): void {
  ;(client as unknown as {connection?: {stream?: {destroy(): void}}}).connection?.stream?.destroy()
}

export function clusterWriteAttempt(connection: ClusterConnection, resolve: EndpointResolver): WriteAttempt {
  return async (signal, timeoutMs) => {
    let answer: null | string = null
    let client: Client | undefined
    const onAbort = () => client && destroy(client)
    signal.addEventListener('abort', onAbort, {once: true})
    try {
      const resolved = await resolve()
      answer = resolved.answer
      client = await connectToCluster(
        {...connection, address: resolved.address},
        {applicationName: probeApplicationName, connectTimeoutMs: timeoutMs},
      )
      // The server may cut the session (a shutdown); the write's own promise reports it.
      client.on('error', () => {})
      if (signal.aborted) throw signal.reason
      await client.query(probeWriteSql)
      return {answer}
    } catch (error) {
      throw new ProbeWriteError((error as Error).message, {answer, cause: error})
    } finally {
      signal.removeEventListener('abort', onAbort)
      if (client) client.end().catch(() => {})
    }
  }
}

/** The node-postgres or Node error inside ours: the one whose code and words say what happened. */
function innermost(error: unknown): {code?: string; message: string} {
  let current = error
  for (let depth = 0; depth < 5 && (current as {cause?: unknown})?.cause; depth++) current = (current as {cause: unknown}).cause
  const code = (current as {code?: unknown})?.code
  return {code: typeof code === 'string' ? code : undefined, message: current instanceof Error ? current.message : String(current)}
}

/**
 * A failed write in a few words, its kind for counting, and whether it ends the rehearsal: a refused password,
 * role, database or certificate never gets better by retrying (and would make every probe fail as if the
 * writer were down); refused, reset and timed-out connections, a server starting up or shutting down, and a
 * read-only replica (25006) are what a failover looks like.
 */
export function describeProbeError(error: unknown): {code: string; fatal: boolean; reason: string} {
  const inner = innermost(error)
  if ((error as Error)?.name === 'ProbeTimeout' || inner.message.startsWith('no answer within'))
    return {code: 'timeout', fatal: false, reason: inner.message}
  const {kind} = classifyConnectError(error)
  const fatal = kind === 'auth' || kind === 'role' || kind === 'database' || kind === 'tls'
  return {code: inner.code ?? 'other', fatal, reason: inner.message.split('\n')[0]!.slice(0, 160)}
}
