import {DescribeSecretCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {buildPsqlInvocation} from '../../src/lib/pg/psql.js'
import {resolveClusterTls} from '../../src/lib/pg/tls.js'
import {formatCredentials, maskedPassword, rotationInProgress, visibleCredentials} from '../../src/lib/secret.js'

const password = "p@ss:w/rd with'quote"
const credentials = {
  dbClusterIdentifier: 'prod',
  dbname: 'app db',
  engine: 'postgres',
  host: 'prod.cluster-x.rds.amazonaws.com',
  password,
  port: 5432,
  username: 'app',
}

describe('secret formats', () => {
  it('masks the password unless revealed, in every format', () => {
    const masked = visibleCredentials(credentials, false)
    expect(masked.password).toBe(maskedPassword)
    for (const format of ['text', 'json', 'uri', 'env', 'pgpass'] as const)
      expect(formatCredentials(masked, format)).not.toContain(password)
  })

  it('percent-encodes the URI and asks for verified TLS with the root certificate file', () => {
    const tls = {sslmode: 'verify-full', sslrootcert: '/home/ops/.cache/auroractl/rds ca&bundle.pem'} as const
    expect(formatCredentials(visibleCredentials(credentials, true), 'uri', tls)).toBe(
      "postgresql://app:p%40ss%3Aw%2Frd%20with'quote@prod.cluster-x.rds.amazonaws.com:5432/app%20db?sslmode=verify-full&sslrootcert=%2Fhome%2Fops%2F.cache%2Fauroractl%2Frds%20ca%26bundle.pem",
    )
    // Only when the user opted out: require, and no root certificate.
    expect(formatCredentials(visibleCredentials(credentials, true), 'uri', {sslmode: 'require'})).toMatch(/\/app%20db\?sslmode=require$/)
  })

  it('quotes env lines for the shell, sets verify-full with PGSSLROOTCERT, and escapes pgpass fields', () => {
    const env = formatCredentials(visibleCredentials(credentials, true), 'env', {sslmode: 'verify-full', sslrootcert: "/tmp/it's/ca.pem"})
    expect(env).toContain(`export PGPASSWORD='p@ss:w/rd with'\\''quote'`)
    expect(env).toContain("export PGSSLMODE='verify-full'")
    expect(env).toContain(`export PGSSLROOTCERT='/tmp/it'\\''s/ca.pem'`)
    const optedOut = formatCredentials(visibleCredentials(credentials, true), 'env', {sslmode: 'require'})
    expect(optedOut).toContain("export PGSSLMODE='require'")
    expect(optedOut).not.toContain('PGSSLROOTCERT')
    expect(formatCredentials(visibleCredentials(credentials, true), 'pgpass')).toBe(
      String.raw`prod.cluster-x.rds.amazonaws.com:5432:app db:app:p@ss\:w/rd with'quote`,
    )
  })
})

describe('rotationInProgress', () => {
  const secretsManager = mockClient(SecretsManagerClient)
  const client = new SecretsManagerClient({region: 'us-east-1'})

  beforeEach(() => secretsManager.reset())

  it('is true only when an AWSPENDING version differs from AWSCURRENT', async () => {
    const cases: Array<[Record<string, string[]>, boolean]> = [
      [{v1: ['AWSCURRENT'], v2: ['AWSPENDING']}, true],
      [{v1: ['AWSCURRENT', 'AWSPENDING']}, false],
      [{v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT']}, false],
    ]
    for (const [stages, expected] of cases) {
      secretsManager.reset()
      secretsManager.on(DescribeSecretCommand).resolves({VersionIdsToStages: stages})
      expect(await rotationInProgress(client, 's'), JSON.stringify(stages)).toBe(expected)
    }
  })
})

describe('psql invocation', () => {
  const address = {host: '127.0.0.1', port: 15_432, route: 'via' as const, servername: 'prod.cluster-x.rds.amazonaws.com'}
  const tls = resolveClusterTls({caBundle: '/ca.pem'}, {})

  it('passes the password in the environment, never in argv', async () => {
    const invocation = await buildPsqlInvocation({address, credentials, database: 'app', tls, userArgs: ['-c', 'select 1']})
    expect(invocation.args).toEqual(['-c', 'select 1'])
    expect(invocation.args.join(' ')).not.toContain(password)
    expect(invocation.env.PGPASSWORD).toBe(password)
  })

  it('connects to the tunnel while verifying the endpoint name (verify-full)', async () => {
    const invocation = await buildPsqlInvocation({address, credentials, database: 'app', tls, userArgs: []})
    expect(invocation.env).toMatchObject({
      PGHOST: 'prod.cluster-x.rds.amazonaws.com',
      PGHOSTADDR: '127.0.0.1',
      PGPORT: '15432',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/ca.pem',
      PGUSER: 'app',
    })
  })
})
