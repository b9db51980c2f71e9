import {GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {getDatabaseCredentials, parseDatabaseCredentials} from '../../src/lib/aws/secrets.js'

const secretsManager = mockClient(SecretsManagerClient)
const password = 'Pa55-never-printed'

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }

  throw new Error('expected a throw')
}

describe('RDS credentials secret', () => {
  beforeEach(() => secretsManager.reset())

  it('parses the RDS JSON format', () => {
    const secret = JSON.stringify({
      dbClusterIdentifier: 'c',
      dbname: 'app',
      engine: 'postgres',
      host: 'h',
      password,
      port: 5432,
      username: 'u',
    })
    expect(parseDatabaseCredentials(secret, 's')).toEqual({
      dbClusterIdentifier: 'c',
      dbname: 'app',
      engine: 'postgres',
      host: 'h',
      password,
      port: 5432,
      username: 'u',
    })
  })

  it.each([
    [`not json ${password}`, 'is not JSON'],
    [JSON.stringify({password}), 'has no "username" string field'],
    [JSON.stringify({password: '', username: 'u'}), 'has no "password" string field'],
    [JSON.stringify({password, port: 'x', username: 'u'}), 'field "port" is not a TCP port'],
    [JSON.stringify([password]), 'is not a JSON object'],
  ])('rejects a malformed secret without quoting it: %s', (secretString, expected) => {
    const message = messageOf(() => parseDatabaseCredentials(secretString, 'arn:secret'))
    expect(message).toContain(expected)
    expect(message).toContain('arn:secret')
    expect(message).not.toContain(password)
  })

  it('fetches the secret by id, and says plainly when it does not exist', async () => {
    secretsManager.on(GetSecretValueCommand, {SecretId: 'good'}).resolves({SecretString: JSON.stringify({password, username: 'u'})})
    secretsManager
      .on(GetSecretValueCommand, {SecretId: 'missing'})
      .rejects(new ResourceNotFoundException({$metadata: {}, message: "Secrets Manager can't find the specified secret."}))
    const client = new SecretsManagerClient({region: 'us-east-1'})
    expect((await getDatabaseCredentials(client, 'good')).username).toBe('u')
    await expect(getDatabaseCredentials(client, 'missing')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      exitCode: 3,
      message: 'Secret "missing" was not found.',
    })
  })
})
