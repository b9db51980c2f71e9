import {randomBytes} from 'node:crypto'
import {chmod, chown, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {findPostgresBinDir, initDataDir, postgresRunAs, startPostgres, stopPostgres} from '../../src/lib/sandbox/postgres.js'
import {freePort} from '../../src/lib/sandbox/processes.js'
import {createSandboxTls} from '../../src/lib/sandbox/tls.js'

export interface TestPostgres {
  binDir: string
  /** The CA that signed the server's certificate (for localhost). */
  caFile: string
  dataDir: string
  password: string
  port: number
  stop: () => Promise<void>
  /** postgresql://postgres:PASSWORD@127.0.0.1:PORT/DATABASE */
  url: (database?: string) => string
}

/** A second, independent PostgreSQL server for tests that need two (migrate's source, a target to stop). */
export async function startTestPostgres(options: {hostsslOnly?: boolean} = {}): Promise<TestPostgres> {
  const binDir = findPostgresBinDir()
  const runAs = await postgresRunAs()
  const root = await mkdtemp(path.join(os.tmpdir(), 'auroractl-testpg-'))
  await chmod(root, 0o755)
  if (runAs) await chown(root, runAs.uid, runAs.gid)
  const tls = await createSandboxTls(path.join(root, 'tls'), ['localhost'])
  const port = await freePort()
  const password = randomBytes(12).toString('base64url')
  const settings = {binDir, dataDir: path.join(root, 'data'), logFile: path.join(root, 'postgres.log'), port, runAs}
  await initDataDir(settings, password, {cert: tls.serverCert, key: tls.serverKey})
  if (options.hostsslOnly) {
    // As managed services that force TLS: a plain connection finds no pg_hba line at all.
    const hba = path.join(settings.dataDir, 'pg_hba.conf')
    await writeFile(hba, 'hostssl all all 127.0.0.1/32 scram-sha-256\n')
    if (runAs) await chown(hba, runAs.uid, runAs.gid)
  }

  await startPostgres(settings)
  return {
    binDir,
    caFile: tls.caCert,
    dataDir: settings.dataDir,
    password,
    port,
    async stop() {
      await stopPostgres(settings).catch(() => false)
      await rm(root, {force: true, recursive: true})
    },
    url: (database = 'postgres') => `postgresql://postgres:${password}@127.0.0.1:${port}/${database}?sslmode=disable`,
  }
}
