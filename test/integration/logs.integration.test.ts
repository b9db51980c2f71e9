import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {LogsGetOutput} from '../../src/commands/logs/get.js'
import type {LogsListOutput} from '../../src/commands/logs/list.js'
import type {DataPlaneRegistry} from '../../src/lib/sandbox/data-plane.js'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {deleteDrillCluster} from '../../src/lib/drill/drill.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli, startCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * The log APIs against the sandbox, which serves its PostgreSQL's real log files in 4 kB portions (the global setup
 * sets AURORACTL_SANDBOX_LOG_PORTION_BYTES): this file writes lines of its own (RAISE LOG, tagged with `tag`) and
 * reads them back through the CLI, comparing with the file on disk. Other test files log to the same server
 * meanwhile, so every assertion is about this file's own lines, or about a prefix of the file that cannot change.
 */
const tag = `logs-it-${process.pid}-${Date.now().toString(36)}`
const writer = 'nba-tracker-dev-writer'
const restored = `logs-${process.pid}-${Date.now().toString(36)}`
let restoreStarted = false
let work: string
let logDirectory: string

async function raiseLog(lines: string[]): Promise<void> {
  const env = sandboxEnv()
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
  const client = await connectWithCredentials(credentials, {
    caFile: env.PGSSLROOTCERT,
    endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
  })
  try {
    await client.query(`SET application_name = '${tag}'`)
    for (const line of lines) await client.query(`DO $$ BEGIN RAISE LOG '%', ${client.escapeLiteral(line)}; END $$`)
  } finally {
    await client.end()
  }
}

const cli = (args: string[]) => runCli(args, {env: sandboxEnv()})

async function newestFile(): Promise<LogsListOutput['files'][number]> {
  const listed = await cli(['logs', 'list', '--json'])
  expect(listed.exitCode, listed.stderr).toBe(0)
  return (JSON.parse(listed.stdout) as LogsListOutput).files.at(-1)!
}

const onDisk = (name: string) => readFile(path.join(logDirectory, name.replace(/^error\//, '')))

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`Gave up after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => {
      setTimeout(resolve, 200)
    })
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'auroractl-logs-'))
  const registry = JSON.parse(
    await readFile(path.join(sandboxEnv().AURORACTL_SANDBOX_DIR!, 'data-plane.json'), 'utf8'),
  ) as DataPlaneRegistry
  logDirectory = registry.clusters['nba-tracker-dev']!.logDirectory
  // Lines enough for a file of many 4 kB portions, with multibyte characters (bytes are not characters).
  await raiseLog(Array.from({length: 120}, (_, index) => `${tag} line ${index} äöü €: ${'x'.repeat(80)}`))
})

afterAll(async () => {
  await rm(work, {force: true, recursive: true})
  if (restoreStarted) await deleteDrillCluster(await sandboxClients().rds(), restored, 60_000).catch(() => {})
})

describe('logs list', () => {
  it("lists the writer's PostgreSQL log files as AWS names them, with sizes and times", async () => {
    const result = await cli(['logs', 'list', '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout) as LogsListOutput
    expect(output.instanceId).toBe(writer)
    expect(output.files.length).toBeGreaterThan(0)
    const newest = output.files.at(-1)!
    expect(newest.name).toMatch(/^error\/postgresql\.log\.\d{4}-\d\d-\d\d-\d{4}$/)
    expect(newest.size).toBeGreaterThan(4096 * 5)
    expect(Date.now() - Date.parse(newest.lastWritten)).toBeLessThan(10 * 60_000)
    expect((await onDisk(newest.name)).length).toBeGreaterThanOrEqual(newest.size)
    const human = await cli(['logs', 'list'])
    expect(human.stdout).toContain(newest.name)
    expect(human.stdout).toMatch(/newest/)
  })

  it('lists the same server for a reader instance, and refuses an instance of no cluster (exit 3)', async () => {
    const reader = await cli(['logs', 'list', '--instance', 'nba-tracker-dev-reader-1', '--json'])
    expect(reader.exitCode, reader.stderr).toBe(0)
    expect(JSON.parse(reader.stdout)).toMatchObject({instanceId: 'nba-tracker-dev-reader-1'})
    const other = await cli(['logs', 'list', '--instance', 'no-such-instance'])
    expect(other.exitCode).toBe(3)
    expect(other.stderr).toContain('Instance "no-such-instance" is not in cluster nba-tracker-dev.')
  })
})

describe('logs get', () => {
  it('writes the complete file, byte for byte, through many portions', async () => {
    const newest = await newestFile()
    const output = path.join(work, 'whole.log')
    const result = await cli(['logs', 'get', newest.name, '--output', output, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout) as LogsGetOutput
    const downloaded = await readFile(output)
    const real = await onDisk(newest.name)
    expect(summary).toMatchObject({bytes: downloaded.length, file: newest.name, instanceId: writer, output})
    expect(summary.bytes).toBeGreaterThanOrEqual(newest.size)
    expect(summary.portions).toBeGreaterThanOrEqual(Math.ceil(newest.size / 4096))
    // Other test files log meanwhile: what was downloaded is the file as it was, which only grows at its end.
    expect(real.length).toBeGreaterThanOrEqual(downloaded.length)
    expect(real.subarray(0, downloaded.length).equals(downloaded)).toBe(true)
    expect(downloaded.toString('utf8')).toContain(`${tag} line 119 äöü €`)
    expect(await readdir(work)).toEqual(['whole.log'])
  })

  it('writes the file to stdout without the error/ folder in its name, progress on stderr', async () => {
    const newest = await newestFile()
    const result = await cli(['logs', 'get', newest.name.replace('error/', '')])
    expect(result.exitCode, result.stderr).toBe(0)
    const real = await onDisk(newest.name)
    const downloaded = Buffer.from(result.stdout, 'utf8')
    expect(downloaded.length).toBeGreaterThanOrEqual(newest.size)
    expect(real.subarray(0, downloaded.length).equals(downloaded)).toBe(true)
    expect(result.stderr).toContain(`Downloaded ${newest.name}`)
  })

  it('refuses an existing --output without --force, and a folder that does not exist, before any call (exit 2)', async () => {
    const existing = path.join(work, 'existing.log')
    await writeFile(existing, 'keep me\n')
    const refused = await cli(['logs', 'get', 'error/postgresql.log.any', '--output', existing, '--cluster', 'no-such-cluster'])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`--output ${existing} exists; nothing was done.`)
    expect(await readFile(existing, 'utf8')).toBe('keep me\n')
    const noFolder = await cli(['logs', 'get', 'error/postgresql.log.any', '--output', path.join(work, 'missing', 'x.log')])
    expect(noFolder.exitCode).toBe(2)
    expect(noFolder.stderr).toContain('does not exist; nothing was done')
    await mkdir(path.join(work, 'a-folder'))
    const folder = await cli(['logs', 'get', 'error/postgresql.log.any', '--output', path.join(work, 'a-folder')])
    expect(folder.exitCode).toBe(2)
    const forced = await cli(['logs', 'get', (await newestFile()).name, '--output', existing, '--force'])
    expect(forced.exitCode, forced.stderr).toBe(0)
    expect(await readFile(existing, 'utf8')).toContain(tag)
    await rm(existing)
  })

  it('says a file that is not there is not found (exit 3), naming the newest, and writes nothing', async () => {
    const output = path.join(work, 'none.log')
    const result = await cli(['logs', 'get', 'error/postgresql.log.1999-01-01-0000', '--output', output])
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/has no log file "error\/postgresql\.log\.1999-01-01-0000"\.\nHint: The newest: error\/postgresql\.log\./)
    expect(existsSync(output)).toBe(false)
  })

  it('refuses --json without --output (exit 2, the error as JSON)', async () => {
    const result = await cli(['logs', 'get', 'error/postgresql.log.any', '--json'])
    expect(result.exitCode).toBe(2)
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: {code: 'BAD_INPUT', message: expect.stringMatching(/^--json needs --output PATH/)},
    })
  })
})

describe('logs tail', () => {
  it('prints the newest lines, and only those matching --grep', async () => {
    const marker = `${tag} tail-marker`
    await raiseLog([marker])
    const result = await cli(['logs', 'tail', '--lines', '200', '--grep', `${tag} (tail-marker|line 119)`])
    expect(result.exitCode, result.stderr).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines.some((line) => line.endsWith(`LOG:  ${marker}`))).toBe(true)
    expect(lines.every((line) => line.includes(tag))).toBe(true)
    const last = await cli(['logs', 'tail', '--lines', '3'])
    expect(last.exitCode, last.stderr).toBe(0)
    expect(last.stdout.trimEnd().split('\n')).toHaveLength(3)
  })

  it('--follow prints a matching line logged after it started, and ends on SIGTERM with exit 0', async () => {
    const marker = `${tag} followed-${Date.now()}`
    const running = startCli(['logs', 'tail', '--follow', '--interval', '1s', '--lines', '0', '--grep', marker], sandboxEnv())
    // Started once it has named the file it follows (after its first read).
    await until('the follow to start', () => (/error\/postgresql\.log\./.test(running.output.stderr) ? true : undefined))
    await raiseLog([`${marker} one`])
    await until('the line to be printed', () => (running.output.stdout.includes(`${marker} one`) ? true : undefined))
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    const printed = running.output.stdout.trimEnd().split('\n')
    expect(printed.every((line) => line.includes(marker))).toBe(true)
    expect(printed.filter((line) => line.endsWith(`LOG:  ${marker} one`))).toHaveLength(1)
  })

  it('refuses bad flags with exit 2 before any call', async () => {
    for (const [args, message] of [
      [['--grep', '(unclosed'], /^Error: --grep "\(unclosed" is not a valid regular expression/],
      [['--lines', '10001'], /--lines/],
      [['--interval', '0s'], /--interval "0s"/],
      [['--interval', '10m'], /--interval "10m" must be from 1s to 5m/],
      [['--json'], /does not take --json/],
    ] as const) {
      const result = await cli(['logs', 'tail', ...args, '--cluster', 'no-such-cluster'])
      expect(result.exitCode, args.join(' ')).toBe(2)
      expect(`${result.stderr}${result.stdout}`, args.join(' ')).toMatch(message)
    }
  })
})

describe('a restored cluster', () => {
  it("serves its own server's log files", async () => {
    restoreStarted = true
    const restore = await runCli(['restore', '--snapshot', 'latest', '--target', restored, '--json'], {
      env: {...sandboxEnv(), AURORACTL_CLUSTER: 'nba-tracker-dev'},
    })
    expect(restore.exitCode, restore.stderr).toBe(0)
    const registry = JSON.parse(
      await readFile(path.join(sandboxEnv().AURORACTL_SANDBOX_DIR!, 'data-plane.json'), 'utf8'),
    ) as DataPlaneRegistry
    const directory = registry.clusters[restored]!.logDirectory
    expect(directory).not.toBe(logDirectory)
    const listed = await cli(['logs', 'list', '--cluster', restored, '--json'])
    expect(listed.exitCode, listed.stderr).toBe(0)
    const output = JSON.parse(listed.stdout) as LogsListOutput
    expect(output.files.map((file) => file.name.replace('error/', '')).sort()).toEqual((await readdir(directory)).sort())
    const tail = await cli(['logs', 'tail', '--cluster', restored, '--lines', '1000'])
    expect(tail.exitCode, tail.stderr).toBe(0)
    expect(tail.stdout).toMatch(/database system is ready to accept connections/)
    expect(tail.stdout).not.toContain(tag)
  }, 120_000)
})
