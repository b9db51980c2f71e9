import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand} from '@aws-sdk/client-secrets-manager'

import type {DatabaseCredentials} from '../../src/lib/aws/secrets.js'
import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {describeCluster} from '../../src/lib/aws/rds.js'
import {createdByValue, roleSecretTags} from '../../src/lib/credentials/role-secrets.js'
import {classifyConnectError} from '../../src/lib/pg/errors.js'
import {resolveClusterTls} from '../../src/lib/pg/tls.js'
import {connectToCluster} from '../../src/lib/target/cluster-connection.js'
import {loadEndpointMap, resolveConnectAddress} from '../../src/lib/target/endpoint-map.js'
import {sandboxClients, sandboxEnv} from './sandbox-clients.js'

/** The route to a sandbox cluster's writer as a command resolves it (endpoint map, verify-full with the sandbox CA), logged in as `credentials`. */
export async function clusterConnection(clusterId: string, credentials: DatabaseCredentials): Promise<ClusterConnection> {
  const env = sandboxEnv()
  const cluster = await describeCluster(await sandboxClients().rds(), clusterId)
  return {
    address: resolveConnectAddress(cluster.Endpoint!, cluster.Port ?? 5432, {
      endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    }),
    cluster,
    credentials,
    database: credentials.dbname ?? cluster.DatabaseName ?? 'postgres',
    endpoint: {kind: 'writer'},
    tls: resolveClusterTls({caBundle: env.PGSSLROOTCERT}),
  }
}

/** True when the server accepts the password, false when it refuses it; anything else (network, TLS) throws. */
export async function logsIn(connection: ClusterConnection, username: string, password: string): Promise<boolean> {
  try {
    const client = await connectToCluster(
      {...connection, credentials: {...connection.credentials, password, username}},
      {applicationName: 'rotation-test'},
    )
    await client.end()
    return true
  } catch (error) {
    if (classifyConnectError(error).kind === 'auth') return false
    throw error
  }
}

/** A secret in the module's JSON shape, tagged as `role create` tags a role's secret. */
export async function createRoleSecret(
  secretsManager: SecretsManagerClient,
  name: string,
  value: {clusterId: string; host: string; password: string; username: string},
): Promise<string> {
  const {ARN: arn} = await secretsManager.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({
        dbClusterIdentifier: value.clusterId,
        dbname: 'nbatracker',
        engine: 'postgres',
        host: value.host,
        password: value.password,
        port: 5432,
        username: value.username,
      }),
      Tags: [
        {Key: roleSecretTags.cluster, Value: value.clusterId},
        {Key: roleSecretTags.createdBy, Value: createdByValue},
        {Key: roleSecretTags.role, Value: value.username},
      ],
    }),
  )
  return arn!
}

export async function deleteSecret(secretsManager: SecretsManagerClient, id: string): Promise<void> {
  await secretsManager.send(new DeleteSecretCommand({ForceDeleteWithoutRecovery: true, SecretId: id})).catch(() => {})
}

/** The labels on each version, and the password GetSecretValue gives without naming a version (what applications read). */
export async function secretState(
  secretsManager: SecretsManagerClient,
  id: string,
): Promise<{current: string; password: string; pending?: string; previous?: string; stages: Record<string, string[]>}> {
  const {VersionIdsToStages: stages = {}} = await secretsManager.send(new DescribeSecretCommand({SecretId: id}))
  const find = (stage: string) => Object.entries(stages).find(([, labels]) => labels.includes(stage))?.[0]
  const {SecretString: text} = await secretsManager.send(new GetSecretValueCommand({SecretId: id}))
  return {
    current: find('AWSCURRENT')!,
    password: (JSON.parse(text!) as {password: string}).password,
    pending: find('AWSPENDING'),
    previous: find('AWSPREVIOUS'),
    stages,
  }
}

/** The password a version holds (an abandoned one, to prove it was never printed). */
export async function versionPassword(secretsManager: SecretsManagerClient, id: string, versionId: string): Promise<string> {
  const {SecretString: text} = await secretsManager.send(new GetSecretValueCommand({SecretId: id, VersionId: versionId}))
  return (JSON.parse(text!) as {password: string}).password
}

type Middlewared = {middlewareStack: {add: (middleware: never, options: {name: string; step: 'initialize'}) => void}}

/**
 * Runs `action` once (or on every call, `always`), on the first call of `command` that `matches` (its input, and after the call its output):
 * before the call (`when: 'before'`, e.g. throw to fail it) or after it went through (`when: 'after'`, e.g.
 * abort the signal, or change something the next step will find).
 */
export function onCall(
  client: Middlewared,
  command: string,
  options: {
    action: () => unknown
    /** Every matching call, not only the first. */
    always?: boolean
    matches?: (input: Record<string, unknown>, output?: Record<string, unknown>) => boolean
    when: 'after' | 'before'
  },
): {fired: () => number} {
  let fired = 0
  const armed = () => options.always || fired === 0
  const middleware =
    (next: (args: {input: Record<string, unknown>}) => Promise<{output: Record<string, unknown>}>, context: {commandName?: string}) =>
    async (args: {input: Record<string, unknown>}) => {
      if (armed() && options.when === 'before' && context.commandName === command && (options.matches?.(args.input) ?? true)) {
        fired++
        await options.action()
      }

      const result = await next(args)
      if (
        armed() &&
        options.when === 'after' &&
        context.commandName === command &&
        (options.matches?.(args.input, result.output) ?? true)
      ) {
        fired++
        await options.action()
      }

      return result
    }

  client.middlewareStack.add(middleware as never, {name: `test-${command}-${Math.random()}`, step: 'initialize'})
  return {fired: () => fired}
}

/** An error as the SDK raises a service's 5xx after its retries. */
export function serviceError(message: string): Error {
  return Object.assign(new Error(message), {$fault: 'server', $metadata: {attempts: 4, httpStatusCode: 500}, name: 'InternalServiceError'})
}
