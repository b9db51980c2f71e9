import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import type {SandboxPaths} from './paths.js'

import {AuroraError} from '../cli/errors.js'
import {quoteIdentifier} from '../pg/sql.js'
import {
  initDataDir,
  installServerCertificate,
  postgresRunAs,
  postmasterPid,
  preparePgRoot,
  serverLogDirectory,
  startPostgres,
  stopPostgres,
} from './postgres.js'
import {freePort, isAlive} from './processes.js'
import {readSandboxState, type SandboxState} from './state.js'
import {issueServerCertificate} from './tls.js'

/**
 * The sandbox's data plane: moto keeps cluster and snapshot records but no data, so the moto
 * launcher calls these (through `auroractl sandbox data-plane`) inside the API calls that would move
 * data on AWS. A snapshot dumps the cluster's database and its roles (their password hashes
 * included, as a cluster snapshot keeps the master password); a restored cluster is a PostgreSQL
 * server of its own, loaded from that dump, reached through the endpoint map like any cluster.
 * Commands never call this: they talk to moto and PostgreSQL as they would to AWS.
 */

export interface ServedCluster {
  database: string
  dataDir: string
  /** The server's rotating log files, served by the sandbox's DescribeDBLogFiles and DownloadDBLogFilePortion. */
  logDirectory: string
  /** pg_ctl's log of the server's start (see PostgresSettings.logFile). */
  logFile: string
  pgRoot: string
  port: number
  /** The server `sandbox up` started: stopped by `sandbox down`, never by deleting a cluster. */
  primary: boolean
}

export interface CapturedSnapshot {
  cluster: string
  database: string
  dump: string
  roles: string
  takenAt: string
}

export interface DataPlaneRegistry {
  clusters: Record<string, ServedCluster>
  snapshots: Record<string, CapturedSnapshot>
}

const registryFile = (paths: SandboxPaths) => path.join(paths.dir, 'data-plane.json')
const snapshotsDir = (paths: SandboxPaths) => path.join(paths.dir, 'snapshots')
const clustersDir = (paths: SandboxPaths) => path.join(paths.dir, 'clusters')

export async function readRegistry(paths: SandboxPaths): Promise<DataPlaneRegistry> {
  if (!existsSync(registryFile(paths))) return {clusters: {}, snapshots: {}}
  return JSON.parse(await readFile(registryFile(paths), 'utf8')) as DataPlaneRegistry
}

/** Written whole and renamed into place: the moto launcher reads it while we write. */
async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, {mode: 0o600})
  await rename(temporary, file)
}

export async function writeRegistry(paths: SandboxPaths, registry: DataPlaneRegistry): Promise<void> {
  await writeJsonAtomically(registryFile(paths), registry)
}

async function updateEndpointMap(state: SandboxState, change: (endpoints: Record<string, string>) => void): Promise<void> {
  const map = JSON.parse(await readFile(state.endpointMap, 'utf8')) as {endpoints: Record<string, string>}
  change(map.endpoints)
  await writeJsonAtomically(state.endpointMap, map)
}

async function superuserPassword(paths: SandboxPaths): Promise<string> {
  return (JSON.parse(await readFile(paths.superuser, 'utf8')) as {password: string}).password
}

async function tool(command: string, args: string[], env: Record<string, string>): Promise<string> {
  const {execa} = await import('execa')
  // Only our libpq variables: an inherited PGHOSTADDR or PGSSLMODE (from `sandbox env`) would send these elsewhere.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')))
  const result = await execa(command, args, {
    env: {...inherited, ...env, PGCONNECT_TIMEOUT: '10'},
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  })
  if (result.failed)
    throw new AuroraError('SANDBOX', `${command} failed: ${String(result.stderr).trim().split('\n').at(-1) ?? `exit ${result.exitCode}`}`)
  return String(result.stdout)
}

async function superuserEnv(paths: SandboxPaths, port: number): Promise<Record<string, string>> {
  return {PGHOST: '127.0.0.1', PGPASSWORD: await superuserPassword(paths), PGPORT: String(port), PGSSLMODE: 'disable', PGUSER: 'postgres'}
}

/** Dumps the cluster's database and roles at this moment. */
export async function captureSnapshot(
  paths: SandboxPaths,
  input: {cluster: string; snapshot: string},
): Promise<CapturedSnapshot | undefined> {
  const registry = await readRegistry(paths)
  const served = registry.clusters[input.cluster]
  if (!served) return undefined
  await mkdir(snapshotsDir(paths), {mode: 0o700, recursive: true})
  const base = path.join(snapshotsDir(paths), input.snapshot.replaceAll(/[^\w.-]/g, '_'))
  const env = await superuserEnv(paths, served.port)
  const takenAt = new Date().toISOString()
  await tool('pg_dump', ['--format=custom', `--file=${base}.dump`, served.database], env)
  await chmod(`${base}.dump`, 0o600)
  await writeFile(`${base}.roles.sql`, await tool('pg_dumpall', ['--roles-only'], env), {mode: 0o600})
  const captured = {cluster: input.cluster, database: served.database, dump: `${base}.dump`, roles: `${base}.roles.sql`, takenAt}
  registry.snapshots[input.snapshot] = captured
  await writeRegistry(paths, registry)
  return captured
}

/**
 * A restored cluster: its own server, its own TLS certificate for its endpoints, the snapshot's roles
 * and database. From a point in time, the source's data as it is now (its latest restorable time).
 */
export async function restoreCluster(
  paths: SandboxPaths,
  input: {cluster: string; endpoints: string[]; port: number; snapshot?: string; source?: string},
): Promise<ServedCluster> {
  const state = await requireState(paths)
  let snapshotId = input.snapshot
  if (!snapshotId && input.source) {
    snapshotId = `pitr-${input.cluster}`
    await captureSnapshot(paths, {cluster: input.source, snapshot: snapshotId})
  }

  const registry = await readRegistry(paths)
  const captured = snapshotId ? registry.snapshots[snapshotId] : undefined
  if (!captured)
    throw new AuroraError('SANDBOX', `Snapshot ${snapshotId ?? '?'} holds no data: it was not taken through the sandbox's data plane.`)

  const runAs = await postgresRunAs()
  const pgRoot = await preparePgRoot(path.join(clustersDir(paths), input.cluster), runAs)
  const settings = {
    binDir: state.postgres.binDir,
    dataDir: path.join(pgRoot, 'data'),
    logFile: path.join(pgRoot, 'postgres.log'),
    port: await freePort(),
    runAs,
  }
  const certificate = await issueServerCertificate(path.dirname(state.caCert), path.join(pgRoot, 'tls'), input.endpoints)
  await initDataDir(settings, await superuserPassword(paths), {cert: certificate.serverCert, key: certificate.serverKey})
  await startPostgres(settings)
  const served: ServedCluster = {
    database: captured.database,
    dataDir: settings.dataDir,
    logDirectory: serverLogDirectory(settings.dataDir),
    logFile: settings.logFile,
    pgRoot,
    port: settings.port,
    primary: false,
  }
  try {
    const env = await superuserEnv(paths, settings.port)
    // The bootstrap superuser exists already: its CREATE ROLE fails and the rest of the script goes on.
    await tool('psql', ['-X', '-q', '-d', 'postgres', '-f', captured.roles], env)
    await tool(
      'psql',
      [
        '-X',
        '-q',
        '-d',
        'postgres',
        '-c',
        `CREATE DATABASE ${quoteIdentifier(captured.database)} OWNER ${quoteIdentifier(state.cluster.username)}`,
      ],
      env,
    )
    await tool('pg_restore', ['--exit-on-error', `--dbname=${captured.database}`, captured.dump], env)
  } catch (error) {
    await stopPostgres(settings).catch(() => false)
    await rm(pgRoot, {force: true, recursive: true})
    throw error
  }

  registry.clusters[input.cluster] = served
  await writeRegistry(paths, registry)
  await updateEndpointMap(state, (endpoints) => {
    for (const name of input.endpoints) endpoints[`${name}:${input.port}`] = `127.0.0.1:${settings.port}`
  })
  return served
}

/** An instance of a served cluster: its endpoint joins the map and the server's certificate. */
export async function addInstance(paths: SandboxPaths, input: {cluster: string; endpoint: string; port: number}): Promise<void> {
  const state = await requireState(paths)
  const served = (await readRegistry(paths)).clusters[input.cluster]
  if (!served) return
  let names: string[] = []
  await updateEndpointMap(state, (endpoints) => {
    endpoints[`${input.endpoint}:${input.port}`] = `127.0.0.1:${served.port}`
    names = Object.entries(endpoints)
      .filter(([, address]) => address === `127.0.0.1:${served.port}`)
      .map(([name]) => name.replace(/:\d+$/, ''))
  })
  if (served.primary) return
  // A new certificate naming every endpoint of this server, loaded without a restart.
  const certificate = await issueServerCertificate(path.dirname(state.caCert), path.join(served.pgRoot, 'tls'), names)
  await installServerCertificate(served.dataDir, {cert: certificate.serverCert, key: certificate.serverKey}, await postgresRunAs())
  await tool('psql', ['-X', '-q', '-d', 'postgres', '-c', 'SELECT pg_reload_conf()'], await superuserEnv(paths, served.port))
}

export async function removeInstance(paths: SandboxPaths, input: {endpoint: string; port: number}): Promise<void> {
  const state = await requireState(paths)
  await updateEndpointMap(state, (endpoints) => {
    delete endpoints[`${input.endpoint}:${input.port}`]
  })
}

/** Stops a restored cluster's server and removes its data and endpoints. The primary server stays. */
export async function deleteCluster(paths: SandboxPaths, input: {cluster: string}): Promise<void> {
  const state = await requireState(paths)
  const registry = await readRegistry(paths)
  const served = registry.clusters[input.cluster]
  if (!served || served.primary) return
  await stopPostgres({binDir: state.postgres.binDir, dataDir: served.dataDir, runAs: await postgresRunAs()}).catch(() => false)
  await rm(served.pgRoot, {force: true, recursive: true})
  delete registry.clusters[input.cluster]
  await writeRegistry(paths, registry)
  await updateEndpointMap(state, (endpoints) => {
    for (const [name, address] of Object.entries(endpoints)) if (address === `127.0.0.1:${served.port}`) delete endpoints[name]
  })
}

export async function deleteSnapshot(paths: SandboxPaths, input: {snapshot: string}): Promise<void> {
  const registry = await readRegistry(paths)
  const captured = registry.snapshots[input.snapshot]
  if (!captured) return
  await Promise.all([rm(captured.dump, {force: true}), rm(captured.roles, {force: true})])
  delete registry.snapshots[input.snapshot]
  await writeRegistry(paths, registry)
}

/**
 * A failover, as the application sees it: the writer goes away (its server stops, cutting every session and
 * refusing new ones) for `outageSeconds`, then the promoted instance takes over on another address, and the
 * cluster's endpoints (writer, reader, instances) are repointed at it, so whoever resolves the writer
 * endpoint afresh gets a new answer. The server keeps its data, settings and certificate: one server still
 * plays every instance, so the roles are swapped in moto's API only (by the launcher, once this returns).
 */
export async function failoverCluster(
  paths: SandboxPaths,
  input: {cluster: string; outageSeconds?: number},
): Promise<undefined | {fromPort: number; toPort: number}> {
  const state = await requireState(paths)
  const served = (await readRegistry(paths)).clusters[input.cluster]
  if (!served) return undefined
  const runAs = await postgresRunAs()
  const settings = {binDir: state.postgres.binDir, dataDir: served.dataDir, logFile: served.logFile, runAs}
  await stopPostgres(settings)
  await sleep(Math.max(0, input.outageSeconds ?? 3) * 1000)
  const port = await freePort()
  await setServerPort(served.dataDir, port)
  await startPostgres({...settings, port})

  const registry = await readRegistry(paths)
  registry.clusters[input.cluster] = {...served, port}
  await writeRegistry(paths, registry)
  await updateEndpointMap(state, (endpoints) => {
    for (const [name, address] of Object.entries(endpoints))
      if (address === `127.0.0.1:${served.port}`) endpoints[name] = `127.0.0.1:${port}`
  })
  if (served.primary) await recordPrimaryPort(paths, state, port)
  return {fromPort: served.port, toPort: port}
}

/** initdb's settings end with our `port = N` line (see postgres.ts): the last one wins, so it is rewritten in place. */
async function setServerPort(dataDir: string, port: number): Promise<void> {
  const file = path.join(dataDir, 'postgresql.conf')
  const text = await readFile(file, 'utf8')
  if (!/^port = \d+$/m.test(text)) throw new AuroraError('SANDBOX', `${file} has no "port = N" line to move the server.`)
  // Written in place (not renamed over): the file keeps the owner the server runs as.
  await writeFile(file, text.replaceAll(/^port = \d+$/gm, `port = ${port}`))
}

/** The seeded cluster's server moved: state.json and the superuser's login say where, for `sandbox status`, `env` and the data plane. */
async function recordPrimaryPort(paths: SandboxPaths, state: SandboxState, port: number): Promise<void> {
  await writeJsonAtomically(paths.state, {...state, postgres: {...state.postgres, port}})
  const superuser = JSON.parse(await readFile(paths.superuser, 'utf8')) as Record<string, unknown>
  await writeJsonAtomically(paths.superuser, {...superuser, port})
}

/** `sandbox down`: every restored cluster's server stopped, every captured snapshot removed. */
export async function stopDataPlane(paths: SandboxPaths, binDir: string): Promise<string[]> {
  const registry = await readRegistry(paths)
  const runAs = await postgresRunAs()
  const stopped: string[] = []
  for (const [cluster, served] of Object.entries(registry.clusters)) {
    if (served.primary) continue
    // eslint-disable-next-line no-await-in-loop
    if (await stopPostgres({binDir, dataDir: served.dataDir, runAs}).catch(() => false)) stopped.push(`postgres (${cluster})`)
    // eslint-disable-next-line no-await-in-loop
    await rm(served.pgRoot, {force: true, recursive: true})
  }

  await Promise.all([
    rm(snapshotsDir(paths), {force: true, recursive: true}),
    rm(clustersDir(paths), {force: true, recursive: true}),
    rm(registryFile(paths), {force: true}),
  ])
  return stopped
}

async function requireState(paths: SandboxPaths): Promise<SandboxState> {
  const state = await readSandboxState(paths)
  if (!state) throw new AuroraError('SANDBOX', `No sandbox state in ${paths.dir}.`)
  return state
}

/** Every PostgreSQL server the sandbox runs, from the data plane's registry (the seeded one always first). */
export async function sandboxServers(
  paths: SandboxPaths,
  state: SandboxState,
): Promise<Array<{cluster: string; port: number; primary: boolean; running: boolean}>> {
  const registry = await readRegistry(paths).catch(() => ({clusters: {}, snapshots: {}}))
  const served = Object.entries(registry.clusters).map(([cluster, server]) => ({
    cluster,
    dataDir: server.dataDir,
    port: server.port,
    primary: server.primary,
  }))
  if (!served.some((server) => server.primary))
    served.push({cluster: state.cluster.clusterId, dataDir: state.postgres.dataDir, port: state.postgres.port, primary: true})
  const servers = await Promise.all(
    served.map(async ({dataDir, ...server}) => ({...server, running: isAlive(await postmasterPid(dataDir))})),
  )
  return servers.sort((a, b) => Number(b.primary) - Number(a.primary) || a.cluster.localeCompare(b.cluster))
}

/**
 * A password AWS sets inside the cluster: ModifyDBCluster --master-user-password, an RDS-managed secret's
 * rotation, a rotation function's setSecret step. The launcher sends the payload on stdin (never argv: the
 * password would show in `ps`), and the password is set as a verifier (never text in the server's log).
 */
export async function setPassword(paths: SandboxPaths, input: {cluster: string; password: string; username: string}): Promise<void> {
  const served = (await readRegistry(paths)).clusters[input.cluster]
  if (!served) throw new AuroraError('SANDBOX', `The data plane serves no cluster "${input.cluster}".`)
  const [{default: pg}, {alterRolePasswordSql}] = await Promise.all([import('pg'), import('../credentials/password.js')])
  const client = new pg.Client({
    connectionTimeoutMillis: 10_000,
    database: 'postgres',
    host: '127.0.0.1',
    password: await superuserPassword(paths),
    port: served.port,
    ssl: false,
    user: 'postgres',
  })
  await client.connect()
  try {
    // The launcher waits for this under its lock: a session holding a lock on the role must not hold up the sandbox.
    await client.query(`SET lock_timeout = '5s'; SET statement_timeout = '10s'`)
    await client.query(alterRolePasswordSql(input.username, input.password))
  } finally {
    await client.end().catch(() => {})
  }
}
