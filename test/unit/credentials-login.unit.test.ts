import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {type LoginProof, proveLogin, proveUntil} from '../../src/lib/credentials/login.js'
import {connectToCluster} from '../../src/lib/target/cluster-connection.js'

vi.mock('../../src/lib/target/cluster-connection.js', () => ({connectToCluster: vi.fn()}))
// Its setTimeout on the global timers, which the tests fake (see the helper).
vi.mock('node:timers/promises', async (importOriginal) =>
  (await import('../helpers/timers-promises.js')).onGlobalTimers(await importOriginal<typeof import('node:timers/promises')>()),
)

const connection = {cluster: {DBClusterIdentifier: 'c1'}, credentials: {password: 'x', username: 'app'}} as unknown as ClusterConnection
const login = {password: 'secret-password', username: 'app'}
const serverError = (code: string, message: string) => Object.assign(new Error(message), {code})
const refused = () => serverError('28P01', 'password authentication failed for user "app"')

/** Each login's answer in turn (the last one repeats): 'ok', or the error the connection throws. */
function answers(...sequence: Array<'ok' | Error>): {attempts: () => number} {
  let attempts = 0
  vi.mocked(connectToCluster).mockImplementation(async () => {
    const answer = sequence[Math.min(attempts++, sequence.length - 1)]!
    if (answer !== 'ok') throw answer
    return {async end() {}} as never
  })
  return {attempts: () => attempts}
}

/** Runs `work` on fake timers, advancing them until it settles; how long it took on the fake clock. */
async function settle(work: () => Promise<LoginProof>): Promise<{elapsedMs: number; proof: LoginProof}> {
  const started = Date.now()
  const running = work()
  const state = {settled: false}
  running.finally(() => {
    state.settled = true
  })
  while (!state.settled) await vi.advanceTimersByTimeAsync(100)
  return {elapsedMs: Date.now() - started, proof: await running}
}

describe('proveUntil: only the opposite answer is asked again, within the grace', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  afterEach(() => {
    vi.useRealTimers()
    vi.mocked(connectToCluster).mockReset()
  })

  it('waiting for "accepted": a refusal is asked again until the new password takes', async () => {
    const logins = answers(refused(), refused(), 'ok')
    const now = Date.now()
    const {proof} = await settle(() =>
      proveUntil(connection, login, {deadline: now + 30_000, graceDeadline: now + 20_000, want: 'accepted'}),
    )
    expect(proof.accepted).toBe(true)
    expect(logins.attempts()).toBe(3)
  })

  it('waiting for "refused": an acceptance is asked again until the old password is refused', async () => {
    const logins = answers('ok', refused())
    const now = Date.now()
    const {proof} = await settle(() =>
      proveUntil(connection, login, {deadline: now + 30_000, graceDeadline: now + 20_000, want: 'refused'}),
    )
    expect(proof).toMatchObject({accepted: false, failure: {kind: 'auth'}})
    expect(logins.attempts()).toBe(2)
  })

  it('any other failure (no such role, no such database, TLS) is returned at once, grace or not', async () => {
    for (const error of [
      serverError('28000', 'role "app" does not exist'),
      serverError('3D000', 'database "app" does not exist'),
      serverError('TLS_UNVERIFIED', 'certificate not trusted'),
    ]) {
      const logins = answers(error, 'ok')
      const now = Date.now()

      const {elapsedMs, proof} = await settle(() =>
        proveUntil(connection, login, {deadline: now + 30_000, graceDeadline: now + 20_000, want: 'accepted'}),
      )
      expect(proof.accepted).toBe(false)
      expect(logins.attempts()).toBe(1)
      expect(elapsedMs).toBeLessThan(1000)
    }
  })

  it('without a grace the first answer is final; with one, the opposite answer stops at its end', async () => {
    const once = answers(refused())
    const now = Date.now()
    const {proof} = await settle(() => proveUntil(connection, login, {deadline: now + 30_000, want: 'accepted'}))
    expect(proof.accepted).toBe(false)
    expect(once.attempts()).toBe(1)

    answers(refused())
    const start = Date.now()
    const graced = await settle(() =>
      proveUntil(connection, login, {deadline: start + 30_000, graceDeadline: start + 5000, want: 'accepted'}),
    )
    expect(graced.proof.accepted).toBe(false)
    expect(graced.elapsedMs).toBeGreaterThanOrEqual(5000)
    expect(graced.elapsedMs).toBeLessThan(7000)
  })

  it('stops asking once the signal aborts (no attempt after the sleep)', async () => {
    const logins = answers(refused())
    const abort = new AbortController()
    setTimeout(() => abort.abort(), 3000)
    const now = Date.now()
    const {elapsedMs} = await settle(() =>
      proveUntil(connection, login, {deadline: now + 30_000, graceDeadline: now + 20_000, signal: abort.signal, want: 'accepted'}),
    )
    expect(elapsedMs).toBeLessThan(3500)
    expect(logins.attempts()).toBe(2)
  })

  it('proveLogin retries the network until its deadline, but not once the signal aborted during the sleep', async () => {
    const logins = answers(serverError('ECONNREFUSED', 'connect ECONNREFUSED'))
    const abort = new AbortController()
    setTimeout(() => abort.abort(), 2500)
    const {elapsedMs, proof} = await settle(() => proveLogin(connection, login, {deadline: Date.now() + 30_000, signal: abort.signal}))
    expect(proof).toMatchObject({accepted: false, failure: {kind: 'network'}})
    expect(elapsedMs).toBeLessThan(3000)
    expect(logins.attempts()).toBe(3)
  })
})
