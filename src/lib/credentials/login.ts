import type {Client} from 'pg'

import {setTimeout as sleep} from 'node:timers/promises'

import type {ClusterConnection} from '../target/cluster-connection.js'

import {classifyConnectError, type ConnectFailure} from '../pg/errors.js'

/** What one login attempt with a password showed: accepted, or refused and why (never the password). */
export type LoginProof = {accepted: false; failure: ConnectFailure; reason: string} | {accepted: true}

export interface ProveLoginOptions {
  applicationName?: string
  /** Keep trying transient failures (refused, timed out, starting up) until then; a wrong password ends it at once. */
  deadline?: number
  signal?: AbortSignal
}

/**
 * Logs in to the cluster as `username` with `password` over the connection's route and TLS, and logs out.
 * This is how a rotation proves a password works (or is refused): by the server's own answer. Transient
 * failures are retried until the deadline; an authentication failure is an answer, returned at once.
 */
export async function proveLogin(
  connection: ClusterConnection,
  login: {password: string; username: string},
  options: ProveLoginOptions = {},
): Promise<LoginProof> {
  const deadline = options.deadline ?? Date.now()
  for (;;) {
    // Attempts are sequential by design: each waits for the previous one's answer.
    // eslint-disable-next-line no-await-in-loop
    const proof = await attemptLogin(connection, login, options.applicationName)
    if (proof.accepted || !proof.failure.transient || Date.now() >= deadline || options.signal?.aborted) return proof
    // eslint-disable-next-line no-await-in-loop
    await sleep(1000, undefined, {signal: options.signal}).catch(() => {})
  }
}

async function attemptLogin(
  connection: ClusterConnection,
  login: {password: string; username: string},
  applicationName = 'auroractl-login-check',
): Promise<LoginProof> {
  const {connectToCluster} = await import('../target/cluster-connection.js')
  try {
    const client = await connectToCluster(
      {...connection, credentials: {...connection.credentials, ...login}},
      {applicationName, connectTimeoutMs: 10_000},
    )
    await client.end().catch(() => {})
    return {accepted: true}
  } catch (error) {
    return {accepted: false, failure: classifyConnectError(error), reason: (error as Error).message.split('\n')[0]!}
  }
}

/** True when the server refused the password itself (not the network, TLS or a missing database). */
export const refusedPassword = (proof: LoginProof): boolean => !proof.accepted && proof.failure.kind === 'auth'

/**
 * Runs `work` in a session logged in with the connection's credentials (a user changing its own password, or a
 * pending password putting the current one back), giving up after `lockTimeoutMs` behind another session's lock on
 * the role (SQLSTATE 55P03) and after that plus 10 s in all: a password change never waits without end.
 */
export async function withLogin(
  connection: ClusterConnection,
  options: {applicationName: string; lockTimeoutMs: number},
  work: (client: Client) => Promise<void>,
): Promise<void> {
  const {connectToCluster} = await import('../target/cluster-connection.js')
  const client = await connectToCluster(connection, {applicationName: options.applicationName, connectTimeoutMs: 10_000})
  client.on('error', () => {})
  try {
    await client.query(`SET lock_timeout = ${options.lockTimeoutMs}`)
    await client.query(`SET statement_timeout = ${options.lockTimeoutMs + 10_000}`)
    await work(client)
  } finally {
    await client.end().catch(() => {})
  }
}
