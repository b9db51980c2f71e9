import {X509Certificate} from 'node:crypto'
import {chmod, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {rootCertificates} from 'node:tls'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {buildPsqlInvocation} from '../../src/lib/pg/psql.js'
import {
  bundledCertificates,
  bundledTrustLabel,
  certificateError,
  libpqTlsEnvironment,
  nodeTlsOptions,
  resolveClusterTls,
  rootCertificateFile,
  trustedCertificates,
} from '../../src/lib/pg/tls.js'

const endpoint = 'prod.cluster-abc.us-east-1.rds.amazonaws.com'
const permissions = async (file: string) => ((await stat(file)).mode % 0o1000).toString(8)
const failure = (code: string, extra: Record<string, string> = {}) => Object.assign(new Error(`tls failure ${code}`), {code, ...extra})

describe('resolveClusterTls: mode and trust', () => {
  it('defaults to verify-full with the bundled RDS CAs and the system store, and no warning', () => {
    expect(resolveClusterTls({}, {})).toEqual({mode: 'verify-full', trust: 'bundled', trustLabel: bundledTrustLabel})
  })

  it('takes --ca-bundle over PGSSLROOTCERT over the bundle, and says where the trust came from', () => {
    const flag = resolveClusterTls({caBundle: 'ca/global.pem'}, {PGSSLROOTCERT: '/etc/sandbox-ca.crt'})
    expect(flag).toMatchObject({
      caFile: path.resolve('ca/global.pem'),
      mode: 'verify-full',
      trust: 'flag',
      trustLabel: '--ca-bundle ca/global.pem',
    })
    const environment = resolveClusterTls({}, {PGSSLROOTCERT: '/etc/sandbox-ca.crt'})
    expect(environment).toMatchObject({
      caFile: '/etc/sandbox-ca.crt',
      trust: 'PGSSLROOTCERT',
      trustLabel: 'PGSSLROOTCERT /etc/sandbox-ca.crt',
    })
    // An empty PGSSLROOTCERT is no file.
    expect(resolveClusterTls({}, {PGSSLROOTCERT: ''}).trust).toBe('bundled')
  })

  it('warns every time verification is switched off with --tls require', () => {
    const tls = resolveClusterTls({mode: 'require'}, {})
    expect(tls.mode).toBe('require')
    expect(tls.warning).toMatch(/^TLS is not verified \(--tls require\): .*password/)
    expect(resolveClusterTls({caBundle: '/ca.pem', mode: 'require'}, {}).warning).toBe(tls.warning)
    expect(() => resolveClusterTls({mode: 'prefer' as never}, {})).toThrow(/--tls "prefer" is not a TLS mode/)
  })
})

describe('node-postgres settings', () => {
  it('verify-full trusts the Amazon RDS CAs and the system roots, rejects unverified chains, and checks the endpoint name', async () => {
    const options = await nodeTlsOptions(resolveClusterTls({}, {}), endpoint)
    expect(options.rejectUnauthorized).toBe(true)
    expect(options.servername).toBe(endpoint)
    const ca = options.ca as string[]
    const subjects = ca.map((pem) => new X509Certificate(pem).subject)
    expect(subjects.filter((subject) => /Amazon RDS .*Root/.test(subject)).length).toBeGreaterThanOrEqual(10)
    for (const root of rootCertificates.slice(0, 5)) expect(ca).toContain(root)
    // The name is pinned to the endpoint, whatever host node-postgres dialled (a tunnel, an endpoint map).
    const forEndpoint = {subject: {CN: endpoint}, subjectaltname: `DNS:${endpoint}`} as never
    const forOther = {subject: {CN: 'evil.example.com'}, subjectaltname: 'DNS:evil.example.com, DNS:localhost'} as never
    expect(options.checkServerIdentity!('localhost', forEndpoint)).toBeUndefined()
    expect(options.checkServerIdentity!('localhost', forOther)).toMatchObject({code: 'ERR_TLS_CERT_ALTNAME_INVALID'})
  })

  it("trusts exactly the user's file when one is given, and says which file it cannot read", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-tls-unit-'))
    try {
      const [first, second] = (await bundledCertificates()).slice(0, 2)
      await writeFile(path.join(dir, 'ca.pem'), `${first}\n${second}\n`)
      const certificates = await trustedCertificates(resolveClusterTls({caBundle: path.join(dir, 'ca.pem')}, {}))
      expect(certificates.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual(
        [first, second].map((pem) => new X509Certificate(pem!).fingerprint256),
      )
      await expect(trustedCertificates(resolveClusterTls({}, {PGSSLROOTCERT: path.join(dir, 'missing.pem')}))).rejects.toThrow(
        /Cannot read the CA bundle .*missing\.pem \(from PGSSLROOTCERT\): ENOENT/,
      )
      await writeFile(path.join(dir, 'empty.pem'), 'not a certificate\n')
      await expect(trustedCertificates(resolveClusterTls({caBundle: path.join(dir, 'empty.pem')}, {}))).rejects.toThrow(
        /holds no PEM certificate/,
      )
    } finally {
      await rm(dir, {force: true, recursive: true})
    }
  })

  it('require encrypts without checking: no CA, no identity check', async () => {
    const options = await nodeTlsOptions(resolveClusterTls({mode: 'require'}, {}), endpoint)
    expect(options).toEqual({rejectUnauthorized: false, servername: endpoint})
  })
})

describe('the root certificate file for libpq', () => {
  let cache: string
  let env: NodeJS.ProcessEnv

  beforeEach(async () => {
    cache = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cache-'))
    env = {AURORACTL_CACHE_DIR: path.join(cache, 'auroractl')}
  })

  afterEach(async () => {
    await rm(cache, {force: true, recursive: true})
  })

  it('writes the bundle once, 0600 in a 0700 directory, content-addressed, and reuses it', async () => {
    const tls = resolveClusterTls({}, env)
    const file = await rootCertificateFile(tls, env)
    expect(path.dirname(file)).toBe(env.AURORACTL_CACHE_DIR)
    expect(path.basename(file)).toMatch(/^rds-ca-bundle-[0-9a-f]{16}\.pem$/)
    const written = await stat(file)
    expect(await permissions(file)).toBe('600')
    expect(await permissions(env.AURORACTL_CACHE_DIR!)).toBe('700')
    const pem = await readFile(file, 'utf8')
    expect(pem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength((await bundledCertificates()).length)

    // Reused: same path, not rewritten (same inode and modification time), even when asked many times at once.
    const again = await Promise.all(Array.from({length: 8}, () => rootCertificateFile(tls, env)))
    expect(new Set(again)).toEqual(new Set([file]))
    const reused = await stat(file)
    expect([reused.ino, reused.mtimeMs]).toEqual([written.ino, written.mtimeMs])
    expect(await readdir(env.AURORACTL_CACHE_DIR!)).toEqual([path.basename(file)])
  })

  it('replaces a copy that others could read, or one cut short', async () => {
    const tls = resolveClusterTls({}, env)
    const file = await rootCertificateFile(tls, env)
    await chmod(file, 0o644)
    expect(await rootCertificateFile(tls, env)).toBe(file)
    expect(await permissions(file)).toBe('600')
    const full = await readFile(file, 'utf8')
    await writeFile(file, full.slice(0, 1000), {mode: 0o600})
    await rootCertificateFile(tls, env)
    expect(await readFile(file, 'utf8')).toBe(full)
  })

  it("uses the user's own file as is, and writes nothing", async () => {
    expect(await libpqTlsEnvironment(resolveClusterTls({caBundle: '/etc/ssl/rds.pem'}, env), env)).toEqual({
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/etc/ssl/rds.pem',
    })
    expect(await libpqTlsEnvironment(resolveClusterTls({}, {...env, PGSSLROOTCERT: '/srv/sandbox/ca.crt'}), env)).toEqual({
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/srv/sandbox/ca.crt',
    })
    expect(await libpqTlsEnvironment(resolveClusterTls({mode: 'require'}, env), env)).toEqual({PGSSLMODE: 'require'})
    await expect(stat(env.AURORACTL_CACHE_DIR!)).rejects.toThrow(/ENOENT/)
  })

  it('gives psql verify-full with the bundled file by default, never require', async () => {
    const address = {host: endpoint, port: 5432, route: 'direct' as const, servername: endpoint}
    const credentials = {host: endpoint, password: 'Sekret-1', port: 5432, username: 'app'}
    const invocation = await buildPsqlInvocation(
      {address, credentials, database: 'app', tls: resolveClusterTls({}, env), userArgs: []},
      env,
    )
    expect(invocation.env.PGSSLMODE).toBe('verify-full')
    expect(invocation.env.PGSSLROOTCERT).toBe(await rootCertificateFile(resolveClusterTls({}, env), env))
  })
})

describe('certificateError: what a refused certificate says', () => {
  const tls = resolveClusterTls({}, {})
  const tunnel = {host: '127.0.0.1', port: 15_432, route: 'endpoint map' as const, servername: endpoint}

  it('names the endpoint, the route, the trust and the fixes for an unknown CA', () => {
    for (const code of [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]) {
      const error = certificateError(failure(code), {address: tunnel, port: 5432, tls})!
      expect(error.code).toBe('TLS_UNVERIFIED')
      expect(error.message).toBe(
        `Refused ${endpoint}:5432 (through the endpoint map 127.0.0.1:15432): its TLS certificate is not signed by a trusted CA (${code}; trusted: ${bundledTrustLabel}). Nothing was sent.`,
      )
      expect(error.hint).toContain('--ca-bundle FILE with the CA that signed its certificate')
      expect(error.hint).toContain('--tls require')
    }
  })

  it('sends a name mismatch to the endpoint and --via', () => {
    const error = certificateError(
      failure('ERR_TLS_CERT_ALTNAME_INVALID', {reason: `Host: ${endpoint}. is not in the cert's altnames: DNS:localhost`}),
      {
        address: {host: endpoint, port: 5432, route: 'direct', servername: endpoint},
        port: 5432,
        tls,
      },
    )!
    expect(error.message).toBe(
      `Refused ${endpoint}:5432: its TLS certificate is not for ${endpoint} (ERR_TLS_CERT_ALTNAME_INVALID: Host: ${endpoint}. is not in the cert's altnames: DNS:localhost). Nothing was sent.`,
    )
    expect(error.hint).toContain('--via HOST:PORT')
  })

  it('explains an expired certificate, and leaves other errors alone', () => {
    expect(certificateError(failure('CERT_HAS_EXPIRED'), {address: tunnel, port: 5432, tls})!.message).toContain(
      'its TLS certificate is expired (CERT_HAS_EXPIRED)',
    )
    expect(certificateError(failure('ECONNREFUSED'), {address: tunnel, port: 5432, tls})).toBeUndefined()
    expect(certificateError(new Error('password authentication failed'), {address: tunnel, port: 5432, tls})).toBeUndefined()
  })
})
