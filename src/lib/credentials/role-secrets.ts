import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {secretsManagerSdk} from '../aws/sdk.js'

/**
 * The contract between `role create` (which makes a secret per role), `role list`, `role rotate` and
 * `role drop` (which find it again): tags on the secret, so the secret can be found from the role and
 * the cluster with one ListSecrets call, whatever the secret is named.
 */
export const roleSecretTags = {
  cluster: 'auroractl:cluster',
  createdBy: 'auroractl:created-by',
  role: 'auroractl:role',
} as const

export const createdByValue = 'auroractl'

/** The secret's JSON: the module's shape (username, password, engine, host, port, dbname) plus the cluster id. */
export interface RoleSecretValue {
  dbClusterIdentifier: string
  dbname: string
  engine: 'postgres'
  host: string
  password: string
  port: number
  username: string
}

export interface RoleSecret {
  arn: string
  name: string
  role: string
}

/** Every secret auroractl made for a role of this cluster (not deleted, not scheduled for deletion). */
export async function listRoleSecrets(secretsManager: SecretsManagerClient, clusterId: string): Promise<RoleSecret[]> {
  const {paginateListSecrets} = secretsManagerSdk()
  const found: RoleSecret[] = []
  const pages = paginateListSecrets(
    {client: secretsManager},
    {
      Filters: [
        {Key: 'tag-key', Values: [roleSecretTags.cluster]},
        {Key: 'tag-value', Values: [clusterId]},
      ],
    },
  )
  for await (const page of pages) {
    for (const secret of page.SecretList ?? []) {
      const tags = Object.fromEntries((secret.Tags ?? []).map((tag) => [tag.Key, tag.Value]))
      // tag-key and tag-value filter independently: keep only secrets whose cluster tag has this value.
      if (tags[roleSecretTags.cluster] !== clusterId || tags[roleSecretTags.createdBy] !== createdByValue) continue
      if (secret.DeletedDate) continue
      const role = tags[roleSecretTags.role]
      if (role && secret.ARN && secret.Name) found.push({arn: secret.ARN, name: secret.Name, role})
    }
  }

  return found
}

/** The secret auroractl made for `role` on this cluster, if any. */
export async function findRoleSecret(
  secretsManager: SecretsManagerClient,
  clusterId: string,
  role: string,
): Promise<RoleSecret | undefined> {
  return (await listRoleSecrets(secretsManager, clusterId)).find((secret) => secret.role === role)
}

/**
 * listRoleSecrets, or null when the caller may not list secrets (secretsmanager:ListSecrets denied): `role list`
 * then shows the roles without their secrets rather than nothing. Any other failure is thrown.
 */
export async function listRoleSecretsIfAllowed(secretsManager: SecretsManagerClient, clusterId: string): Promise<null | RoleSecret[]> {
  try {
    return await listRoleSecrets(secretsManager, clusterId)
  } catch (error) {
    if (['AccessDenied', 'AccessDeniedException'].includes((error as Error).name)) return null
    throw error
  }
}
