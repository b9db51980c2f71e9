import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it, vi} from 'vitest'

import type {ClusterConnection} from '../../src/lib/target/cluster-connection.js'

import {silentProgress} from '../../src/lib/cli/progress.js'
import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderRoleTable} from '../../src/lib/cli/render/roles.js'
import {
  checkRoleCreateRequest,
  checkSecretNameFree,
  createRoleWithSecret,
  planRoleCreate,
  type RoleCreateFacts,
  type RoleCreatePlan,
  roleSecretTagList,
  secretNameProblem,
} from '../../src/lib/credentials/role-create.js'
import {checkRoleDropName, dropRole, planRoleDrop, type RoleDropFacts, type RoleDropRequest} from '../../src/lib/credentials/role-drop.js'
import {classifyRole, type RoleFacts} from '../../src/lib/credentials/role-list.js'
import {listRoleSecretsIfAllowed} from '../../src/lib/credentials/role-secrets.js'
import {
  createRoleSql,
  createRoleSqlShown,
  dropRoleStatements,
  grantStatements,
  newRoleNameProblem,
  reservedRoleProblem,
} from '../../src/lib/credentials/role-sql.js'
import {serverFactsSql} from '../../src/lib/oncall/sessions.js'

const proveLogin = vi.hoisted(() => vi.fn())
vi.mock('../../src/lib/credentials/login.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/lib/credentials/login.js')>()),
  proveLogin,
}))

const secretsManager = mockClient(SecretsManagerClient)
const password = 'Generated-Password-1234567890abc'

/**
 * A pg client that records every statement and fails the first one matching `failOn` (with `code`, 42501 unless
 * said). The on-call listing's server facts get a row; `rowsFor` answers other statements (default: no rows).
 */
function fakeClient(failOn?: RegExp, options: {code?: string; rowsFor?: (sql: string) => object[] | undefined} = {}) {
  const statements: string[] = []
  let failed = false
  return {
    client: {
      async query(sql: string) {
        statements.push(sql)
        if (failOn && !failed && failOn.test(sql)) {
          failed = true
          throw Object.assign(new Error(`refused: ${sql.split(' ')[0]}`), {code: options.code ?? '42501'})
        }

        if (sql === serverFactsSql) return {rows: [{at: new Date(0), own_pid: 1, version: 150_000}]}
        return {rows: options.rowsFor?.(sql) ?? []}
      },
    },
    statements,
  }
}

const connection = {} as ClusterConnection

/** A shield like BaseCommand.shielded(): `active()` says whether work is running under it. */
function recordingShield() {
  let depth = 0
  return {
    active: () => depth > 0,
    async shield<R>(work: () => Promise<R>): Promise<R> {
      depth++
      try {
        return await work()
      } finally {
        depth--
      }
    },
  }
}

/** The client's statements, and which of them ran shielded. */
function shieldedStatements(client: ReturnType<typeof fakeClient>['client'], active: () => boolean) {
  const shielded: string[] = []
  return {
    client: {
      async query(sql: string) {
        if (active()) shielded.push(sql)
        return client.query(sql)
      },
    },
    shielded,
  }
}

describe('role names', () => {
  it('takes plain lower-case names and refuses the rest with the reason', () => {
    expect(newRoleNameProblem('reporting_ro')).toBeUndefined()
    expect(newRoleNameProblem('_app2')).toBeUndefined()
    expect(newRoleNameProblem('')).toMatch(/empty/)
    expect(newRoleNameProblem('Reporting')).toMatch(/lower-case/)
    expect(newRoleNameProblem('app-ro')).toMatch(/lower-case/)
    expect(newRoleNameProblem('2app')).toMatch(/lower-case/)
    expect(newRoleNameProblem('a'.repeat(64))).toMatch(/longer than 63/)
    expect(newRoleNameProblem('a'.repeat(63))).toBeUndefined()
    expect(newRoleNameProblem('pg_reader')).toMatch(/pg_/)
    expect(newRoleNameProblem('rds_app')).toMatch(/Amazon RDS/)
    expect(newRoleNameProblem('rdsadmin')).toMatch(/Amazon RDS/)
    expect(newRoleNameProblem('public')).toMatch(/reserves/)
    expect(reservedRoleProblem('Some User')).toBeUndefined()
    expect(reservedRoleProblem('PG_Monitor')).toMatch(/pg_/)
  })

  it('checks the request before anything is called: name, schemas, secret name', () => {
    const request = {mode: 'readonly' as const, name: 'app', revokePublicCreate: false}
    expect(() => checkRoleCreateRequest(request)).not.toThrow()
    expect(() => checkRoleCreateRequest({...request, name: 'App'})).toThrow(/NAME: "App"/)
    expect(() => checkRoleCreateRequest({...request, schemas: ['']})).toThrow(/--schema/)
    expect(() => checkRoleCreateRequest({...request, secretName: 'bad name'})).toThrow(/--secret-name/)
    expect(secretNameProblem('nba-tracker-prod/roles/app')).toBeUndefined()
    expect(secretNameProblem('app-abc123')).toMatch(/six characters/)
    expect(secretNameProblem('x'.repeat(513))).toMatch(/512/)
  })
})

describe('the SQL role create runs', () => {
  const plan = {
    connectionLimit: 10,
    database: 'app db',
    defaultPrivilegesFor: ['owner'],
    mode: 'readonly' as const,
    name: 'reporting',
    revokePublicCreate: [],
    schemas: ['public', 'Sales'],
  }

  it('creates a login with every attribute spelled out and the password only as a SCRAM verifier', () => {
    const sql = createRoleSql(plan, "pa'ss")
    expect(sql).toMatch(
      /^CREATE ROLE "reporting" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 10 PASSWORD 'SCRAM-SHA-256\$4096:/,
    )
    expect(sql).not.toContain("pa'ss")
    expect(createRoleSqlShown(plan)).toContain("PASSWORD '<SCRAM-SHA-256 verifier>'")
    expect(createRoleSqlShown(plan)).not.toContain('SCRAM-SHA-256$')
  })

  it('grants read-only: CONNECT, USAGE, SELECT now and by default, nothing on sequences', () => {
    expect(grantStatements(plan)).toEqual([
      'GRANT CONNECT ON DATABASE "app db" TO "reporting"',
      'GRANT USAGE ON SCHEMA "public", "Sales" TO "reporting"',
      'GRANT SELECT ON ALL TABLES IN SCHEMA "public", "Sales" TO "reporting"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "public", "Sales" GRANT SELECT ON TABLES TO "reporting"',
    ])
  })

  it('grants read-write: the four row privileges, sequences, their defaults, and revokes PUBLIC CREATE when asked', () => {
    const statements = grantStatements({...plan, mode: 'readwrite', revokePublicCreate: ['public'], schemas: ['public']})
    expect(statements).toContain('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "reporting"')
    expect(statements).toContain('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "reporting"')
    expect(statements).toContain(
      'ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "reporting"',
    )
    expect(statements).toContain(
      'ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "public" GRANT USAGE, SELECT ON SEQUENCES TO "reporting"',
    )
    expect(statements.at(-1)).toBe('REVOKE CREATE ON SCHEMA "public" FROM PUBLIC')
    expect(statements.join('\n')).not.toMatch(/TRUNCATE|REFERENCES|TRIGGER|GRANT CREATE|ALL PRIVILEGES/)
  })

  it('drops with REASSIGN OWNED only when asked, DROP OWNED before DROP ROLE', () => {
    expect(dropRoleStatements('app')).toEqual(['DROP OWNED BY "app"', 'DROP ROLE "app"'])
    expect(dropRoleStatements('app', 'master')).toEqual(['REASSIGN OWNED BY "app" TO "master"', 'DROP OWNED BY "app"', 'DROP ROLE "app"'])
  })
})

const facts: RoleCreateFacts = {
  canGrantConnect: true,
  database: 'app',
  me: 'master',
  owners: [
    {actsAs: true, name: 'master'},
    {actsAs: false, name: 'migrator'},
  ],
  roleExists: false,
  schemas: [
    {actsAsOwner: true, canGrantUsage: true, name: 'public', owner: 'pg_database_owner', publicCanCreate: false},
    {actsAsOwner: true, canGrantUsage: true, name: 'legacy', owner: 'master', publicCanCreate: true},
    {actsAsOwner: false, canGrantUsage: false, name: 'theirs', owner: 'someone', publicCanCreate: false},
  ],
  ungrantable: [],
}
const request = {mode: 'readonly' as const, name: 'reporting', revokePublicCreate: false}

function refusal(fn: () => unknown): {code: string; exitCode: number; message: string} {
  try {
    fn()
  } catch (error) {
    return error as {code: string; exitCode: number; message: string}
  }

  throw new Error('expected a refusal')
}

describe('planRoleCreate', () => {
  it('plans public by default, default privileges for the owners the master user can act for', () => {
    const plan = planRoleCreate(request, facts, 'master')
    expect(plan).toMatchObject({connectionLimit: -1, defaultPrivilegesFor: ['master'], schemas: ['public'], uncoveredOwners: ['migrator']})
  })

  it('refuses (exit 2) the master user, a taken name, an unknown schema, an ungrantable schema or object', () => {
    expect(refusal(() => planRoleCreate({...request, name: 'master'}, facts, 'master')).message).toMatch(/master user/)
    expect(refusal(() => planRoleCreate(request, {...facts, roleExists: true}, 'master')).message).toMatch(/already exists/)
    const unknown = refusal(() => planRoleCreate({...request, schemas: ['nope']}, facts, 'master'))
    expect(unknown).toMatchObject({code: 'BAD_INPUT', exitCode: 2})
    expect(unknown.message).toMatch(/--schema: no schema "nope"/)
    expect(refusal(() => planRoleCreate({...request, schemas: ['theirs']}, facts, 'master')).message).toMatch(
      /cannot grant USAGE on schema theirs/,
    )
    const ungrantable = {...facts, ungrantable: [{kind: 'table', name: 't', owner: 'someone', schema: 'public'}]}
    expect(refusal(() => planRoleCreate(request, ungrantable, 'master')).message).toMatch(
      /cannot grant on 1 object .*table public.t \(owner someone\)/,
    )
    expect(refusal(() => planRoleCreate(request, {...facts, canGrantConnect: false}, 'master')).message).toMatch(/CONNECT/)
  })

  it('refuses a schema where PUBLIC may create unless --revoke-public-create, and then revokes it there', () => {
    expect(() => planRoleCreate({...request, schemas: ['legacy']}, facts, 'master')).toThrow(/PUBLIC may CREATE in schema legacy/)
    const plan = planRoleCreate({...request, revokePublicCreate: true, schemas: ['legacy', 'public']}, facts, 'master')
    expect(plan.revokePublicCreate).toEqual(['legacy'])
  })
})

describe('the role secret', () => {
  beforeEach(() => secretsManager.reset())

  it('is tagged as auroractl made it, then with the cluster tags AWS allows', () => {
    const tags = roleSecretTagList(
      {
        DBClusterIdentifier: 'prod',
        TagList: [
          {Key: 'team', Value: 'data'},
          {Key: 'aws:cloudformation:stack-name', Value: 'x'},
          {Key: 'auroractl:role', Value: 'someone-else'},
        ],
      },
      'reporting',
    )
    expect(tags).toEqual([
      {Key: 'auroractl:created-by', Value: 'auroractl'},
      {Key: 'auroractl:cluster', Value: 'prod'},
      {Key: 'auroractl:role', Value: 'reporting'},
      {Key: 'team', Value: 'data'},
    ])
  })

  it('needs a free name: taken or scheduled for deletion is exit 2', async () => {
    secretsManager.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({$metadata: {}, message: 'not found'}))
    await expect(checkSecretNameFree(secretsManager as unknown as SecretsManagerClient, 'free')).resolves.toBeUndefined()
    secretsManager.on(DescribeSecretCommand).resolves({ARN: 'arn:x', DeletedDate: new Date('2030-01-01T00:00:00Z')})
    await expect(checkSecretNameFree(secretsManager as unknown as SecretsManagerClient, 'old')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/already exists and is scheduled for deletion/),
    })
  })
})

const createPlan: RoleCreatePlan = {
  clusterId: 'prod',
  connectionLimit: -1,
  database: 'app',
  defaultPrivilegesFor: ['master'],
  host: 'prod.cluster-x.rds.amazonaws.com',
  mode: 'readwrite',
  name: 'ingest',
  port: 5432,
  revokePublicCreate: [],
  schemas: ['public'],
  secretName: 'prod/roles/ingest',
  tags: [],
  uncoveredOwners: [],
}

describe('createRoleWithSecret: both or neither', () => {
  const {signal} = new AbortController()

  beforeEach(() => {
    secretsManager.reset()
    proveLogin.mockReset()
    secretsManager.on(GetRandomPasswordCommand).resolves({RandomPassword: password})
    secretsManager.on(CreateSecretCommand).resolves({ARN: 'arn:secret:ingest'})
    secretsManager.on(DeleteSecretCommand).resolves({})
  })
  const run = (client: ReturnType<typeof fakeClient>['client']) =>
    createRoleWithSecret(
      {client: client as never, connection, secretsManager: secretsManager as unknown as SecretsManagerClient},
      createPlan,
      {progress: silentProgress, signal},
    )

  it('creates the role and grants in one transaction, the secret before COMMIT, then proves the login', async () => {
    proveLogin.mockResolvedValue({accepted: true})
    const {client, statements} = fakeClient()
    await expect(run(client)).resolves.toEqual({loginProven: true, secretArn: 'arn:secret:ingest'})
    expect(statements[0]).toBe('BEGIN')
    expect(statements.at(-1)).toBe('COMMIT')
    const secret = secretsManager.commandCalls(CreateSecretCommand)[0]!.args[0].input
    expect(JSON.parse(secret.SecretString!)).toEqual({
      dbClusterIdentifier: 'prod',
      dbname: 'app',
      engine: 'postgres',
      host: 'prod.cluster-x.rds.amazonaws.com',
      password,
      port: 5432,
      username: 'ingest',
    })
    expect(statements.join('\n')).not.toContain(password)
    expect(secretsManager.commandCalls(GetRandomPasswordCommand)[0]!.args[0].input).toMatchObject({
      PasswordLength: 32,
      RequireEachIncludedType: true,
    })
  })

  it('a grant refused: ROLLBACK, no secret made, the error says so', async () => {
    const {client, statements} = fakeClient(/^GRANT USAGE/)
    await expect(run(client)).rejects.toThrow(
      /Creating role ingest failed: refused: GRANT. Now: role ingest does not exist; no secret was created/,
    )
    expect(statements.at(-1)).toBe('ROLLBACK')
    expect(secretsManager.commandCalls(CreateSecretCommand)).toHaveLength(0)
  })

  it('the secret refused: ROLLBACK, nothing left', async () => {
    secretsManager.on(CreateSecretCommand).rejects(Object.assign(new Error('denied'), {$metadata: {}, name: 'AccessDeniedException'}))
    const {client, statements} = fakeClient()
    await expect(run(client)).rejects.toThrow(/AccessDeniedException.*role ingest does not exist; no secret was created/)
    expect(statements).not.toContain('COMMIT')
    expect(statements.at(-1)).toBe('ROLLBACK')
  })

  it('COMMIT failed and the new password is refused: the secret is force-deleted', async () => {
    proveLogin.mockResolvedValue({accepted: false, failure: {kind: 'auth', transient: false}, reason: 'password authentication failed'})
    const {client} = fakeClient(/^COMMIT/)
    await expect(run(client)).rejects.toThrow(/role ingest does not exist; secret prod\/roles\/ingest was deleted/)
    expect(secretsManager.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({
      ForceDeleteWithoutRecovery: true,
      SecretId: 'arn:secret:ingest',
    })
  })

  it('COMMIT failed but the new password logs in: it committed, and both are kept', async () => {
    proveLogin.mockResolvedValue({accepted: true})
    const {client} = fakeClient(/^COMMIT/)
    await expect(run(client)).resolves.toEqual({loginProven: true, secretArn: 'arn:secret:ingest'})
    expect(secretsManager.commandCalls(DeleteSecretCommand)).toHaveLength(0)
  })

  it('committed but the password refused: the role is dropped and the secret deleted', async () => {
    proveLogin.mockResolvedValue({accepted: false, failure: {kind: 'auth', transient: false}, reason: 'password authentication failed'})
    const {client, statements} = fakeClient()
    await expect(run(client)).rejects.toThrow(
      /refused the new password.*role ingest does not exist; secret prod\/roles\/ingest was deleted/,
    )
    expect(statements.slice(-5)).toEqual([
      'BEGIN',
      'GRANT "ingest" TO CURRENT_USER',
      'DROP OWNED BY "ingest"',
      'DROP ROLE "ingest"',
      'COMMIT',
    ])
  })

  it('interrupted before COMMIT: ROLLBACK and the secret deleted, exit 130', async () => {
    const controller = new AbortController()
    const {client, statements} = fakeClient()
    secretsManager.on(CreateSecretCommand).callsFake(async () => {
      controller.abort()
      return {ARN: 'arn:secret:ingest'}
    })
    await expect(
      createRoleWithSecret(
        {client: client as never, connection, secretsManager: secretsManager as unknown as SecretsManagerClient},
        createPlan,
        {progress: silentProgress, signal: controller.signal},
      ),
    ).rejects.toMatchObject({code: 'INTERRUPTED', exitCode: 130})
    expect(statements).not.toContain('COMMIT')
    expect(secretsManager.commandCalls(DeleteSecretCommand)).toHaveLength(1)
  })

  it("its clean-up runs shielded: a second Ctrl-C cannot cut the role's drop or the secret's deletion short", async () => {
    proveLogin.mockResolvedValue({accepted: false, failure: {kind: 'auth', transient: false}, reason: 'password authentication failed'})
    const {active, shield} = recordingShield()
    const deletedShielded: boolean[] = []
    secretsManager.on(DeleteSecretCommand).callsFake(async () => {
      deletedShielded.push(active())
      return {}
    })
    const tracked = shieldedStatements(fakeClient().client, active)
    await expect(
      createRoleWithSecret(
        {client: tracked.client as never, connection, secretsManager: secretsManager as unknown as SecretsManagerClient},
        createPlan,
        {progress: silentProgress, shield, signal},
      ),
    ).rejects.toThrow(/refused the new password/)
    expect(tracked.shielded).toEqual(['BEGIN', 'GRANT "ingest" TO CURRENT_USER', 'DROP OWNED BY "ingest"', 'DROP ROLE "ingest"', 'COMMIT'])
    expect(deletedShielded).toEqual([true])
  })
})

const base: RoleFacts = {
  bypassRls: false,
  createDb: false,
  createIn: [],
  createRole: false,
  defaults: [],
  ownedObjects: 0,
  ownsDatabase: false,
  rdsSuperuser: false,
  replication: false,
  superuser: false,
  tables: [],
}
const access = (schema: string, tables: number, counts: Partial<Record<'delete' | 'insert' | 'other' | 'select' | 'update', number>>) => ({
  delete: 0,
  insert: 0,
  other: 0,
  schema,
  select: 0,
  tables,
  update: 0,
  ...counts,
})

describe('classifyRole: privileges in words', () => {
  it('superuser-like before owner before anything else', () => {
    expect(classifyRole({...base, ownsDatabase: true, superuser: true}).privileges).toBe('superuser-like')
    expect(classifyRole({...base, rdsSuperuser: true})).toMatchObject({detail: 'member of rds_superuser', privileges: 'superuser-like'})
    expect(classifyRole({...base, ownsDatabase: true}).privileges).toBe('owner')
    expect(classifyRole({...base, ownedObjects: 3})).toMatchObject({detail: 'owns 3 objects', privileges: 'owner'})
  })

  it('read-only and read-write from every reachable table and the default privileges', () => {
    expect(classifyRole({...base, defaults: [{privileges: ['SELECT'], schema: 'app'}], tables: [access('app', 4, {select: 4})]})).toEqual({
      detail: '',
      privileges: 'read-only',
      schemas: ['app'],
    })
    const rw = {...base, tables: [access('public', 2, {delete: 2, insert: 2, select: 2, update: 2})]}
    expect(classifyRole(rw).privileges).toBe('read-write')
    // A new role on an empty schema: only its default privileges say what it is.
    expect(classifyRole({...base, defaults: [{privileges: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'], schema: 'app'}]}).privileges).toBe(
      'read-write',
    )
    // Schemas it cannot use a table of do not count against it.
    expect(classifyRole({...base, tables: [access('app', 4, {select: 4}), access('public', 9, {})]}).schemas).toEqual(['app'])
  })

  it('custom for partial grants, more than rows, mixed modes, or powers beyond them; login only for nothing', () => {
    expect(classifyRole({...base, tables: [access('app', 5, {select: 2})]})).toMatchObject({
      detail: expect.stringMatching(/on 5 tables in app: SELECT 2/),
      privileges: 'custom',
    })
    expect(classifyRole({...base, tables: [access('app', 1, {other: 1, select: 1})]}).privileges).toBe('custom')
    expect(
      classifyRole({...base, tables: [access('a', 1, {select: 1}), access('b', 1, {delete: 1, insert: 1, select: 1, update: 1})]}).detail,
    ).toMatch(/read-only in some schemas/)
    expect(
      classifyRole({
        ...base,
        defaults: [{privileges: ['SELECT'], schema: 'app'}],
        tables: [access('app', 1, {delete: 1, insert: 1, select: 1, update: 1})],
      }).detail,
    ).toMatch(/read-write on its tables, read-only on future ones/)
    expect(classifyRole({...base, createIn: ['public'], tables: [access('app', 1, {select: 1})]})).toMatchObject({
      detail: 'CREATE on schema public',
      privileges: 'custom',
    })
    expect(classifyRole({...base, createRole: true})).toMatchObject({detail: 'CREATEROLE', privileges: 'custom'})
    expect(classifyRole(base)).toMatchObject({detail: '', privileges: 'login only'})
  })
})

describe('role list at 80 columns', () => {
  it('one line a role, its detail folded and its secret under it', () => {
    const entry = {connectionLimit: null, connections: 0, detail: '', master: false, memberOf: [], schemas: ['public'], secret: null}
    const text = renderRoleTable(
      {
        database: 'nbatracker',
        roles: [
          {
            ...entry,
            name: 'app_reporting_readonly',
            privileges: 'read-only',
            secret: {arn: 'arn:s', name: 'nba-tracker-prod/roles/app_reporting_readonly'},
          },
          {...entry, connectionLimit: 20, connections: 12, name: 'ingest', privileges: 'read-write', schemas: ['app', 'staging']},
          {
            ...entry,
            detail: 'on 12 tables in app: SELECT 12, INSERT 3, UPDATE 3, DELETE 0, read-only in some schemas, read-write in others',
            name: 'etl',
            privileges: 'custom',
          },
          {...entry, detail: 'owns the database', master: true, name: 'nbatracker', privileges: 'owner', schemas: []},
        ],
      },
      createPalette({json: false, noColorFlag: true}),
      80,
    )
    const lines = text.split('\n')
    expect(lines.slice(0, 4)).toEqual([
      'Login roles of database nbatracker:',
      'Role                    Privileges  Schemas       Limit  Sessions',
      'app_reporting_readonly  read-only   public            -         0',
      '    secret nba-tracker-prod/roles/app_reporting_readonly',
    ])
    expect(text).toContain('\nnbatracker (master)     owner       -                 -         0\n    owns the database')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80)
    expect(lines.filter((line) => line.startsWith('    ') && !line.includes('secret')).length).toBeGreaterThan(2)
  })
})

const dropFacts: RoleDropFacts = {
  actsAs: false,
  canLogin: true,
  database: 'app',
  isMe: false,
  me: 'master',
  oid: '16400',
  otherDatabases: [],
  owned: [],
  rdsSuperuser: false,
  sessions: [],
  superuser: false,
}
const dropRequest: RoleDropRequest = {includeUnmanaged: false, name: 'ingest', recoveryWindowDays: 30, sessions: {mode: 'refuse'}}
const secret = {arn: 'arn:secret:ingest', name: 'prod/roles/ingest', role: 'ingest'}

/** planRoleDrop on the base request and facts with these changes, as a function to call. */
const refused =
  (request: Partial<RoleDropRequest>, facts: Partial<RoleDropFacts> | undefined, withSecret = true) =>
  () => {
    checkRoleDropName(request.name ?? dropRequest.name)
    return planRoleDrop({...dropRequest, ...request}, facts && {...dropFacts, ...facts}, {
      masterUsername: 'master',
      secret: withSecret ? secret : null,
    })
  }

describe('planRoleDrop: the refusals', () => {
  it('names what the role owns, and takes --reassign-to', () => {
    const owned = [
      {kind: 'schema', name: 'stuff'},
      {kind: 'table', name: 'stuff.t'},
    ]
    expect(refused({}, {owned})).toThrow(/owns 2 objects in database app: schema stuff, table stuff\.t; nothing was dropped/)
    expect(refused({reassignTo: 'master'}, {owned, reassignTarget: {exists: true, usable: true}})()).toMatchObject({
      owned,
      statements: ['REASSIGN OWNED BY "ingest" TO "master"', 'DROP OWNED BY "ingest"', 'DROP ROLE "ingest"'],
    })
    expect(refused({reassignTo: 'nobody'}, {owned, reassignTarget: {exists: false, usable: false}})).toThrow(/no role "nobody"/)
    expect(refused({reassignTo: 'other'}, {owned, reassignTarget: {exists: true, usable: false}})).toThrow(/may not hand objects/)
    expect(refused({reassignTo: 'ingest'}, {owned})).toThrow(/names the role being dropped/)
  })

  it('refuses missing (exit 3), the master user, superusers, unmanaged roles, other databases, live sessions', () => {
    expect(refused({}, undefined)).toThrow(
      expect.objectContaining({exitCode: 3, hint: expect.stringMatching(/prod\/roles\/ingest is left over/)}),
    )
    expect(refused({name: 'master'}, {})).toThrow(/master user/)
    expect(refused({}, {rdsSuperuser: true})).toThrow(/rds_superuser/)
    expect(refused({}, {}, false)).toThrow(/was not created by auroractl/)
    expect(refused({includeUnmanaged: true}, {}, false)()).toMatchObject({secret: null})
    expect(refused({}, {otherDatabases: [{database: 'reports', objects: 3}]})).toThrow(/other databases too: reports \(3\)/)
    const sessions = [{application: 'api', backendStart: 'x', client: '10.0.0.5:4242', database: 'app', pid: 42, state: 'idle'}]
    expect(refused({}, {sessions})).toThrow(/1 open session: pid 42 \(api, 10\.0\.0\.5:4242, app\)/)
    expect(refused({sessions: {mode: 'terminate'}}, {sessions})().steps.join('\n')).toMatch(/pg_terminate_backend: pid 42/)
    expect(refused({name: 'rdsadmin'}, {})).toThrow(/Amazon RDS/)
  })
})

describe('dropRole: nothing changed unless everything is', () => {
  beforeEach(() => secretsManager.reset())
  const plan = planRoleDrop(dropRequest, dropFacts, {masterUsername: 'master', secret})
  const run = (client: ReturnType<typeof fakeClient>['client']) =>
    dropRole({client: client as never, secretsManager: secretsManager as unknown as SecretsManagerClient}, plan, {
      progress: silentProgress,
      signal: new AbortController().signal,
    })

  it('NOLOGIN first, then one transaction with the secret scheduled for deletion before COMMIT', async () => {
    secretsManager.on(DeleteSecretCommand).resolves({DeletionDate: new Date('2030-01-31T00:00:00Z')})
    const {client, statements} = fakeClient()
    const outcome = await run(client)
    expect(statements.filter((sql) => !sql.startsWith('\n') && !sql.trimStart().startsWith('SELECT'))).toEqual([
      'GRANT "ingest" TO CURRENT_USER',
      'ALTER ROLE "ingest" NOLOGIN',
      'BEGIN',
      'DROP OWNED BY "ingest"',
      'DROP ROLE "ingest"',
      'COMMIT',
    ])
    expect(secretsManager.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({
      RecoveryWindowInDays: 30,
      SecretId: 'arn:secret:ingest',
    })
    expect(outcome.secretDeletion).toMatchObject({deletionDate: '2030-01-31T00:00:00.000Z', recoveryWindowDays: 30})
  })

  it('the secret deletion refused: ROLLBACK, LOGIN given back, membership revoked', async () => {
    secretsManager.on(DeleteSecretCommand).rejects(Object.assign(new Error('denied'), {$metadata: {}, name: 'AccessDeniedException'}))
    const {client, statements} = fakeClient()
    await expect(run(client)).rejects.toThrow(
      /Nothing was dropped: role ingest is as before \(LOGIN restored\), and its secret prod\/roles\/ingest is untouched/,
    )
    expect(statements.slice(-3)).toEqual(['ROLLBACK', 'ALTER ROLE "ingest" LOGIN', 'REVOKE "ingest" FROM CURRENT_USER'])
  })

  it('interrupted before COMMIT: ROLLBACK, LOGIN back, the secret untouched, exit 130', async () => {
    const controller = new AbortController()
    controller.abort()
    const {client, statements} = fakeClient()
    await expect(
      dropRole({client: client as never, secretsManager: secretsManager as unknown as SecretsManagerClient}, plan, {
        progress: silentProgress,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({code: 'INTERRUPTED', exitCode: 130})
    expect(statements).not.toContain('COMMIT')
    expect(statements.slice(-3)).toEqual(['ROLLBACK', 'ALTER ROLE "ingest" LOGIN', 'REVOKE "ingest" FROM CURRENT_USER'])
    expect(secretsManager.commandCalls(DeleteSecretCommand)).toHaveLength(0)
  })

  it('a role that cannot log in (--include-unmanaged) is not made NOLOGIN, and never given LOGIN on a failure', async () => {
    const groupPlan = planRoleDrop(
      {...dropRequest, includeUnmanaged: true},
      {...dropFacts, canLogin: false},
      {masterUsername: 'master', secret: null},
    )
    expect(groupPlan.steps.join('\n')).not.toContain('NOLOGIN')
    const {client, statements} = fakeClient(/^DROP ROLE/)
    await expect(
      dropRole({client: client as never, secretsManager: secretsManager as unknown as SecretsManagerClient}, groupPlan, {
        progress: silentProgress,
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/Nothing was dropped: role ingest is as before\./)
    expect(statements.filter((sql) => /LOGIN/.test(sql))).toEqual([])
    expect(statements.at(-1)).toBe('REVOKE "ingest" FROM CURRENT_USER')
  })

  it('DROP ROLE refused: the secret is never touched', async () => {
    const {client, statements} = fakeClient(/^DROP ROLE/)
    await expect(run(client)).rejects.toThrow(/Nothing was dropped/)
    expect(secretsManager.commandCalls(DeleteSecretCommand)).toHaveLength(0)
    expect(statements).toContain('ALTER ROLE "ingest" LOGIN')
  })

  it('a lock waited for past lock_timeout: exit 5 pointing to auroractl locks; ROLLBACK, LOGIN back, the secret untouched', async () => {
    const {client, statements} = fakeClient(/^DROP OWNED/, {code: '55P03'})
    await expect(run(client)).rejects.toMatchObject({
      code: 'TIMED_OUT',
      exitCode: 5,
      hint: expect.stringMatching(/auroractl locks/),
      message: expect.stringMatching(/waited over 5s for a lock.*Nothing was dropped: role ingest is as before \(LOGIN restored\)/),
    })
    expect(statements.slice(-3)).toEqual(['ROLLBACK', 'ALTER ROLE "ingest" LOGIN', 'REVOKE "ingest" FROM CURRENT_USER'])
    expect(secretsManager.commandCalls(DeleteSecretCommand)).toHaveLength(0)
  })

  it("the secret's deletion, COMMIT and the undo run shielded (a second Ctrl-C cannot split them)", async () => {
    const deletedShielded: boolean[] = []
    const {active, shield} = recordingShield()
    secretsManager.on(DeleteSecretCommand).callsFake(async () => {
      deletedShielded.push(active())
      return {}
    })
    const deps = (client: {query(sql: string): Promise<unknown>}) => ({
      client: client as never,
      secretsManager: secretsManager as unknown as SecretsManagerClient,
    })
    const done = shieldedStatements(fakeClient().client, active)
    await dropRole(deps(done.client), plan, {progress: silentProgress, shield, signal: new AbortController().signal})
    expect(done.shielded).toEqual(['COMMIT'])
    expect(deletedShielded).toEqual([true])
    const failed = shieldedStatements(fakeClient(/^DROP ROLE/).client, active)
    await expect(
      dropRole(deps(failed.client), plan, {progress: silentProgress, shield, signal: new AbortController().signal}),
    ).rejects.toThrow(/Nothing was dropped/)
    expect(failed.shielded).toEqual(['ALTER ROLE "ingest" LOGIN', 'REVOKE "ingest" FROM CURRENT_USER'])
  })

  describe('--terminate-sessions', () => {
    const sessionRow = {
      application: 'api',
      backend_start: '2030-01-01T00:00:00.000000Z',
      backend_type: 'client backend',
      blocked_by: [],
      client_addr: '10.0.0.5',
      client_port: 4242,
      database: 'app',
      matches: true,
      pid: 42,
      query: 'SELECT 1',
      query_ms: null,
      state: 'idle',
      state_ms: '1000',
      superuser: false,
      transaction_ms: null,
      user: 'ingest',
      wait_event: null,
      wait_event_type: null,
    }
    const terminatePlan = planRoleDrop(
      {...dropRequest, sessions: {mode: 'terminate'}},
      {
        ...dropFacts,
        sessions: [
          {application: 'api', backendStart: sessionRow.backend_start, client: '10.0.0.5:4242', database: 'app', pid: 42, state: 'idle'},
        ],
      },
      {masterUsername: 'master', secret},
    )
    /** The role's session is listed until it is ended. */
    const withSession = (endedRow: object | undefined, code?: string) => {
      let ended = false
      return fakeClient(endedRow ? undefined : /AS same_session/, {
        code,
        rowsFor(sql) {
          if (sql.includes('AS same_session')) {
            ended = true
            return endedRow ? [endedRow] : []
          }

          if (sql.includes('pg_blocking_pids')) return ended ? [] : [sessionRow]
          return undefined
        },
      })
    }

    const drop = (client: ReturnType<typeof fakeClient>['client']) =>
      dropRole({client: client as never, secretsManager: secretsManager as unknown as SecretsManagerClient}, terminatePlan, {
        progress: silentProgress,
        signal: new AbortController().signal,
      })

    it('ends each session only while its pid, start time and user still match, and reports the pids ended', async () => {
      secretsManager.on(DeleteSecretCommand).resolves({})
      const {client, statements} = withSession({matches: true, same_session: true, signalled: true})
      await expect(drop(client)).resolves.toMatchObject({sessionsEnded: [42]})
      const ending = statements.find((sql) => sql.includes('AS same_session'))!
      expect(ending).toMatch(/pg_terminate_backend\(a\.pid, \$3::bigint\)/)
      expect(ending).toMatch(/a\.usename = ANY\(\$4::text\[\]\)/)
      expect(statements.at(-1)).toBe('COMMIT')
    })

    it('a session the server does not let it end: named, and everything given back', async () => {
      const {client, statements} = withSession(undefined, '42501')
      await expect(drop(client)).rejects.toThrow(/did not let ingest's session\(s\) be ended: pid 42 .*Nothing was dropped/)
      expect(statements).not.toContain('BEGIN')
      expect(statements.slice(-2)).toEqual(['ALTER ROLE "ingest" LOGIN', 'REVOKE "ingest" FROM CURRENT_USER'])
    })
  })
})

describe('role list without secretsmanager:ListSecrets', () => {
  beforeEach(() => secretsManager.reset())
  // The paginator wants a real client; mockClient answers its send().
  const sm = new SecretsManagerClient({region: 'us-east-1'})

  it('AccessDenied: null (the roles are listed without secrets); any other failure is thrown', async () => {
    secretsManager
      .on(ListSecretsCommand)
      .rejects(Object.assign(new Error('not authorized'), {$metadata: {}, name: 'AccessDeniedException'}))
    await expect(listRoleSecretsIfAllowed(sm, 'prod')).resolves.toBeNull()
    secretsManager.on(ListSecretsCommand).rejects(Object.assign(new Error('throttled'), {$metadata: {}, name: 'ThrottlingException'}))
    await expect(listRoleSecretsIfAllowed(sm, 'prod')).rejects.toThrow(/throttled/)
    secretsManager.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: 'arn:secret:ingest',
          Name: 'prod/roles/ingest',
          Tags: [
            {Key: 'auroractl:cluster', Value: 'prod'},
            {Key: 'auroractl:created-by', Value: 'auroractl'},
            {Key: 'auroractl:role', Value: 'ingest'},
          ],
        },
      ],
    })
    await expect(listRoleSecretsIfAllowed(sm, 'prod')).resolves.toEqual([secret])
  })
})
