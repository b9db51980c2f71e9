import type {Client} from 'pg'

import {setTimeout as sleep} from 'node:timers/promises'

import type {ClusterConnection} from '../target/cluster-connection.js'

import {classifyConnectError, type ConnectFailure} from '../pg/errors.js'

/** Our rotation sessions' application_name, so `auroractl ps` and pg_stat_activity tell them apart. */
export const rotationApplicationName = 'auroractl-rotate'

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
    if (options.signal?.aborted) return proof
  }
}

/** How long a login keeps getting the other answer after a password change is reported applied (it reaches the database a moment late). */
export const passwordChangeGraceMs = 20_000

export interface ProveUntilOptions extends ProveLoginOptions {
  /**
   * Until then the opposite answer (a refusal when waiting for "accepted", an acceptance when waiting for
   * "refused") is asked again: a password change reported applied may reach the database a moment later.
   * Absent: the first answer is final. Any other failure (TLS, no such role or database) is returned at once.
   */
  graceDeadline?: number
  want: 'accepted' | 'refused'
}

/**
 * Logs in until the answer is the one wanted, or the grace is over. The network is retried until `deadline`
 * (proveLogin); only the opposite answer is retried, and only within `graceDeadline`.
 */
export async function proveUntil(
  connection: ClusterConnection,
  login: {password: string; username: string},
  options: ProveUntilOptions,
): Promise<LoginProof> {
  const {graceDeadline = 0, signal} = options
  for (;;) {
    // One login at a time: each waits for the previous answer.
    // eslint-disable-next-line no-await-in-loop
    const proof = await proveLogin(connection, login, options)
    const opposite = options.want === 'accepted' ? refusedPassword(proof) : proof.accepted
    const remaining = graceDeadline - Date.now()
    if (!opposite || remaining <= 0 || signal?.aborted) return proof
    // eslint-disable-next-line no-await-in-loop
    await sleep(Math.min(2000, remaining), undefined, {signal}).catch(() => {})
    if (signal?.aborted) return proof
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
export async function withLogin<T>(
  connection: ClusterConnection,
  options: {applicationName: string; lockTimeoutMs: number},
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const {connectToCluster} = await import('../target/cluster-connection.js')
  const client = await connectToCluster(connection, {applicationName: options.applicationName, connectTimeoutMs: 10_000})
  client.on('error', () => {})
  try {
    await client.query(`SET lock_timeout = ${options.lockTimeoutMs}`)
    await client.query(`SET statement_timeout = ${options.lockTimeoutMs + 10_000}`)
    return await work(client)
  } finally {
    await client.end().catch(() => {})
  }
}
