import {DescribeDBClustersCommand} from '@aws-sdk/client-rds'
import {GetSecretValueCommand} from '@aws-sdk/client-secrets-manager'
import {spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'

import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {cliPath, runCli} from '../helpers/run-cli.js'
import {deleteScratchCluster, sandboxClients} from '../helpers/sandbox-clients.js'

const sandboxEnv = () => inject('sandboxEnv')
const env = (cluster = 'nba-tracker-dev') => ({...sandboxEnv(), AURORACTL_CLUSTER: cluster})
const scratch = `edges-${process.pid}`

async function seededPassword(): Promise<string> {
  const {SecretString} = await (
    await sandboxClients().secretsManager()
  ).send(new GetSecretValueCommand({SecretId: sandboxEnv().AURORACTL_SECRET}))
  return JSON.parse(SecretString!).password
}

async function scalingOf(clusterId: string) {
  const {DBClusters: clusters = []} = await (
    await sandboxClients().rds()
  ).send(new DescribeDBClustersCommand({DBClusterIdentifier: clusterId}))
  return clusters[0]!.ServerlessV2ScalingConfiguration
}

describe('psql behaves like psql', () => {
  it("Ctrl-C goes to psql, which cancels the running query; auroractl waits and passes psql's exit code through", async () => {
    // Its own process group, as a shell gives a foreground job: Ctrl-C reaches auroractl and psql alike.
    const child = spawn(process.execPath, [cliPath, 'psql', '--', '-X', '-tA'], {
      detached: true,
      env: {...process.env, ...env(), NO_COLOR: '1'},
    })
    // A script on psql's stdin (psql stops a script after a Ctrl-C, exit 3; at a terminal the session stays).
    child.stdin.end("select pg_sleep(30);\nselect 'not reached';\n")
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<null | number>((resolve) => {
      child.on('exit', (code) => resolve(code))
    })
    await sleep(3000)
    process.kill(-child.pid!, 'SIGINT')
    const code = await Promise.race([exited, sleep(15_000).then(() => 'hung' as const)])
    if (code === 'hung') process.kill(-child.pid!, 'SIGKILL')
    // psql cancelled the statement on the server and ended with its own exit code; auroractl did not exit 130 under it.
    expect(stderr).toContain('canceling statement due to user request')
    expect(code).toBe(3)
    expect(stderr).not.toContain('Interrupted')
  })

  it('says that psql arguments go after --, and refuses --json', async () => {
    const dashC = await runCli(['psql', '-c', 'select 1'], {env: env()})
    expect(dashC.exitCode).toBe(2)
    expect(dashC.stderr).toContain("psql's own arguments go after --")
    expect(dashC.stderr).toContain('psql -- -c "select 1"')
    const json = await runCli(['psql', '--json'], {env: env()})
    expect(json.exitCode).toBe(2)
    expect(JSON.parse(json.stdout).error.message).toContain('psql does not take --json')
  })
})

describe('secret get: masked values never feed scripts', () => {
  it.each([
    [['--format', 'env'], '--format env'],
    [['--format', 'uri'], '--format uri'],
    [['--format', 'pgpass'], '--format pgpass'],
    [['--field', 'password'], '--field password'],
  ])('refuses %j into a pipe without --reveal (exit 2, nothing on stdout)', async (args, named) => {
    const result = await runCli(['secret', 'get', ...args], {env: env()})
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(named)
    expect(result.stderr).toContain('--reveal')
  })

  it('prints the real password with --reveal, and a masked view in text and --json', async () => {
    const secret = await seededPassword()
    const revealed = await runCli(['secret', 'get', '--format', 'env', '--reveal'], {env: env()})
    expect(revealed.exitCode, revealed.stderr).toBe(0)
    expect(revealed.stdout).toContain(`export PGPASSWORD='${secret}'`)
    const text = await runCli(['secret', 'get'], {env: env()})
    expect(text.stdout).toMatch(/^password\s+\*{8}$/m)
    expect(JSON.parse((await runCli(['secret', 'get', '--json'], {env: env()})).stdout)).toMatchObject({revealed: false})
  })
})

describe('one confirmation rule: --confirm NAME', () => {
  beforeAll(async () => {
    const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch, '--min', '0.5', '--max', '4'], {env: env()})
    expect(restored.exitCode, restored.stderr).toBe(0)
  })

  afterAll(async () => {
    await deleteScratchCluster(scratch)
  })

  it('scale: lowering --max takes --confirm CLUSTER; --yes is refused; --dry-run prints the call and changes nothing', async () => {
    const refused = await runCli(['scale', '--max', '2'], {env: env(scratch)})
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`Pass --confirm ${scratch} to go ahead.`)
    const yes = await runCli(['scale', '--max', '2', '--yes'], {env: env(scratch)})
    expect(yes.exitCode).toBe(2)
    expect(yes.stderr).toContain('--yes is not accepted: confirm a destructive action with --confirm NAME')
    const dry = await runCli(['scale', '--max', '2', '--dry-run'], {env: env(scratch)})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(
      `ModifyDBCluster {"ApplyImmediately":true,"DBClusterIdentifier":"${scratch}","ServerlessV2ScalingConfiguration":{"MaxCapacity":2,"MinCapacity":0.5}}`,
    )
    expect(await scalingOf(scratch)).toMatchObject({MaxCapacity: 4})
    const wrong = await runCli(['scale', '--max', '2', '--confirm', 'nba-tracker-dev'], {env: env(scratch)})
    expect(wrong.exitCode).toBe(2)
    expect(await scalingOf(scratch)).toMatchObject({MaxCapacity: 4})
    const lowered = await runCli(['scale', '--max', '2', '--confirm', scratch, '--json'], {env: env(scratch)})
    expect(lowered.exitCode, lowered.stderr).toBe(0)
    expect(JSON.parse(lowered.stdout)).toMatchObject({after: {maxAcu: 2, minAcu: 0.5}, before: {maxAcu: 4, minAcu: 0.5}, dryRun: false})
    expect(await scalingOf(scratch)).toMatchObject({MaxCapacity: 2})
  })

  it('drill cleanup: --yes is refused with exit 2, naming --confirm', async () => {
    const result = await runCli(['drill', 'cleanup', '--yes'], {env: env()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('--confirm NAME')
  })
})

describe('help that fits', () => {
  it('gives every command a one-line summary that fits an 80-column root help', async () => {
    const help = await runCli(['--help'], {env: {COLUMNS: '80'}})
    const commands = help.stdout.slice(help.stdout.indexOf('COMMANDS'))
    // No summary wraps onto a second line.
    expect(commands.split('\n').filter((line) => /^ {6,}\S/.test(line))).toEqual([])
    for (const topic of ['snapshot', 'sandbox', 'secret', 'role', 'metrics', 'pi', 'inspect', 'logs']) {
      const topicHelp = await runCli([topic, '--help'], {env: {COLUMNS: '80'}})
      expect(
        topicHelp.stdout.split('\n').filter((line) => /^ {6,}\S/.test(line)),
        topic,
      ).toEqual([])
    }
  })

  it('every command in the manifest has a summary of one line that fits beside its name', async () => {
    const manifest = JSON.parse(await readFile(path.join(packageRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, {summary?: string}>
    }
    for (const [id, command] of Object.entries(manifest.commands)) {
      expect(command.summary, id).toMatch(/^[^\n]{10,60}$/)
    }
  })

  it('doctor --help lists the check ids; snapshot delete without an id names the missing argument', async () => {
    const doctor = await runCli(['doctor', '--help'])
    for (const id of ['aws.credentials', 'network.tls', 'db.auth', 'capacity.ceiling']) expect(doctor.stdout).toContain(id)
    const missing = await runCli(['snapshot', 'delete'], {env: env()})
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('Missing the required argument ID (the manual snapshot to delete).')
  })
})
