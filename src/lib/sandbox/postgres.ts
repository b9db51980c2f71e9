import {existsSync, readdirSync} from 'node:fs'
import {appendFile, chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {AuroraError} from '../cli/errors.js'

const serverBinaries = ['initdb', 'pg_ctl', 'postgres']
const installHint =
  'Install the PostgreSQL 15 server: `apt-get install postgresql-15` (Debian/Ubuntu), or set AURORACTL_PG_BINDIR to a folder holding initdb, pg_ctl and postgres.'

/** Finds a folder with initdb, pg_ctl and postgres: AURORACTL_PG_BINDIR, else Debian's layout (15 preferred), else PATH. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const hasServer = (dir: string) => serverBinaries.every((name) => existsSync(path.join(dir, name)))
  if (env.AURORACTL_PG_BINDIR) {
    if (hasServer(env.AURORACTL_PG_BINDIR)) return env.AURORACTL_PG_BINDIR
    throw new AuroraError('SANDBOX', `AURORACTL_PG_BINDIR=${env.AURORACTL_PG_BINDIR} lacks one of ${serverBinaries.join(', ')}.`, {
      hint: installHint,
    })
  }

  const debianRoot = '/usr/lib/postgresql'
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => (a === '15' ? -1 : b === '15' ? 1 : Number(b) - Number(a)))
    : []
  for (const version of versions) {
    const dir = path.join(debianRoot, version, 'bin')
    if (hasServer(dir)) return dir
  }

  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (hasServer(dir)) return dir
  }

  throw new AuroraError('SANDBOX', 'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found.', {hint: installHint})
}

export interface RunAs {
  gid: number
  uid: number
  user: string
}

/**
 * PostgreSQL refuses to run as root. When we are root, the server runs as the `postgres` user
 * (or AURORACTL_PG_USER); otherwise as ourselves.
 */
export async function postgresRunAs(env: NodeJS.ProcessEnv = process.env): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const user = env.AURORACTL_PG_USER ?? 'postgres'
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((entry) => entry.startsWith(`${user}:`))
  const fields = line?.split(':') ?? []
  const [uid, gid] = [fields[2], fields[3]]
  if (!uid || !gid || uid === '0') {
    throw new AuroraError(
      'SANDBOX',
      `Running as root, and there is no unprivileged "${user}" user to run PostgreSQL as (it refuses root).`,
      {
        hint: 'Install postgresql-15 (it creates the postgres user), create one with `useradd --system postgres`, or set AURORACTL_PG_USER.',
      },
    )
  }

  return {gid: Number(gid), uid: Number(uid), user}
}

async function run(binDir: string, command: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  const {execa} = await import('execa')
  const result = await execa(path.join(binDir, command), args, {
    cwd: '/',
    env: {LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8'},
    extendEnv: true,
    gid: runAs?.gid,
    reject: false,
    stdin: 'ignore',
    uid: runAs?.uid,
  })
  if (result.failed) {
    const output = `${String(result.stderr)}\n${String(result.stdout)}`.trim().split('\n').filter(Boolean)
    throw new AuroraError('SANDBOX', `${command} failed: ${output.at(-1) ?? `exit ${result.exitCode}`}`)
  }
}

/**
 * The folder that will hold the data directory. It must be writable by the user PostgreSQL runs as;
 * when that user cannot reach the project folder (e.g. a checkout under /root), a private temp folder is used.
 */
export async function preparePgRoot(preferred: string, runAs: RunAs | undefined): Promise<string> {
  await mkdir(preferred, {mode: 0o700, recursive: true})
  if (!runAs) return preferred
  await chown(preferred, runAs.uid, runAs.gid)
  const {execa} = await import('execa')
  const reachable = await execa('test', ['-w', preferred], {gid: runAs.gid, reject: false, uid: runAs.uid})
  if (!reachable.failed) return preferred
  await rm(preferred, {force: true, recursive: true})
  const fallback = await mkdtemp(path.join(os.tmpdir(), 'auroractl-pg-'))
  await chown(fallback, runAs.uid, runAs.gid)
  return fallback
}

export interface PostgresSettings {
  binDir: string
  dataDir: string
  /** pg_ctl's log: the server's output until its logging collector takes over (see serverLogSettings). */
  logFile: string
  port: number
  runAs?: RunAs
}

/** Where the server writes its log files, inside its data directory (`log_directory`). */
export const serverLogDirectoryName = 'log'

/** The folder holding a server's rotating log files: what the sandbox's DescribeDBLogFiles lists. */
export const serverLogDirectory = (dataDir: string): string => path.join(dataDir, serverLogDirectoryName)

/**
 * Log files as Aurora PostgreSQL keeps them: collected into files named postgresql.log.YYYY-MM-DD-HHMM (UTC),
 * a new one every hour (and past 100 MB), each line prefixed as RDS fixes it ('%t:%r:%u@%d:[%p]:'). The sandbox's
 * log APIs (sandbox/moto_launcher.py) serve these files. `pg_ctl -l` (PostgresSettings.logFile) keeps only what the
 * server says before the collector starts: a port already taken, a bad setting.
 */
const serverLogSettings = [
  'logging_collector = on',
  `log_directory = '${serverLogDirectoryName}'`,
  "log_filename = 'postgresql.log.%Y-%m-%d-%H%M'",
  'log_rotation_age = 60',
  'log_rotation_size = 100000',
  'log_truncate_on_rotation = off',
  "log_line_prefix = '%t:%r:%u@%d:[%p]:'",
  "log_timezone = 'UTC'",
]

/** initdb with password (SCRAM) authentication for the bootstrap superuser `postgres`. */
export async function initDataDir(settings: PostgresSettings, superuserPassword: string, tls: {cert: string; key: string}): Promise<void> {
  const {binDir, dataDir, runAs} = settings
  const pwfile = path.join(path.dirname(dataDir), 'pwfile')
  await writeFile(pwfile, `${superuserPassword}\n`, {mode: 0o600})
  if (runAs) await chown(pwfile, runAs.uid, runAs.gid)
  try {
    await run(
      binDir,
      'initdb',
      ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'utf8', '--locale=C', '--no-sync'],
      runAs,
    )
  } finally {
    await rm(pwfile, {force: true})
  }

  await installServerCertificate(dataDir, tls, runAs)

  await appendFile(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      '# auroractl sandbox: loopback only, TLS on as on Aurora, and durability traded for speed (the data is throwaway).',
      "listen_addresses = '127.0.0.1'",
      `port = ${settings.port}`,
      "unix_socket_directories = ''",
      'ssl = on',
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track = all',
      'max_connections = 100',
      // Logical replication slots can exist, as on an Aurora cluster with rds.logical_replication = 1 (doctor checks them).
      'wal_level = logical',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      ...serverLogSettings,
      '',
    ].join('\n'),
  )
}

/** The server reads its key and certificate as its own user, from its data directory. */
export async function installServerCertificate(dataDir: string, tls: {cert: string; key: string}, runAs: RunAs | undefined): Promise<void> {
  await Promise.all(
    (
      [
        [tls.cert, 'server.crt'],
        [tls.key, 'server.key'],
      ] as const
    ).map(async ([from, to]) => {
      const target = path.join(dataDir, to)
      await copyFile(from, target)
      await chmod(target, 0o600)
      if (runAs) await chown(target, runAs.uid, runAs.gid)
    }),
  )
}

export async function startPostgres(settings: PostgresSettings): Promise<void> {
  if (settings.runAs && !existsSync(settings.logFile)) {
    await writeFile(settings.logFile, '')
    await chown(settings.logFile, settings.runAs.uid, settings.runAs.gid)
  }

  await run(settings.binDir, 'pg_ctl', ['-D', settings.dataDir, '-l', settings.logFile, '-w', '-t', '60', 'start'], settings.runAs)
}

export async function stopPostgres(settings: Pick<PostgresSettings, 'binDir' | 'dataDir' | 'runAs'>): Promise<boolean> {
  if (!existsSync(path.join(settings.dataDir, 'postmaster.pid'))) return false
  await run(settings.binDir, 'pg_ctl', ['-D', settings.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], settings.runAs)
  return true
}

/** The postmaster's pid from postmaster.pid, when the server is running. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')
  const pid = Number(text.split('\n')[0])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}
