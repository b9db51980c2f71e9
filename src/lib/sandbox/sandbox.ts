import {randomBytes} from 'node:crypto'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {AwsClients} from '../aws/clients.js'
import {listClusterSnapshots} from '../aws/rds.js'
import {getDatabaseCredentials} from '../aws/secrets.js'
import {loadEndpointMap} from '../endpoint-map.js'
import {AuroraError} from '../errors.js'
import {connectWithCredentials} from '../pg/connect.js'
import {captureSnapshot, stopDataPlane, writeRegistry} from './data-plane.js'
import {ensureMotoVenv, motoRequirement, startMoto} from './moto.js'
import {sandboxPaths} from './paths.js'
import {
  findPostgresBinDir,
  initDataDir,
  postgresRunAs,
  preparePgRoot,
  type RunAs,
  startPostgres,
  stopPostgres,
} from './postgres.js'
import {freePort, stopProcess} from './processes.js'
import {seedCluster, type SeededCluster} from './seed.js'
import {readSandboxState, sandboxCredentials, sandboxEnvironment, sandboxHealth, type SandboxState} from './state.js'
import {createSandboxTls} from './tls.js'

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
export async function sandboxUp(options: {env?: NodeJS.ProcessEnv; log: (line: string) => void; version: string}): Promise<SandboxUpResult> {
  const env = options.env ?? process.env
  const paths = sandboxPaths(env)
  const existing = await readSandboxState(paths)
  if (existing) {
    const health = await sandboxHealth(existing)
    if (health.moto && health.postgres) {
      return {alreadyRunning: true, dir: paths.dir, env: sandboxEnvironment(existing), state: existing, steps: []}
    }

    options.log('Found a sandbox that is no longer running whole; clearing it and starting afresh')
    await sandboxDown({env})
  }

  const steps: SandboxStep[] = []
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await work()
    const ms = Math.round(performance.now() - started)
    steps.push({ms, step})
    options.log(`✓ ${step} (${(ms / 1000).toFixed(1)} s)`)
    return result
  }

  // Prerequisites first, so a machine that lacks one is told before anything is started.
  const binDir = findPostgresBinDir(env)
  const runAs = await postgresRunAs(env)

  await mkdir(paths.dir, {recursive: true})
  const started: {motoPid?: number; postgres?: {binDir: string; dataDir: string; runAs?: RunAs}} = {}
  try {
    const python = await timed(`Python venv with ${motoRequirement}`, () => ensureMotoVenv(paths, options.log, env))
    const [motoPort, pgPort] = [await freePort(), await freePort()]
    const moto = await timed(`moto on 127.0.0.1:${motoPort}`, () => startMoto(python, paths, motoPort))
    started.motoPid = moto.pid

    const masterPassword = randomBytes(24).toString('base64url')
    const clients = new AwsClients({credentials: sandboxCredentials, endpointUrl: moto.url, region: 'us-east-1', version: options.version})
    const cluster = await timed('AWS resources seeded (VPC, security groups, cluster, 2 instances, secret, metrics)', async () =>
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

    const endpointNames = [cluster.writerEndpoint, cluster.readerEndpoint, ...cluster.instanceEndpoints]
    const tls = await timed('TLS certificate for the cluster endpoints', () => createSandboxTls(paths.tls, endpointNames))

    const pgRoot = await preparePgRoot(paths.pgRoot, runAs)
    const postgres = {binDir, dataDir: path.join(pgRoot, 'data'), logFile: path.join(pgRoot, 'postgres.log'), pgRoot, port: pgPort, runAs}
    const superuserPassword = randomBytes(24).toString('base64url')
    await timed(`PostgreSQL (${binDir}) on 127.0.0.1:${pgPort}`, async () => {
      await initDataDir(postgres, superuserPassword, {cert: tls.serverCert, key: tls.serverKey})
      await startPostgres(postgres)
      started.postgres = postgres
    })
    await writeFile(paths.superuser, JSON.stringify({password: superuserPassword, port: pgPort, username: 'postgres'}), {mode: 0o600})
    await timed(`Database ${cluster.databaseName} owned by ${cluster.username}`, () =>
      createMasterUser(pgPort, superuserPassword, cluster, masterPassword),
    )

    const endpoints: Record<string, string> = {}
    for (const name of endpointNames) endpoints[`${name}:${cluster.port}`] = `127.0.0.1:${pgPort}`
    await writeFile(paths.endpointMap, `${JSON.stringify({endpoints}, null, 2)}\n`)

    const state: SandboxState = {
      caCert: tls.caCert,
      cluster,
      endpointMap: paths.endpointMap,
      moto: {pid: moto.pid, port: motoPort, url: moto.url, version: motoRequirement},
      postgres,
      startedAt: new Date().toISOString(),
      version: 1,
    }
    await timed('Login with the seeded secret over TLS (verify-full) through the endpoint map', () => verifyLogin(clients, state))
    await writeFile(paths.state, `${JSON.stringify(state, null, 2)}\n`)
    // From here on, snapshots of the cluster capture its database and restores get data (see data-plane.ts).
    await writeRegistry(paths, {
      clusters: {[cluster.clusterId]: {database: cluster.databaseName, dataDir: postgres.dataDir, logFile: postgres.logFile, pgRoot, port: pgPort, primary: true}},
      snapshots: {},
    })
    // moto took an automated snapshot when the cluster was created, before there was a data plane: give it the
    // database as it is now (just created, like the cluster it was taken of).
    for (const snapshot of await listClusterSnapshots(await clients.rds(), cluster.clusterId)) {
      // eslint-disable-next-line no-await-in-loop
      await captureSnapshot(paths, {cluster: cluster.clusterId, snapshot: snapshot.DBClusterSnapshotIdentifier!})
    }

    return {alreadyRunning: false, dir: paths.dir, env: sandboxEnvironment(state), state, steps}
  } catch (error) {
    // Leave nothing half-started behind.
    if (started.postgres) await stopPostgres(started.postgres).catch(() => false)
    await stopProcess(started.motoPid)
    throw error
  }
}

async function createMasterUser(port: number, superuserPassword: string, cluster: SeededCluster, masterPassword: string): Promise<void> {
  const {default: pg} = await import('pg')
  const admin = new pg.Client({database: 'postgres', host: '127.0.0.1', password: superuserPassword, port, user: 'postgres'})
  await admin.connect()
  try {
    // Like Aurora's master user: may create databases and roles, but is not a superuser.
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(cluster.username)} LOGIN CREATEDB CREATEROLE PASSWORD ${admin.escapeLiteral(masterPassword)}`)
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
    const {rows} = await client.query<{ssl: boolean; user: string}>('SELECT current_user AS user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
    if (rows[0]?.user !== state.cluster.username || rows[0]?.ssl !== true) {
      throw new AuroraError('SANDBOX', `The seeded secret logged in as ${rows[0]?.user ?? 'nobody'} (TLS ${rows[0]?.ssl ? 'on' : 'off'}); expected ${state.cluster.username} over TLS.`)
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
    [paths.pgRoot, paths.tls, paths.endpointMap, paths.superuser, paths.motoLog, paths.state].map((name) => rm(name, {force: true, recursive: true})),
  )

  return {dir: paths.dir, stopped, wasRunning: state !== undefined}
}

