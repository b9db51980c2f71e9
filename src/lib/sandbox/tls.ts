import {chmod, mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {AuroraError} from '../cli/errors.js'

export interface SandboxTls {
  caCert: string
  serverCert: string
  serverKey: string
}

/**
 * A private CA and a server certificate for the sandbox's PostgreSQL, valid for every endpoint name
 * moto reports. Clients then verify the chain and the host name exactly as they would against RDS
 * with the RDS CA bundle.
 */
export async function createSandboxTls(dir: string, hostNames: string[]): Promise<SandboxTls> {
  await mkdir(dir, {mode: 0o755, recursive: true})
  const file = (name: string) => path.join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '3650',
    '-subj',
    '/CN=auroractl sandbox CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ])
  await chmod(file('ca.key'), 0o600)
  await chmod(file('ca.crt'), 0o644)
  const server = await issueServerCertificate(dir, dir, hostNames)
  return {caCert: file('ca.crt'), ...server}
}

/**
 * A server certificate signed by the sandbox CA in `caDir`, written to `dir`, valid for `hostNames`
 * (the sandbox's restored clusters get one each, for their own endpoints).
 */
export async function issueServerCertificate(
  caDir: string,
  dir: string,
  hostNames: string[],
): Promise<{serverCert: string; serverKey: string}> {
  await mkdir(dir, {mode: 0o755, recursive: true})
  const file = (name: string) => path.join(dir, name)
  const names = [...new Set(['localhost', ...hostNames])]
  await writeFile(
    file('server.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${[...names.map((name) => `DNS:${name}`), 'IP:127.0.0.1'].join(',')}`,
      '',
    ].join('\n'),
  )
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  // A common name may hold 64 characters; clients check the subjectAltName list anyway.
  const commonName = hostNames[0] && hostNames[0].length <= 64 ? hostNames[0] : 'auroractl sandbox server'
  await openssl(['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${commonName}`])
  await openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    path.join(caDir, 'ca.crt'),
    '-CAkey',
    path.join(caDir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '825',
    '-extfile',
    file('server.ext'),
  ])
  await chmod(file('server.key'), 0o600)
  await chmod(file('server.crt'), 0o644)
  return {serverCert: file('server.crt'), serverKey: file('server.key')}
}

async function openssl(args: string[]): Promise<void> {
  const {execa} = await import('execa')
  const result = await execa('openssl', args, {reject: false, stdin: 'ignore'})
  if (result.failed) {
    const missing = (result as {code?: string}).code === 'ENOENT'
    throw new AuroraError(
      'SANDBOX',
      missing
        ? 'openssl was not found; the sandbox needs it to make its TLS certificate.'
        : `openssl ${args[0]} failed: ${String(result.stderr).trim().split('\n').at(-1)}`,
      {
        hint: missing ? 'Install it: `apt-get install openssl`.' : undefined,
      },
    )
  }
}
