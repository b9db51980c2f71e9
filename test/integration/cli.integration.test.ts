import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {cliPath, runCli} from '../helpers/run-cli.js'
import {sandboxEnv} from '../helpers/sandbox-clients.js'

const {version} = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8'))

/** The sandbox's AWS side only: credentials, endpoint, region. The cluster is named per test. */
function awsOnly(): Record<string, string> {
  const env = sandboxEnv()
  return {
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!,
    AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL!,
    AWS_REGION: env.AWS_REGION!,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!,
  }
}

/** Runs the CLI with a preload that records every CommonJS module it loaded (the AWS SDK is CommonJS). */
async function modulesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const report = path.join(await mkdtemp(path.join(os.tmpdir(), 'auroractl-modules-')), 'modules.txt')
  const result = await runCli(args, {
    env: {...env, REPORT_MODULES_FILE: report},
    nodeArgs: ['--import', path.join(packageRoot, 'test/helpers/report-modules.mjs')],
  })
  expect(result.exitCode, result.stderr).toBe(0)
  return (await readFile(report, 'utf8')).split('\n')
}

describe('auroractl as a user runs it', () => {
  it('--version prints name, version, platform and node', async () => {
    const result = await runCli(['--version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(`auroractl/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
  })

  it('--help lists the commands and topics', async () => {
    const result = await runCli(['--help'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('USAGE\n  $ auroractl [COMMAND]')
    for (const command of ['status', 'sandbox', 'autocomplete']) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'))
    const status = await runCli(['status', '--help'])
    expect(status.exitCode).toBe(0)
    for (const flag of [
      '--cluster',
      '--region',
      '--profile',
      '--endpoint-url',
      '--secret',
      '--env',
      '--tf-dir',
      '--json',
      '--[no-]color',
    ]) {
      expect(status.stdout).toContain(flag)
    }
  })

  it("runs oclif's plugins' commands and answers a mistyped command, though runs of its own commands skip the plugins", async () => {
    const script = await runCli(['autocomplete', 'script', 'bash'], {
      env: {AURORACTL_CACHE_DIR: await mkdtemp(path.join(os.tmpdir(), 'ac-'))},
    })
    expect(script.exitCode, script.stderr).toBe(0)
    expect(script.stdout).toContain('auroractl autocomplete setup')
    // plugin-not-found's hook: its warning and exit code 127.
    const typo = await runCli(['statu'])
    expect(typo.exitCode).toBe(127)
    expect(typo.stderr).toContain('statu is not a auroractl command')

    // oclif's debug log names each plugin it loads: none for a run of an own command, all three for the typo.
    const debug = {DEBUG: 'oclif:*'}
    // A command of its own, and one under a topic (which is not taken for the topic's help).
    for (const args of [['status'], ['snapshot', 'list']]) {
      const own = await runCli(args, {env: debug})
      expect(own.exitCode, args.join(' ')).toBe(2)
      expect(own.stderr).toContain('oclif:config')
      expect(own.stderr).not.toContain('@oclif/plugin-')
    }

    const typoDebug = await runCli(['statu'], {env: debug})
    for (const plugin of ['help', 'autocomplete', 'not-found']) expect(typoDebug.stderr).toContain(`@oclif/plugin-${plugin}`)
  })

  it('--version and --help load no AWS SDK client; status loads only RDS', async () => {
    for (const args of [['--version'], ['--help'], ['status', '--help'], ['sandbox', '--help']]) {
      const loaded = await modulesLoadedBy(args)
      expect(
        loaded.filter((file) => file.includes(`${path.sep}@aws-sdk${path.sep}`)),
        args.join(' '),
      ).toEqual([])
    }

    // The detector works: a command that calls AWS shows up in it.
    const loaded = await modulesLoadedBy(['status', '--cluster', 'nba-tracker-dev'], awsOnly())
    expect(loaded.some((file) => file.includes(path.join('@aws-sdk', 'client-rds')))).toBe(true)
    expect(loaded.some((file) => file.includes(path.join('@aws-sdk', 'client-ec2')))).toBe(false)
  })

  it('status prints the cluster served by moto', async () => {
    const result = await runCli(['status'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('=== nba-tracker-dev')
    expect(result.stdout).toMatch(/Capacity\s+Serverless v2, 0\.5-1 ACU/)
    expect(result.stdout).toMatch(/nba-tracker-dev-writer\s+│ writer\s+│ db\.serverless\s+│ us-east-1a\s+│ available\s+│ on/)
    expect(result.stdout).toMatch(/nba-tracker-dev-reader-1\s+│ reader\s+│ db\.serverless\s+│ us-east-1b/)
    // stderr names the cluster and where it came from (issue #13); nothing else.
    expect(result.stderr).toBe('Cluster nba-tracker-dev (from AURORACTL_CLUSTER) in us-east-1\n')
  })

  it('status --json prints the same data as one JSON document', async () => {
    const result = await runCli(['status', '--json'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    const status = JSON.parse(result.stdout)
    expect(status).toMatchObject({
      capacity: {maxAcu: 1, minAcu: 0.5},
      engine: {name: 'aurora-postgresql'},
      id: 'nba-tracker-dev',
      status: 'available',
    })
    expect(status.instances.map((instance: {role: string}) => instance.role)).toEqual(['writer', 'reader'])
  })

  it('an unknown cluster exits 3 with a hint naming the clusters that exist', async () => {
    const human = await runCli(['status', '--cluster', 'nba-tracker-prod'], {env: awsOnly()})
    expect(human.exitCode).toBe(3)
    expect(human.stdout).toBe('')
    // Other test files create clusters of their own, so the list may hold more than the seeded one.
    expect(human.stderr).toMatch(
      /^Cluster nba-tracker-prod \(from --cluster\) in us-east-1\nError: Cluster "nba-tracker-prod" was not found in us-east-1\.\nHint: Clusters in us-east-1: (.+, )?nba-tracker-dev(, .+)?\. Pass one with --cluster, or check --region\.\n$/,
    )
    const json = await runCli(['status', '--cluster', 'nba-tracker-prod', '--json'], {env: awsOnly()})
    expect(json.exitCode).toBe(3)
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: 'CLUSTER_NOT_FOUND',
        exitCode: 3,
        hint: expect.stringContaining('nba-tracker-dev'),
        message: 'Cluster "nba-tracker-prod" was not found in us-east-1.',
      },
    })
  })

  it.each([
    [['status', '--bogus'], 'Nonexistent flag: --bogus'],
    [['status', '--cluster', '1bad'], '--cluster "1bad" must start with a letter'],
    [['status', '--cluster', 'bad--name'], 'must not contain two consecutive hyphens'],
    [['status', '--cluster', 'ok', '--region', 'mars'], '--region "mars" is not an AWS region name'],
    [
      ['status', '--cluster', 'ok', '--endpoint-url', 'localhost:5000'],
      '--endpoint-url "localhost:5000" must be an http:// or https:// URL',
    ],
    [['status'], 'No cluster named: pass --cluster, set AURORACTL_CLUSTER'],
    [['status', '--env', 'prod'], '--env "prod" was given, but no auroractl.config.json was found'],
  ])('bad input %j exits 2 with one clear line', async (args, message) => {
    const result = await runCli(args, {cwd: os.tmpdir(), env: awsOnly()})
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n')[0]).toContain(message)
    expect(result.stderr).toMatch(/^Hint: /m)
  })

  it.each([
    [['secret', 'get', '--format', 'yaml'], 'Expected --format=yaml to be one of: text, json, uri, env, pgpass'],
    [['secret', 'get', '--field', 'token'], 'Expected --field=token to be one of'],
    [['psql', '--via', 'bastion'], '--via "bastion" is not HOST:PORT'],
    [['psql', '--via', '127.0.0.1:70000'], 'with a port from 1 to 65535'],
    [['migrate', '--from', 'postgresql://u@h/db', '--verify', 'sha'], 'Expected --verify=sha to be one of: count, checksum, none'],
    [['migrate', '--from', 'postgresql://u@h/db', '--to', 'h:5432/db'], '--to must be a postgresql:// URL'],
    [['migrate'], 'Exactly one of the following must be provided: --from, --from-secret'],
    [['doctor', '--query-age', 'old'], '--query-age "old" is not a duration'],
    [['metrics', 'capacity', '--metric', 'IOPS'], 'Expected --metric=IOPS to be one of'],
  ])('bad value %j exits 2 naming the flag', async (args, message) => {
    const result = await runCli(args, {cwd: os.tmpdir(), env: {...awsOnly(), AURORACTL_CLUSTER: 'nba-tracker-dev'}})
    expect(result.exitCode).toBe(2)
    expect(result.stderr.split('\n')[0]).toContain(message)
  })

  it('an unknown command exits 127 with a pointer to help', async () => {
    const result = await runCli(['snapshots'])
    expect(result.exitCode).toBe(127)
    expect(result.stderr).toContain('Run auroractl help for a list of available commands.')
  })

  it('an unreachable AWS endpoint is one line with a hint, exit 1', async () => {
    const result = await runCli(['status', '--cluster', 'nba-tracker-dev', '--endpoint-url', 'http://127.0.0.1:9'], {
      env: {...awsOnly(), AWS_ENDPOINT_URL: undefined},
    })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Error: Cannot reach the AWS endpoint (ECONNREFUSED)')
    expect(result.stderr).toContain('Hint: Check --endpoint-url')
  })

  it('Ctrl-C while waiting on AWS exits 130 and says so', async () => {
    // An endpoint that accepts connections and never answers: the command is left waiting.
    const server = net.createServer(() => {})
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve)
    })
    const {port} = server.address() as net.AddressInfo
    try {
      const child = spawn(
        process.execPath,
        [cliPath, 'status', '--cluster', 'nba-tracker-dev', '--endpoint-url', `http://127.0.0.1:${port}`],
        {
          env: {...process.env, ...awsOnly(), AWS_ENDPOINT_URL: undefined, NO_COLOR: '1'},
        },
      )
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      await new Promise<void>((resolve) => {
        server.once('connection', () => resolve())
      })
      child.kill('SIGINT')
      const code = await new Promise((resolve) => {
        child.on('exit', (exitCode) => resolve(exitCode))
      })
      expect(code).toBe(130)
      expect(stderr).toContain('Interrupted.')
    } finally {
      server.close()
    }
  })

  it('reads the target from a named environment in auroractl.config.json', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-project-'))
    const env = sandboxEnv()
    await writeFile(
      path.join(dir, 'auroractl.config.json'),
      JSON.stringify({
        environments: {
          dev: {cluster: 'nba-tracker-dev', endpointUrl: env.AWS_ENDPOINT_URL, region: 'us-east-1'},
          prod: {cluster: 'nba-tracker-prod', region: 'us-east-1'},
        },
      }),
    )
    const credentialsOnly = {AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!}
    const dev = await runCli(['status', '--env', 'dev', '--json'], {cwd: dir, env: credentialsOnly})
    expect(dev.exitCode, dev.stderr).toBe(0)
    expect(JSON.parse(dev.stdout).id).toBe('nba-tracker-dev')
    // A flag outranks the config file.
    const override = await runCli(
      ['status', '--env', 'prod', '--cluster', 'nba-tracker-dev', '--endpoint-url', env.AWS_ENDPOINT_URL!, '--json'],
      {cwd: dir, env: credentialsOnly},
    )
    expect(override.exitCode, override.stderr).toBe(0)
    const unknown = await runCli(['status', '--env', 'qa'], {cwd: dir, env: credentialsOnly})
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain('defined: dev, prod')
  })

  const terraform = spawnSync('terraform', ['version'], {encoding: 'utf8'})
  it.skipIf(terraform.error !== undefined)(
    'reads the cluster from real Terraform outputs with --tf-dir (skipped when terraform is not installed)',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-tf-'))
      const env = sandboxEnv()
      // A root module with outputs only: applies offline, no provider needed, and leaves real state.
      await writeFile(
        path.join(dir, 'main.tf'),
        [
          'output "cluster_id" { value = "nba-tracker-dev" }',
          `output "database_secret_arn" { value = "${env.AURORACTL_SECRET}" }`,
          'output "cluster_arn" { value = "arn:aws:rds:us-east-1:123456789012:cluster:nba-tracker-dev" }',
          'output "database_url" {',
          '  value     = "postgresql://nbatracker:tf-Secret-Pw@example:5432/nbatracker"',
          '  sensitive = true',
          '}',
          '',
        ].join('\n'),
      )
      const tfEnv = {...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1'}
      execFileSync('terraform', [`-chdir=${dir}`, 'init', '-input=false', '-no-color'], {env: tfEnv, stdio: 'ignore'})
      execFileSync('terraform', [`-chdir=${dir}`, 'apply', '-auto-approve', '-input=false', '-no-color'], {env: tfEnv, stdio: 'ignore'})

      const withoutRegion: Record<string, string | undefined> = {...awsOnly(), AWS_REGION: undefined}
      const result = await runCli(['status', '--tf-dir', dir, '--json'], {env: withoutRegion})
      expect(result.exitCode, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout).id).toBe('nba-tracker-dev')
      expect(result.stdout + result.stderr).not.toContain('tf-Secret-Pw')

      const missing = await runCli(['status', '--tf-dir', path.join(dir, 'nope')], {env: awsOnly()})
      expect(missing.exitCode).toBe(1)
      expect(missing.stderr).toContain('`terraform output -json` failed')
    },
  )
})
