import {DescribeDBClustersCommand} from '@aws-sdk/client-rds'
import {DeleteSecretCommand, DescribeSecretCommand, ListSecretsCommand} from '@aws-sdk/client-secrets-manager'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RoleCreateOutput} from '../../src/commands/role/create.js'
import type {RoleDropOutput} from '../../src/commands/role/drop.js'
import type {DatabaseCredentials} from '../../src/lib/aws/secrets.js'
import type {RoleList} from '../../src/lib/credentials/role-list.js'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {type EndpointMap, loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * Roles are cluster-wide and other test files share the server: every role here starts with `prefix`, every
 * object lives in this file's own two databases, every session is tagged `tag`, and afterAll removes them all.
 */
const suffix = `${process.pid}_${Date.now().toString(36)}`
const prefix = `rt_${suffix}_`
const tag = `roles-${suffix}`
const database = `roles_${suffix}`
const otherDatabase = `roles_${suffix}_b`
const cluster = 'nba-tracker-dev'
const role = {
  app: `${prefix}app`,
  kept: `${prefix}kept`,
  lock: `${prefix}lock`,
  manual: `${prefix}manual`,
  owner: `${prefix}owner`,
  pub: `${prefix}pub`,
  ro: `${prefix}ro`,
  rw: `${prefix}rw`,
  sess: `${prefix}sess`,
}
const secretName = (name: string) => `${cluster}/roles/${name}`

let master: DatabaseCredentials
let endpointMap: EndpointMap
const opened: pg.Client[] = []
const secrets: Record<string, string> = {}

async function cli<T>(args: string[]): Promise<{exitCode: number; json: T; stderr: string; stdout: string}> {
  const result = await runCli(args, {env: {...sandboxEnv(), AURORACTL_CLUSTER: cluster}})
  let json = undefined as T
  if (args.includes('--json') && result.stdout) json = JSON.parse(result.stdout) as T
  return {...result, json}
}

/** A session with these credentials (the secret's own host, through the endpoint map), tagged. */
async function connect(credentials: DatabaseCredentials, options: {database?: string} = {}): Promise<pg.Client> {
  const client = await connectWithCredentials(credentials, {
    applicationName: tag,
    caFile: sandboxEnv().PGSSLROOTCERT,
    endpointMap,
    ...options,
  })
  client.on('error', () => {})
  opened.push(client)
  return client
}

/** Logs in with the role's own secret, as an application would. */
async function loginAs(name: string): Promise<pg.Client> {
  return connect(await getDatabaseCredentials(await sandboxClients().secretsManager(), secrets[name]!))
}

async function roleExists(name: string): Promise<boolean> {
  const admin = await connect(master)
  try {
    const {rows} = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])
    return rows.length > 0
  } finally {
    await admin.end()
  }
}

/** The secret's DeletedDate, or 'none' when there is no such secret. */
async function secretState(name: string): Promise<'none' | {deleted?: Date}> {
  try {
    const described = await (await sandboxClients().secretsManager()).send(new DescribeSecretCommand({SecretId: name}))
    return {deleted: described.DeletedDate}
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return 'none'
    throw error
  }
}

async function createRole(name: string, args: string[]): Promise<RoleCreateOutput> {
  const result = await cli<RoleCreateOutput>(['role', 'create', name, ...args, '--json'])
  expect(result.exitCode, result.stderr).toBe(0)
  secrets[name] = result.json.secret.arn!
  return result.json
}

/** Fails with SQLSTATE 42501 (insufficient_privilege). */
async function denied(client: pg.Client, sql: string): Promise<void> {
  await expect(client.query(sql), sql).rejects.toMatchObject({code: '42501'})
}

/** DROP DATABASE, again until our own sessions, just ended, are gone (up to a deadline). */
async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`)
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => {
        setTimeout(resolve, 250)
      })
    }
  }
}

/**
 * role.kept stays as it is: it exists, logs in with its secret, and the secret is not scheduled for deletion.
 * The login ends and is waited out (to a deadline): the next run must not find it as an open session.
 */
async function unchanged(): Promise<void> {
  expect(await roleExists(role.kept)).toBe(true)
  const login = await loginAs(role.kept)
  await login.query('SELECT 1')
  await login.end()
  expect(await secretState(secretName(role.kept))).toEqual({deleted: undefined})
  const admin = await connect(master)
  try {
    const deadline = Date.now() + 10_000
    while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE usename = $1', [role.kept])).rows.length > 0) {
      if (Date.now() > deadline) throw new Error(`${role.kept}'s session is still open after 10 s`)
      await new Promise((resolve) => {
        setTimeout(resolve, 100)
      })
    }
  } finally {
    await admin.end()
  }
}

let created: RoleCreateOutput

beforeAll(async () => {
  const env = sandboxEnv()
  master = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
  endpointMap = await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!)
  const admin = await connect(master)
  await admin.query(`CREATE DATABASE ${database}`)
  await admin.query(`CREATE DATABASE ${otherDatabase}`)
  await admin.end()
  const db = await connect(master, {database})
  await db.query(`
    CREATE TABLE games (id serial PRIMARY KEY, name text);
    INSERT INTO games (name) VALUES ('opener');
    CREATE SCHEMA other;
    CREATE TABLE other.stats (id int);
    INSERT INTO other.stats VALUES (1);`)
  await db.end()
  created = await createRole(role.ro, ['--readonly', '--database', database])
  await createRole(role.rw, ['--readwrite', '--database', database, '--connection-limit', '3'])
  await createRole(role.app, ['--readonly', '--schema', 'other', '--database', database])
}, 120_000)

afterAll(async () => {
  await Promise.all(opened.map((client) => client.end().catch(() => {})))
  const admin = await connect(master)
  try {
    // Dropping the databases takes every object and privilege in them; the roles then have nothing left anywhere.
    for (const name of [database, otherDatabase]) await dropDatabase(admin, name)
    for (const name of Object.values(role)) await admin.query(`DROP ROLE IF EXISTS ${name}`)
  } finally {
    await admin.end()
  }

  const secretsManager = await sandboxClients().secretsManager()
  const {SecretList = []} = await secretsManager.send(
    new ListSecretsCommand({Filters: [{Key: 'name', Values: [secretName(prefix)]}], IncludePlannedDeletion: true}),
  )
  for (const secret of SecretList)
    await secretsManager.send(new DeleteSecretCommand({ForceDeleteWithoutRecovery: true, SecretId: secret.ARN})).catch(() => {})
}, 60_000)

describe('role create', () => {
  it('makes a role whose secret psql and secret get use, and prints the ARN, never the password', async () => {
    const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), secrets[role.ro]!)
    const {DBClusters = []} = await (await sandboxClients().rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: cluster}))
    expect(credentials).toMatchObject({
      dbClusterIdentifier: cluster,
      dbname: database,
      engine: 'postgres',
      host: DBClusters[0]!.Endpoint,
      port: DBClusters[0]!.Port,
      username: role.ro,
    })
    expect(credentials.password).toHaveLength(32)
    expect(created).toMatchObject({database, mode: 'readonly', role: role.ro, schemas: ['public']})
    expect(created.secret.arn).toMatch(/^arn:aws:secretsmanager:.*:secret:nba-tracker-dev\/roles\/rt_/)
    expect(JSON.stringify(created)).not.toContain(credentials.password)
    const psql = await cli(['psql', '--secret', secrets[role.ro]!, '--', '-tA', '-c', 'select current_user, current_database()'])
    expect(psql.exitCode, psql.stderr).toBe(0)
    expect(psql.stdout.trim()).toBe(`${role.ro}|${database}`)
    const got = await cli<{fields: Record<string, unknown>}>(['secret', 'get', '--secret', secrets[role.ro]!, '--json'])
    expect(got.json.fields).toMatchObject({dbname: database, password: '********', username: role.ro})
    const {SecretList = []} = await (
      await sandboxClients().secretsManager()
    ).send(new ListSecretsCommand({Filters: [{Key: 'name', Values: [secretName(role.ro)]}]}))
    expect(Object.fromEntries((SecretList[0]?.Tags ?? []).map((item) => [item.Key, item.Value]))).toMatchObject({
      'auroractl:cluster': cluster,
      'auroractl:created-by': 'auroractl',
      'auroractl:role': role.ro,
    })
  })

  it('read-only: reads, and cannot insert, update, delete or create a table', async () => {
    const client = await loginAs(role.ro)
    expect((await client.query('SELECT name FROM games')).rows).toEqual([{name: 'opener'}])
    await denied(client, "INSERT INTO games (name) VALUES ('no')")
    await denied(client, "UPDATE games SET name = 'no'")
    await denied(client, 'DELETE FROM games')
    await denied(client, 'CREATE TABLE mine (id int)')
  })

  it('read-write: writes rows and uses sequences, and cannot create a table or a role', async () => {
    const client = await loginAs(role.rw)
    const {rows} = await client.query<{id: number}>("INSERT INTO games (name) VALUES ('written') RETURNING id")
    expect(rows[0]!.id).toBeGreaterThan(1)
    await client.query("UPDATE games SET name = 'rewritten' WHERE id = $1", [rows[0]!.id])
    expect((await client.query('SELECT name FROM games WHERE id = $1', [rows[0]!.id])).rows).toEqual([{name: 'rewritten'}])
    await client.query('DELETE FROM games WHERE id = $1', [rows[0]!.id])
    await denied(client, 'CREATE TABLE mine (id int)')
    await denied(client, 'CREATE ROLE someone_else')
    await denied(client, 'TRUNCATE games')
    expect((await client.query('SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user')).rows).toEqual([{rolconnlimit: 3}])
  })

  it('tables the master user creates later follow (default privileges)', async () => {
    const db = await connect(master, {database})
    await db.query("CREATE TABLE later (id serial PRIMARY KEY, note text); INSERT INTO later (note) VALUES ('new')")
    const reader = await loginAs(role.ro)
    expect((await reader.query('SELECT note FROM later')).rows).toEqual([{note: 'new'}])
    await denied(reader, "INSERT INTO later (note) VALUES ('no')")
    const writer = await loginAs(role.rw)
    await writer.query("INSERT INTO later (note) VALUES ('from the writer')")
  })

  it('--schema limits the role to the schemas named', async () => {
    const client = await loginAs(role.app)
    expect((await client.query('SELECT id FROM other.stats')).rows).toEqual([{id: 1}])
    await denied(client, 'SELECT * FROM public.games')
  })

  it('refuses bad input with exit 2 and creates neither role nor secret', async () => {
    const fresh = `${prefix}bad`
    const cases: Array<[string[], RegExp]> = [
      [['Bad-Name', '--readonly'], /NAME: "Bad-Name" is not a plain lower-case name/],
      [['pg_thing', '--readonly'], /pg_/],
      [['rds_thing', '--readonly'], /Amazon RDS/],
      [[fresh, '--readonly', '--readwrite'], /readwrite|readonly/],
      [[fresh], /Exactly one of the following must be provided: --readonly, --readwrite/],
      [[fresh, '--readonly', '--database', database, '--schema', 'nope'], /--schema: no schema "nope"/],
      [[fresh, '--readonly', '--connection-limit', '0'], /--connection-limit/],
      [[fresh, '--readonly', '--connection-limit', '10001'], /--connection-limit/],
      [['nbatracker', '--readonly'], /master user/],
      [[role.ro, '--readonly', '--secret-name', `${secretName(prefix)}another`], /already exists/],
      [[fresh, '--readonly', '--secret-name', secretName(role.ro)], /--secret-name: secret .* already exists/],
    ]
    for (const [args, message] of cases) {
      const result = await cli(['role', 'create', ...args])
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr, args.join(' ')).toMatch(message)
    }

    expect(await roleExists(fresh)).toBe(false)
    expect(await secretState(secretName(fresh))).toBe('none')
    expect(await secretState(`${secretName(prefix)}another`)).toBe('none')
  })

  it('refuses a schema where PUBLIC may create, unless --revoke-public-create, which revokes it', async () => {
    const db = await connect(master, {database: otherDatabase})
    await db.query('GRANT CREATE ON SCHEMA public TO PUBLIC')
    const refused = await cli(['role', 'create', role.pub, '--readonly', '--database', otherDatabase])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toMatch(/PUBLIC may CREATE in schema public.*--revoke-public-create/s)
    expect(await roleExists(role.pub)).toBe(false)
    const output = await createRole(role.pub, ['--readonly', '--database', otherDatabase, '--revoke-public-create'])
    expect(output.revokedPublicCreate).toEqual(['public'])
    expect((await db.query("SELECT has_schema_privilege('public', 'public', 'CREATE') AS can")).rows).toEqual([{can: false}])
    await denied(await loginAs(role.pub), 'CREATE TABLE mine (id int)')
  })

  const freshName = `${prefix}fresh`
  it.each<[string, string[], RegExp]>([
    ['create --database empty', ['role', 'create', freshName, '--readonly', '--database', ''], /--database is empty/],
    [
      'create --secret-name with a space',
      ['role', 'create', freshName, '--readonly', '--secret-name', 'bad name'],
      /--secret-name: .*character/,
    ],
    [
      'create --secret-name ending like an ARN',
      ['role', 'create', freshName, '--readonly', '--secret-name', 'app-abcdef'],
      /--secret-name: .*hyphen/,
    ],
    ['create --schema empty', ['role', 'create', freshName, '--readonly', '--schema', ''], /--schema "" is not a schema name/],
    ['list --database empty', ['role', 'list', '--database', ''], /--database is empty/],
  ])('%s: exit 2, nothing made', async (_label, args, message) => {
    const result = await cli(args)
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(await roleExists(freshName)).toBe(false)
    expect(await secretState(secretName(freshName))).toBe('none')
  })

  it('--dry-run prints the SQL and makes neither role nor secret', async () => {
    const result = await cli<RoleCreateOutput>(['role', 'create', freshName, '--readonly', '--database', database, '--dry-run', '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({dryRun: true, loginProven: null, role: freshName, secret: {arn: null, name: secretName(freshName)}})
    expect(result.json.statements[0]).toMatch(/^CREATE ROLE .* PASSWORD '<SCRAM-SHA-256 verifier>'$/)
    expect(await roleExists(freshName)).toBe(false)
    expect(await secretState(secretName(freshName))).toBe('none')
  })
})

describe('role list', () => {
  it('shows the roles in words, with their secrets and live connections, to a role without superuser rights too', async () => {
    await loginAs(role.ro)
    for (const secret of [undefined, secrets[role.ro]!]) {
      const result = await cli<RoleList>(['role', 'list', '--database', database, '--json', ...(secret ? ['--secret', secret] : [])])
      expect(result.exitCode, result.stderr).toBe(0)
      const byName = new Map(result.json.roles.map((entry) => [entry.name, entry]))
      expect(byName.get(role.ro)).toMatchObject({privileges: 'read-only', schemas: ['public'], secret: {arn: secrets[role.ro]}})
      expect(byName.get(role.ro)!.connections).toBeGreaterThanOrEqual(1)
      expect(byName.get(role.rw)).toMatchObject({connectionLimit: 3, privileges: 'read-write', secret: {arn: secrets[role.rw]}})
      expect(byName.get(role.app)).toMatchObject({privileges: 'read-only', schemas: ['other']})
      expect(byName.get('nbatracker')).toMatchObject({master: true, privileges: 'owner', secret: null})
      expect([...byName.keys()].some((name) => name.startsWith('pg_') || name.startsWith('rds'))).toBe(false)
    }

    const table = await cli(['role', 'list', '--database', database])
    expect(table.exitCode).toBe(0)
    expect(table.stdout).toMatch(
      new RegExp(`^${role.ro} +read-only +public +- +\\d+\\n {4}secret ${secretName(role.ro).replaceAll('/', String.raw`\/`)}$`, 'm'),
    )
    expect(table.stdout).toMatch(/^nbatracker \(master\) +owner .*\n {4}owns the database$/m)
  })
})

describe('role drop', () => {
  it('refuses while the role owns objects, naming them, and hands them over with --reassign-to', async () => {
    await createRole(role.owner, ['--readonly', '--database', database])
    const db = await connect(master, {database})
    await db.query(`
      GRANT ${role.owner} TO CURRENT_USER;
      CREATE SCHEMA owned_stuff AUTHORIZATION ${role.owner};
      CREATE TABLE owned_stuff.kept (id int);
      ALTER TABLE owned_stuff.kept OWNER TO ${role.owner};
      REVOKE ${role.owner} FROM CURRENT_USER;`)
    const refused = await cli(['role', 'drop', role.owner, '--confirm', role.owner])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toMatch(/owns 2 objects in database roles_.*: schema owned_stuff, table owned_stuff\.kept; nothing was dropped/)
    expect(refused.stderr).toMatch(/--reassign-to/)
    expect(await roleExists(role.owner)).toBe(true)
    const dropped = await cli<RoleDropOutput>([
      'role',
      'drop',
      role.owner,
      '--reassign-to',
      'nbatracker',
      '--confirm',
      role.owner,
      '--json',
    ])
    expect(dropped.exitCode, dropped.stderr).toBe(0)
    expect(dropped.json).toMatchObject({database, reassignedTo: 'nbatracker', role: role.owner})
    expect(dropped.json.owned.map((item) => `${item.kind} ${item.name}`)).toEqual(['schema owned_stuff', 'table owned_stuff.kept'])
    expect(await roleExists(role.owner)).toBe(false)
    expect((await db.query("SELECT tableowner FROM pg_tables WHERE tablename = 'kept'")).rows).toEqual([{tableowner: 'nbatracker'}])
    // The secret is scheduled for deletion, restorable for 30 days.
    const state = await secretState(secretName(role.owner))
    expect(state).not.toBe('none')
    expect((state as {deleted?: Date}).deleted).toBeInstanceOf(Date)
    expect(dropped.json.secret).toMatchObject({name: secretName(role.owner), recoveryWindowDays: 30})
    expect(dropped.json.secret!.restoreCommand).toBe(`aws secretsmanager restore-secret --secret-id ${secrets[role.owner]}`)
  })

  it('refuses without --confirm when not at a terminal, and over live sessions unless they end', async () => {
    await createRole(role.sess, ['--readonly', '--database', database])
    const unconfirmed = await cli(['role', 'drop', role.sess])
    expect(unconfirmed.exitCode).toBe(2)
    expect(unconfirmed.stderr).toMatch(/without confirmation in a non-interactive run.*--confirm/s)
    const session = await loginAs(role.sess)
    const {rows} = await session.query<{pid: number}>('SELECT pg_backend_pid() AS pid')
    const {pid} = rows[0]!
    const busy = await cli(['role', 'drop', role.sess, '--confirm', role.sess])
    expect(busy.exitCode).toBe(2)
    expect(busy.stderr).toMatch(new RegExp(`1 open session: pid ${pid} \\(${tag}`))
    // --wait past its deadline: exit 5, and everything as before (the role logs in again).
    const waited = await cli(['role', 'drop', role.sess, '--confirm', role.sess, '--wait', '2s'])
    expect(waited.exitCode).toBe(5)
    expect(waited.stderr).toMatch(/still open after 2s.*Nothing was dropped: role .* is as before \(LOGIN restored\)/s)
    await (await loginAs(role.sess)).query('SELECT 1')
    expect(await secretState(secretName(role.sess))).toEqual({deleted: undefined})
    const ended = await cli<RoleDropOutput>(['role', 'drop', role.sess, '--confirm', role.sess, '--terminate-sessions', '--json'])
    expect(ended.exitCode, ended.stderr).toBe(0)
    expect(ended.json.sessionsEnded).toContain(pid)
    expect(await roleExists(role.sess)).toBe(false)
    await expect(session.query('SELECT 1')).rejects.toThrow()
  })

  it('refuses while the role has privileges in another database, naming it', async () => {
    const other = await connect(master, {database: otherDatabase})
    await other.query(`GRANT USAGE ON SCHEMA public TO ${role.app}`)
    const refused = await cli(['role', 'drop', role.app, '--confirm', role.app])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toMatch(new RegExp(`other databases too: ${otherDatabase} \\(1\\)`))
    expect(await roleExists(role.app)).toBe(true)
  })

  it('refuses the master user and a role auroractl did not make', async () => {
    const masterDrop = await cli(['role', 'drop', 'nbatracker', '--confirm', 'nbatracker', '--include-unmanaged'])
    expect(masterDrop.exitCode).toBe(2)
    expect(masterDrop.stderr).toMatch(/master user/)
    const missing = await cli(['role', 'drop', `${prefix}nobody`, '--confirm', `${prefix}nobody`, '--json'])
    expect(missing.exitCode).toBe(3)
    expect(Object.keys(missing.json as object)).toEqual(['error'])
    const db = await connect(master, {database})
    await db.query(`CREATE ROLE ${role.manual} LOGIN`)
    const unmanaged = await cli(['role', 'drop', role.manual, '--confirm', role.manual])
    expect(unmanaged.exitCode).toBe(2)
    expect(unmanaged.stderr).toMatch(/was not created by auroractl.*--include-unmanaged/s)
    expect(await roleExists(role.manual)).toBe(true)
    const dropped = await cli<RoleDropOutput>(['role', 'drop', role.manual, '--confirm', role.manual, '--include-unmanaged', '--json'])
    expect(dropped.exitCode, dropped.stderr).toBe(0)
    expect(dropped.json.secret).toBeNull()
    expect(await roleExists(role.manual)).toBe(false)
  })
})

describe('role drop: refusals that change nothing', () => {
  beforeAll(async () => {
    await createRole(role.kept, ['--readwrite', '--database', database])
  }, 60_000)

  it.each<[string, string[], RegExp]>([
    ['--recovery-window-days 6', ['--recovery-window-days', '6'], /--recovery-window-days/],
    ['--recovery-window-days 31', ['--recovery-window-days', '31'], /--recovery-window-days/],
    ['--recovery-window-days abc', ['--recovery-window-days', 'abc'], /--recovery-window-days/],
    ['--wait with bad text', ['--wait', 'soon'], /--wait/],
    ['--wait below its 1s minimum', ['--wait', '500ms'], /--wait/],
    ['--wait past its 24h maximum', ['--wait', '25h'], /--wait/],
    ['--terminate-sessions with --wait', ['--terminate-sessions', '--wait', '1m'], /--wait|--terminate-sessions/],
    ['--database empty', ['--database', ''], /--database is empty/],
    ['--yes', ['--yes'], /--yes is not accepted/],
  ])('%s: exit 2', async (_label, args, message) => {
    const result = await cli(['role', 'drop', role.kept, '--confirm', role.kept, ...args])
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toMatch(message)
    await unchanged()
  })

  it('a --confirm that does not match: exit 2', async () => {
    const result = await cli(['role', 'drop', role.kept, '--confirm', `${role.kept}x`])
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toMatch(/--confirm ".*x" does not match/)
    await unchanged()
  })

  it('--dry-run on a role with a secret lists the steps and changes nothing', async () => {
    const result = await cli<RoleDropOutput>(['role', 'drop', role.kept, '--dry-run', '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({dryRun: true, role: role.kept, secret: null, sessionsEnded: []})
    expect(result.json.steps.join('\n')).toMatch(/DROP ROLE .*schedule secret .* for deletion in 30 days/)
    await unchanged()
  })

  it('gives up after 5 s behind a lock on what it owns: exit 5, everything as before', async () => {
    await createRole(role.lock, ['--readonly', '--database', database])
    const db = await connect(master, {database})
    await db.query(`
      GRANT ${role.lock} TO CURRENT_USER;
      CREATE SCHEMA lock_stuff AUTHORIZATION ${role.lock};
      CREATE TABLE lock_stuff.lock_owned (id int);
      ALTER TABLE lock_stuff.lock_owned OWNER TO ${role.lock};
      GRANT USAGE ON SCHEMA lock_stuff TO CURRENT_USER;
      GRANT SELECT ON lock_stuff.lock_owned TO CURRENT_USER;
      REVOKE ${role.lock} FROM CURRENT_USER;`)
    // Another session's open transaction holds the weakest lock on its table: REASSIGN OWNED needs the strongest.
    const holder = await connect(master, {database})
    await holder.query('BEGIN; LOCK TABLE lock_stuff.lock_owned IN ACCESS SHARE MODE')
    try {
      const result = await cli(['role', 'drop', role.lock, '--reassign-to', 'nbatracker', '--confirm', role.lock])
      expect(result.exitCode, result.stderr).toBe(5)
      expect(result.stderr).toMatch(/waited over 5s for a lock.*Nothing was dropped: role .* is as before \(LOGIN restored\)/s)
      expect(result.stderr).toMatch(/auroractl locks/)
    } finally {
      await holder.query('ROLLBACK')
    }

    expect(await roleExists(role.lock)).toBe(true)
    await (await loginAs(role.lock)).query('SELECT 1')
    expect(await secretState(secretName(role.lock))).toEqual({deleted: undefined})
    expect((await db.query("SELECT tableowner FROM pg_tables WHERE tablename = 'lock_owned'")).rows).toEqual([{tableowner: role.lock}])
  })
})
