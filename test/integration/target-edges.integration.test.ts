import {CreateDBClusterCommand} from '@aws-sdk/client-rds'
import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

// A second cluster in moto, so acting on the wrong one shows.
const other = `te-prod-${process.pid}`
let project: string

beforeAll(async () => {
  const rds = await sandboxClients().rds()
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: other,
      Engine: 'aurora-postgresql',
      EngineVersion: '15.14',
      MasterUsername: 'edge',
      MasterUserPassword: 'edge-password-1',
      ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0.5},
    }),
  )
  project = await mkdtemp(path.join(os.tmpdir(), 'auroractl-target-'))
  await writeFile(
    path.join(project, 'auroractl.config.json'),
    JSON.stringify({defaultEnv: 'prod', environments: {dev: {cluster: 'nba-tracker-dev'}, prod: {cluster: other, region: 'us-east-1'}}}),
  )
})

/** The sandbox's AWS side with the dev cluster exported, as `eval "$(auroractl sandbox env)"` leaves a shell. */
function devShell(): Record<string, string> {
  return {...sandboxEnv(), AURORACTL_CLUSTER: 'nba-tracker-dev'}
}

describe('which cluster a command acts on', () => {
  it('--env beats an exported AURORACTL_CLUSTER, says so on stderr, and names the cluster it acted on', async () => {
    const result = await runCli(['status', '--env', 'prod'], {cwd: project, env: devShell()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain(`=== ${other}`)
    expect(result.stdout).not.toContain('nba-tracker-dev')
    const config = path.join(project, 'auroractl.config.json')
    expect(result.stderr).toContain(`Note: cluster "${other}" from --env prod: ${config} wins over AURORACTL_CLUSTER "nba-tracker-dev".\n`)
    expect(result.stderr).toContain(`Cluster ${other} (from --env prod: ${config}) in us-east-1\n`)
  })

  it("an exported AURORACTL_CLUSTER beats the config file's defaultEnv", async () => {
    const result = await runCli(['status'], {cwd: project, env: devShell()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('=== nba-tracker-dev')
    expect(result.stderr).toContain(
      `Note: cluster "nba-tracker-dev" from AURORACTL_CLUSTER wins over defaultEnv prod: ${path.join(project, 'auroractl.config.json')} "${other}".`,
    )
    expect(result.stderr).toContain('Cluster nba-tracker-dev (from AURORACTL_CLUSTER) in us-east-1\n')
  })

  it('--cluster beats everything; the cluster line is human output only (not under --json)', async () => {
    const json = await runCli(['status', '--env', 'prod', '--cluster', 'nba-tracker-dev', '--json'], {cwd: project, env: devShell()})
    expect(json.exitCode, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).id).toBe('nba-tracker-dev')
    expect(json.stderr).not.toContain('Cluster nba-tracker-dev (from')
    // The disagreement is a warning, and warnings go to stderr under --json too.
    expect(json.stderr).toContain(`Note: cluster "nba-tracker-dev" from --cluster wins over --env prod`)
  })

  it.each([
    ['snapshot', 'list'],
    ['metrics', 'capacity'],
    ['restore', '--snapshot', 'latest', '--target', `te-copy-${process.pid}`, '--dry-run'],
  ])('every command names its cluster: %s %s', async (...args) => {
    const result = await runCli(args, {cwd: project, env: {...devShell(), AURORACTL_CLUSTER: undefined}})
    expect(result.stderr.split('\n')[0]).toBe(
      `Cluster ${other} (from defaultEnv prod: ${path.join(project, 'auroractl.config.json')}) in us-east-1`,
    )
  })
})
