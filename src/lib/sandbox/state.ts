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
