import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'

import type {SandboxPaths} from './paths.js'
import type {RunAs} from './postgres.js'
import type {SeededCluster} from './seed.js'

import {motoAnswers} from './moto.js'
import {postmasterPid} from './postgres.js'
import {isAlive} from './processes.js'

/** moto accepts any key; fixed values keep `sandbox env` output stable. */
export const sandboxCredentials = {accessKeyId: 'sandbox', secretAccessKey: 'sandbox'}

/** What `sandbox up` leaves in state.json: enough to find, check and stop everything it started. */
export interface SandboxState {
  caCert: string
  cluster: SeededCluster
  endpointMap: string
  moto: {pid: number; port: number; url: string; version: string}
  postgres: {binDir: string; dataDir: string; logFile: string; pgRoot: string; port: number; runAs?: RunAs}
  startedAt: string
  version: 1
}

export async function readSandboxState(paths: SandboxPaths): Promise<SandboxState | undefined> {
  if (!existsSync(paths.state)) return undefined
  try {
    return JSON.parse(await readFile(paths.state, 'utf8')) as SandboxState
  } catch {
    return undefined
  }
}

export interface SandboxHealth {
  moto: boolean
  postgres: boolean
}

export async function sandboxHealth(state: SandboxState): Promise<SandboxHealth> {
  const [moto, pid] = await Promise.all([motoAnswers(state.moto.url), postmasterPid(state.postgres.dataDir)])
  return {moto, postgres: isAlive(pid)}
}

/** Every PostgreSQL server the sandbox runs, from the data plane's registry (the seeded one always first). */
export async function sandboxServers(paths: SandboxPaths, state: SandboxState): Promise<Array<{cluster: string; port: number; primary: boolean; running: boolean}>> {
  const {readRegistry} = await import('./data-plane.js')
  const registry = await readRegistry(paths).catch(() => ({clusters: {}, snapshots: {}}))
  const served = Object.entries(registry.clusters).map(([cluster, server]) => ({cluster, dataDir: server.dataDir, port: server.port, primary: server.primary}))
  if (!served.some((server) => server.primary)) served.push({cluster: state.cluster.clusterId, dataDir: state.postgres.dataDir, port: state.postgres.port, primary: true})
  const servers = await Promise.all(served.map(async ({dataDir, ...server}) => ({...server, running: isAlive(await postmasterPid(dataDir))})))
  return servers.sort((a, b) => Number(b.primary) - Number(a.primary) || a.cluster.localeCompare(b.cluster))
}

/** The variables `sandbox env` prints: after `eval`, every command talks to the sandbox. */
export function sandboxEnvironment(state: SandboxState): Record<string, string> {
  return {
    AURORACTL_CLUSTER: state.cluster.clusterId,
    AURORACTL_ENDPOINT_MAP: state.endpointMap,
    AURORACTL_SECRET: state.cluster.secretArn,
    AWS_ACCESS_KEY_ID: sandboxCredentials.accessKeyId,
    // The AWS CLI v1 reads AWS_DEFAULT_REGION only; v2 and the SDKs read AWS_REGION.
    AWS_DEFAULT_REGION: state.cluster.region,
    AWS_ENDPOINT_URL: state.moto.url,
    AWS_REGION: state.cluster.region,
    AWS_SECRET_ACCESS_KEY: sandboxCredentials.secretAccessKey,
    PGSSLROOTCERT: state.caCert,
  }
}

/**
 * libpq's variables, so a plain `psql` reaches the sandbox cluster's writer with verify-full: PGHOST is the
 * endpoint name (what the certificate names), PGHOSTADDR and PGPORT the local server the endpoint map sends
 * it to. Never the password: psql asks, or `auroractl psql` passes it. `migrate` and `auroractl psql` drop
 * inherited PG* variables for their children, so these never redirect them.
 */
export function sandboxLibpqEnvironment(state: SandboxState): Record<string, string> {
  return {
    PGDATABASE: state.cluster.databaseName,
    PGHOST: state.cluster.writerEndpoint,
    PGHOSTADDR: '127.0.0.1',
    PGPORT: String(state.postgres.port),
    PGSSLMODE: 'verify-full',
    PGUSER: state.cluster.username,
  }
}

/** Variables `sandbox env` unsets: a profile or session token would send real credentials to moto. */
export const sandboxUnsetVariables = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AURORACTL_ENV', 'AURORACTL_TF_DIR', 'AURORACTL_VIA']
