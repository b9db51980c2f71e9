import net from 'node:net'
import pg from 'pg'
import {describe, expect, it} from 'vitest'

import {AuroraError} from '../../src/lib/cli/errors.js'
import {connectWhenReady} from '../../src/lib/drill/drill.js'
import {classifyConnectError, connectFailureHint, isTransientConnectError} from '../../src/lib/pg/errors.js'

/** The error node-postgres raises for a server's ErrorResponse, with its SQLSTATE. */
function serverError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, message.length, 'error')
  error.code = code
  error.severity = 'FATAL'
  return error
}

/** What connectWithCredentials throws: our one-line error, the driver's error as its cause. */
const wrapped = (cause: unknown) => new AuroraError('UNEXPECTED', `Cannot connect to x:5432 as app: ${(cause as Error).message}`, {cause})

/** A real connection attempt's error. */
async function connectError(config: pg.ClientConfig): Promise<Error> {
  const client = new pg.Client(config)
  try {
    await client.connect()
  } catch (error) {
    return error as Error
  } finally {
    await client.end().catch(() => {})
  }

  throw new Error('connected, unexpectedly')
}

async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => {
    server.close(resolve)
  })
  return port
}

describe('classifyConnectError: which login failures a wait retries', () => {
  it('retries a refused port (a real ECONNREFUSED from node-postgres), bare or wrapped', async () => {
    const refused = await connectError({host: '127.0.0.1', port: await closedPort(), user: 'x'})
    expect((refused as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
    expect(classifyConnectError(refused)).toEqual({code: 'ECONNREFUSED', kind: 'network', transient: true})
    expect(isTransientConnectError(wrapped(refused))).toBe(true)
  })

  it("retries a server that accepts and never answers (node-postgres's connection timeout)", async () => {
    const silent = net.createServer(() => {})
    await new Promise<void>((resolve) => {
      silent.listen(0, '127.0.0.1', resolve)
    })
    try {
      const timedOut = await connectError({
        connectionTimeoutMillis: 200,
        host: '127.0.0.1',
        port: (silent.address() as net.AddressInfo).port,
        user: 'x',
      })
      expect(isTransientConnectError(wrapped(timedOut))).toBe(true)
      expect(classifyConnectError(timedOut).kind).toBe('network')
    } finally {
      silent.close()
    }
  })

  it('retries DNS that does not resolve yet, and 57P03 (starting up) and 08xxx', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']) {
      expect(isTransientConnectError(Object.assign(new Error(`getaddrinfo ${code} x`), {code})), code).toBe(true)
    }

    expect(classifyConnectError(wrapped(serverError('57P03', 'the database system is starting up')))).toEqual({
      code: '57P03',
      kind: 'starting',
      transient: true,
    })
    expect(isTransientConnectError(serverError('08006', 'connection failure'))).toBe(true)
    expect(isTransientConnectError(new Error('Connection terminated unexpectedly'))).toBe(true)
  })

  it('ends the wait on a wrong password, a missing role or database, and a refused certificate', () => {
    expect(classifyConnectError(wrapped(serverError('28P01', 'password authentication failed for user "app"')))).toEqual({
      code: '28P01',
      kind: 'auth',
      transient: false,
    })
    expect(classifyConnectError(serverError('28000', 'role "nobody" does not exist'))).toEqual({
      code: '28000',
      kind: 'role',
      transient: false,
    })
    expect(classifyConnectError(serverError('3D000', 'database "nope" does not exist'))).toEqual({
      code: '3D000',
      kind: 'database',
      transient: false,
    })
    expect(
      classifyConnectError(new AuroraError('TLS_UNVERIFIED', 'Refused x:5432: its TLS certificate is not signed by a trusted CA')),
    ).toMatchObject({kind: 'tls', transient: false})
    expect(
      classifyConnectError(Object.assign(new Error('self-signed certificate in certificate chain'), {code: 'SELF_SIGNED_CERT_IN_CHAIN'})),
    ).toMatchObject({kind: 'tls', transient: false})
    expect(
      classifyConnectError(Object.assign(new Error('Hostname/IP does not match'), {code: 'ERR_TLS_CERT_ALTNAME_INVALID'})),
    ).toMatchObject({kind: 'tls', transient: false})
    expect(classifyConnectError(new Error('The server does not support SSL connections'))).toMatchObject({kind: 'tls', transient: false})
    // Anything unknown is not waited out either: the real error is shown at once.
    expect(isTransientConnectError(new Error('something odd'))).toBe(false)
  })

  it('gives a hint that blames what failed: never the password for TLS or the network', () => {
    expect(connectFailureHint({kind: 'auth', transient: false})).toMatch(/password was refused/)
    expect(connectFailureHint({kind: 'tls', transient: false})).not.toMatch(/password|rotation/)
    expect(connectFailureHint({kind: 'network', transient: true})).not.toMatch(/password|rotation/)
  })
})

describe("connectWhenReady (the drill's ready phase)", () => {
  const never = new AbortController().signal

  it('ends at the first permanent failure with the real error, without waiting', async () => {
    let attempts = 0
    const started = performance.now()
    const wrongPassword = wrapped(serverError('28P01', 'password authentication failed for user "app"'))
    await expect(
      connectWhenReady(
        async () => {
          attempts++
          throw wrongPassword
        },
        {delayMs: 1000, signal: never, timeoutMs: 60_000, what: 'Logging in'},
      ),
    ).rejects.toBe(wrongPassword)
    expect(attempts).toBe(1)
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('retries transient failures, showing the last error and the time waited and left, until the login works', async () => {
    const updates: string[] = []
    let attempts = 0
    const client = {} as pg.Client
    const result = await connectWhenReady(
      async () => {
        attempts++
        if (attempts < 3) throw wrapped(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}))
        return client
      },
      {
        delayMs: 10,
        progress: {fail() {}, note() {}, start() {}, succeed() {}, update: (text) => updates.push(text)},
        signal: never,
        timeoutMs: 60_000,
        what: 'Logging in to x',
      },
    )
    expect(result).toBe(client)
    expect(attempts).toBe(3)
    expect(updates[0]).toMatch(/^Logging in to x: not yet \(Cannot connect .*ECONNREFUSED.*\); waited \S+, \S+ left$/)
  })

  it('gives up with TIMED_OUT naming the last error when time runs out', async () => {
    const failing = connectWhenReady(
      async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND x.rds.amazonaws.com'), {code: 'ENOTFOUND'})
      },
      {delayMs: 20, signal: never, timeoutMs: 100, what: 'Logging in'},
    )
    await expect(failing).rejects.toMatchObject({code: 'TIMED_OUT', message: expect.stringMatching(/last error: getaddrinfo ENOTFOUND/)})
  })
})
