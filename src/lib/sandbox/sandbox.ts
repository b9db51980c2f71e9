import {randomBytes} from 'node:crypto'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {AwsClients} from '../aws/clients.js'
import {listClusterSnapshots} from '../aws/rds.js'
import {getDatabaseCredentials} from '../aws/secrets.js'
import {AuroraError} from '../cli/errors.js'
import {connectWithCredentials} from '../pg/connect.js'
import {loadEndpointMap} from '../target/endpoint-map.js'
import {captureSnapshot, stopDataPlane, writeRegistry} from './data-plane.js'
import {ensureMotoVenv, motoRequirement, startMoto} from './moto.js'
import {type SandboxPaths, sandboxPaths} from './paths.js'
import {
  findPostgresBinDir,
  initDataDir,
  postgresRunAs,
  preparePgRoot,
  type RunAs,
  serverLogDirectory,
  startPostgres,
  stopPostgres,
} from './postgres.js'
import {freePorts, stopProcess} from './processes.js'
import {seedCluster, type SeededCluster} from './seed.js'
import {readSandboxState, sandboxCredentials, sandboxEnvironment, sandboxHealth, type SandboxState} from './state.js'
import {createSandboxTls, type SandboxTls} from './tls.js'

export interface SandboxStep {
  ms: number
  step: string
}

export interface SandboxUpResult {
  alreadyRunning: boolean
  dir: string
  env: Record<string, string>
  state: SandboxState
  steps: SandboxStep[]
}

/**
 * Starts moto and PostgreSQL, seeds moto with the module's cluster, and checks that the seeded
 * secret logs in over TLS through the endpoint map, as every command will. Idempotent: a healthy
 * sandbox is left alone; a half-dead one is cleared and started afresh.
 */
export async function sandboxUp(options: {
  env?: NodeJS.ProcessEnv
  log: (line: string) => void
  version: string
}): Promise<SandboxUpResult> {
  const env = options.env ?? process.env
  const paths = sandboxPaths(env)
  const running = await healthySandbox(paths, options.log, env)
  if (running) return running

  // Prerequisites first, so a machine that lacks one is told before anything is started.
  const binDir = findPostgresBinDir(env)
  const runAs = await postgresRunAs(env)

  await mkdir(paths.dir, {recursive: true})
  const up: SandboxStart = {log: options.log, started: {}, steps: []}
  try {
    const python = await timed(up, `Python venv with ${motoRequirement}`, () => ensureMotoVenv(paths, options.log, env))
    const [motoPort, pgPort] = (await freePorts(2)) as [number, number]
    const moto = await timed(up, `moto on 127.0.0.1:${motoPort}`, () => startMoto(python, paths, motoPort, env))
    up.started.motoPid = moto.pid
    const {clients, cluster, masterPassword} = await seedPhase(up, moto.url, options.version)
    const tls = await timed(up, 'TLS certificate for the cluster endpoints', () => createSandboxTls(paths.tls, endpointNames(cluster)))
    const postgres = await postgresPhase(up, paths, {binDir, cluster, masterPassword, port: pgPort, runAs, tls})
    await writeEndpointMap(paths, cluster, pgPort)
    const state: SandboxState = {
      caCert: tls.caCert,
      cluster,
      endpointMap: paths.endpointMap,
      moto: {pid: moto.pid, port: motoPort, url: moto.url, version: motoRequirement},
      postgres,
      startedAt: new Date().toISOString(),
      version: 1,
    }
    await timed(up, 'Login with the seeded secret over TLS (verify-full) through the endpoint map', () => verifyLogin(clients, state))
    await recordSandbox(paths, state, clients)
    return {alreadyRunning: false, dir: paths.dir, env: sandboxEnvironment(state), state, steps: up.steps}
  } catch (error) {
    // Leave nothing half-started behind.
    if (up.started.postgres) await stopPostgres(up.started.postgres).catch(() => false)
    await stopProcess(up.started.motoPid)
    throw error
  }
}

/** What `sandbox up` has started so far (stopped again if a later step fails), and its timed steps. */
interface SandboxStart {
  log: (line: string) => void
  started: {motoPid?: number; postgres?: {binDir: string; dataDir: string; runAs?: RunAs}}
  steps: SandboxStep[]
}

/** A sandbox already running whole, to be left alone; a half-dead one is cleared (and undefined returned). */
async function healthySandbox(
  paths: SandboxPaths,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<SandboxUpResult | undefined> {
  const existing = await readSandboxState(paths)
  if (!existing) return undefined
  const health = await sandboxHealth(existing)
  if (health.moto && health.postgres) {
    return {alreadyRunning: true, dir: paths.dir, env: sandboxEnvironment(existing), state: existing, steps: []}
  }

  log('Found a sandbox that is no longer running whole; clearing it and starting afresh')
  await sandboxDown({env})
  return undefined
}

/** One step of `sandbox up`: timed, and reported with a tick when it is done. */
async function timed<T>(up: SandboxStart, step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await work()
  const ms = Math.round(performance.now() - started)
  up.steps.push({ms, step})
  up.log(`✓ ${step} (${(ms / 1000).toFixed(1)} s)`)
  return result
}

/** The module's AWS resources in moto, with a fresh master password. */
async function seedPhase(
  up: SandboxStart,
  motoUrl: string,
  version: string,
): Promise<{clients: AwsClients; cluster: SeededCluster; masterPassword: string}> {
  const masterPassword = randomBytes(24).toString('base64url')
  const clients = new AwsClients({credentials: sandboxCredentials, endpointUrl: motoUrl, region: 'us-east-1', version})
  const cluster = await timed(up, 'AWS resources seeded (VPC, security groups, cluster, 2 instances, secret, metrics)', async () =>
    seedCluster(
      {
        cloudWatch: await clients.cloudWatch(),
        ec2: await clients.ec2(),
        rds: await clients.rds(),
        secretsManager: await clients.secretsManager(),
      },
      masterPassword,
    ),
  )
  return {clients, cluster, masterPassword}
}

const endpointNames = (cluster: SeededCluster) => [cluster.writerEndpoint, cluster.readerEndpoint, ...cluster.instanceEndpoints]

/** PostgreSQL with the cluster's certificate, its superuser's login saved, and the cluster's master user and database in it. */
async function postgresPhase(
  up: SandboxStart,
  paths: SandboxPaths,
  settings: {binDir: string; cluster: SeededCluster; masterPassword: string; port: number; runAs: RunAs | undefined; tls: SandboxTls},
): Promise<SandboxState['postgres']> {
  const {binDir, cluster, port, runAs, tls} = settings
  const pgRoot = await preparePgRoot(paths.pgRoot, runAs)
  const postgres = {binDir, dataDir: path.join(pgRoot, 'data'), logFile: path.join(pgRoot, 'postgres.log'), pgRoot, port, runAs}
  const superuserPassword = randomBytes(24).toString('base64url')
  await timed(up, `PostgreSQL (${binDir}) on 127.0.0.1:${port}`, async () => {
    await initDataDir(postgres, superuserPassword, {cert: tls.serverCert, key: tls.serverKey})
    await startPostgres(postgres)
    up.started.postgres = postgres
  })
  await writeFile(paths.superuser, JSON.stringify({password: superuserPassword, port, username: 'postgres'}), {mode: 0o600})
  await timed(up, `Database ${cluster.databaseName} owned by ${cluster.username}`, () =>
    createMasterUser(port, superuserPassword, cluster, settings.masterPassword),
  )
  return postgres
}

/** Every endpoint of the cluster (writer, reader, instances) leads to the one local PostgreSQL. */
async function writeEndpointMap(paths: SandboxPaths, cluster: SeededCluster, pgPort: number): Promise<void> {
  const endpoints: Record<string, string> = {}
  for (const name of endpointNames(cluster)) endpoints[`${name}:${cluster.port}`] = `127.0.0.1:${pgPort}`
  await writeFile(paths.endpointMap, `${JSON.stringify({endpoints}, null, 2)}\n`)
}

/** state.json, and the data plane's registry with the cluster's database in it. */
async function recordSandbox(paths: SandboxPaths, state: SandboxState, clients: AwsClients): Promise<void> {
  const {cluster, postgres} = state
  await writeFile(paths.state, `${JSON.stringify(state, null, 2)}\n`)
  // From here on, snapshots of the cluster capture its database and restores get data (see data-plane.ts).
  await writeRegistry(paths, {
    clusters: {
      [cluster.clusterId]: {
        database: cluster.databaseName,
        dataDir: postgres.dataDir,
        logDirectory: serverLogDirectory(postgres.dataDir),
        logFile: postgres.logFile,
        pgRoot: postgres.pgRoot,
        port: postgres.port,
        primary: true,
      },
    },
    snapshots: {},
  })
  // moto took an automated snapshot when the cluster was created, before there was a data plane: give it the
  // database as it is now (just created, like the cluster it was taken of).
  for (const snapshot of await listClusterSnapshots(await clients.rds(), cluster.clusterId)) {
    // eslint-disable-next-line no-await-in-loop
    await captureSnapshot(paths, {cluster: cluster.clusterId, snapshot: snapshot.DBClusterSnapshotIdentifier!})
  }
}

async function createMasterUser(port: number, superuserPassword: string, cluster: SeededCluster, masterPassword: string): Promise<void> {
  const {default: pg} = await import('pg')
  const admin = new pg.Client({database: 'postgres', host: '127.0.0.1', password: superuserPassword, port, user: 'postgres'})
  await admin.connect()
  try {
    // Like Aurora's master user: may create databases and roles, but is not a superuser.
    await admin.query(
      `CREATE ROLE ${admin.escapeIdentifier(cluster.username)} LOGIN CREATEDB CREATEROLE PASSWORD ${admin.escapeLiteral(masterPassword)}`,
    )
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(cluster.databaseName)} OWNER ${admin.escapeIdentifier(cluster.username)}`)
  } finally {
    await admin.end()
  }

  const database = new pg.Client({database: cluster.databaseName, host: '127.0.0.1', password: superuserPassword, port, user: 'postgres'})
  await database.connect()
  try {
    await database.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    await database.query(`GRANT pg_read_all_stats TO ${database.escapeIdentifier(cluster.username)}`)
  } finally {
    await database.end()
  }
}

async function verifyLogin(clients: AwsClients, state: SandboxState): Promise<void> {
  const credentials = await getDatabaseCredentials(await clients.secretsManager(), state.cluster.secretArn)
  const client = await connectWithCredentials(credentials, {
    caFile: state.caCert,
    endpointMap: await loadEndpointMap(state.endpointMap),
  })
  try {
    const {rows} = await client.query<{ssl: boolean; user: string}>(
      'SELECT current_user AS user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    )
    if (rows[0]?.user !== state.cluster.username || rows[0]?.ssl !== true) {
      throw new AuroraError(
        'SANDBOX',
        `The seeded secret logged in as ${rows[0]?.user ?? 'nobody'} (TLS ${rows[0]?.ssl ? 'on' : 'off'}); expected ${state.cluster.username} over TLS.`,
      )
    }
  } finally {
    await client.end()
  }
}

export interface SandboxDownResult {
  dir: string
  stopped: string[]
  wasRunning: boolean
}

/** Stops both processes and removes the throwaway data `up` created; keeps the venv so the next `up` is fast. */
export async function sandboxDown(options: {env?: NodeJS.ProcessEnv} = {}): Promise<SandboxDownResult> {
  const paths = sandboxPaths(options.env ?? process.env)
  const state = await readSandboxState(paths)
  const stopped: string[] = []
  if (state) {
    stopped.push(...(await stopDataPlane(paths, state.postgres.binDir)))
    if (await stopPostgres(state.postgres).catch(() => false)) stopped.push('postgres')
    if (await stopProcess(state.moto.pid)) stopped.push('moto')
    if (state.postgres.pgRoot !== paths.pgRoot && path.basename(state.postgres.pgRoot).startsWith('auroractl-pg-')) {
      await rm(state.postgres.pgRoot, {force: true, recursive: true})
    }
  }

  // Only files `up` writes, never the folder itself or anything else a user put there.
  await Promise.all(
    [paths.pgRoot, paths.tls, paths.endpointMap, paths.superuser, paths.motoLog, paths.state].map((name) =>
      rm(name, {force: true, recursive: true}),
    ),
  )

  return {dir: paths.dir, stopped, wasRunning: state !== undefined}
}
