import {beforeEach, describe, expect, it, vi} from 'vitest'

const client = {end: vi.fn(async () => {}), on: vi.fn(), query: vi.fn(async (_sql: string) => ({rows: []}))}

vi.mock('../../src/lib/target/cluster-connection.js', () => ({
  connectToCluster: vi.fn(async () => client),
  resolveClusterConnection: vi.fn(async (_target: unknown, _aws: unknown, options: {instance?: string}) => ({
    database: 'app',
    endpoint: options.instance ? {instanceId: options.instance, kind: 'instance'} : {kind: 'writer'},
  })),
}))

const {AuroraError, ExitCode} = await import('../../src/lib/cli/errors.js')
const {resolveClusterConnection} = await import('../../src/lib/target/cluster-connection.js')
const {openClusterSession, withClusterSession} = await import('../../src/lib/target/cluster-session.js')

const target = {} as never
const aws = {} as never
const tls = {mode: 'verify-full'} as never

describe('cluster sessions (the on-call and inspect commands)', () => {
  beforeEach(() => {
    vi.clearAllMocks()
  })

  it('connects where --instance says, limits lock waits, and survives a dropped connection', async () => {
    const session = await openClusterSession(target, aws, {instance: 'db-reader-1', tls})
    expect(resolveClusterConnection).toHaveBeenCalledWith(target, aws, {instance: 'db-reader-1', tls})
    expect(session.connection.endpoint).toEqual({instanceId: 'db-reader-1', kind: 'instance'})
    expect(client.query).toHaveBeenCalledWith('SET lock_timeout = 1000')
    expect(client.on).toHaveBeenCalledWith('error', expect.any(Function))
  })

  it('turns a lock timeout into exit 5 pointing at auroractl ps, and always closes the connection', async () => {
    const locked = Object.assign(new Error('canceling statement due to lock timeout'), {code: '55P03'})
    const error = await withClusterSession(target, aws, {tls}, async () => {
      throw locked
    }).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuroraError)
    expect((error as InstanceType<typeof AuroraError>).exitCode).toBe(ExitCode.timedOut)
    expect((error as InstanceType<typeof AuroraError>).hint).toContain('auroractl ps')
    expect(client.end).toHaveBeenCalledTimes(1)

    const other = new Error('boom')
    await expect(
      withClusterSession(target, aws, {tls}, async () => {
        throw other
      }),
    ).rejects.toBe(other)
    expect(await withClusterSession(target, aws, {tls}, async ({connection}) => connection.database)).toBe('app')
    expect(client.end).toHaveBeenCalledTimes(3)
  })
})
