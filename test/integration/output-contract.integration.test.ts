import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, inject, it} from 'vitest'

import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {runCli} from '../helpers/run-cli.js'

const sandboxEnv = () => inject('sandboxEnv')
const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: 'nba-tracker-dev'})
let emptySandbox: Record<string, string>

interface Case {
  args: string[]
  env: () => Record<string, string | undefined>
}

/**
 * For every command: a failure (cheap: a cluster that does not exist, a bad flag) and, where it is cheap,
 * a success. A new command without cases fails the test, so the contract covers it from the start.
 */
const cases: Record<string, Case[]> = {
  doctor: [
    {args: ['doctor', '--cluster', 'no-such-cluster'], env},
    {args: ['doctor', '--only', 'cluster.status,cluster.scaling'], env},
    {args: ['doctor', '--only', 'cluster.status,capacity.pause-blockers'], env},
  ],
  drill: [
    {args: ['drill', '--cluster', 'no-such-cluster'], env},
    {args: ['drill', '--check', ''], env},
  ],
  'drill:cleanup': [
    {args: ['drill', 'cleanup', '--older-than', 'soon'], env},
    {args: ['drill', 'cleanup', '--older-than', '3650d'], env},
  ],
  events: [
    {args: ['events', '--cluster', 'no-such-cluster'], env},
    {args: ['events', '--since', '1h', '--source', 'all'], env},
  ],
  failover: [
    {args: ['failover', '--cluster', 'no-such-cluster'], env},
    {args: ['failover', '--dry-run'], env},
  ],
  'inspect:bloat': [
    {args: ['inspect', 'bloat', '--cluster', 'no-such-cluster'], env},
    {args: ['inspect', 'bloat'], env},
  ],
  'inspect:indexes': [
    {args: ['inspect', 'indexes', '--schema', 'no_such_schema'], env},
    {args: ['inspect', 'indexes'], env},
  ],
  'inspect:outliers': [
    {args: ['inspect', 'outliers', '--sort', 'worst'], env},
    {args: ['inspect', 'outliers', '--limit', '3'], env},
  ],
  'inspect:seq-scans': [
    {args: ['inspect', 'seq-scans', '--database', 'no_such_database'], env},
    {args: ['inspect', 'seq-scans'], env},
  ],
  'inspect:sizes': [
    {args: ['inspect', 'sizes', '--limit', '0'], env},
    {args: ['inspect', 'sizes'], env},
  ],
  'inspect:vacuum': [
    {args: ['inspect', 'vacuum', '--cluster', 'no-such-cluster'], env},
    {args: ['inspect', 'vacuum', '--schema', 'public'], env},
  ],
  kill: [
    {args: ['kill'], env},
    {args: ['kill', '2147483647', '--force', '--confirm', 'nba-tracker-dev'], env},
  ],
  killall: [
    {args: ['killall'], env},
    {args: ['killall', '--app', `contract-none-${process.pid}`, '--dry-run'], env},
  ],
  locks: [
    {args: ['locks', '--cluster', 'no-such-cluster'], env},
    {args: ['locks'], env},
  ],
  'logs:get': [
    {args: ['logs', 'get', 'error/postgresql.log.any'], env},
    {args: ['logs', 'get', 'error/postgresql.log.1999-01-01-0000', '--output', path.join(os.tmpdir(), `contract-${process.pid}.log`)], env},
  ],
  'logs:list': [
    {args: ['logs', 'list', '--cluster', 'no-such-cluster'], env},
    {args: ['logs', 'list'], env},
  ],
  'logs:tail': [{args: ['logs', 'tail'], env}],
  'metrics:capacity': [
    {args: ['metrics', 'capacity', '--cluster', 'no-such-cluster'], env},
    {args: ['metrics', 'capacity'], env},
  ],
  'metrics:cost': [
    {args: ['metrics', 'cost', '--cluster', 'no-such-cluster'], env},
    {args: ['cost', '--since', '500d'], env},
    {args: ['metrics', 'cost'], env},
  ],
  migrate: [
    {args: ['migrate', '--from', 'postgresql://app:hunter2@127.0.0.1/db'], env},
    {args: ['migrate', '--from', 'postgresql://app@127.0.0.1:1/db', '--dry-run'], env},
  ],
  'pi:top': [
    {args: ['pi', 'top', '--cluster', 'no-such-cluster'], env},
    {args: ['pi', 'top', '--source', 'pg'], env},
  ],
  ps: [
    {args: ['ps', '--min-duration', 'soon'], env},
    {args: ['ps', '--all'], env},
  ],
  psql: [{args: ['psql'], env}],
  restore: [
    {args: ['restore', '--snapshot', 'no-such-snapshot', '--target', 'x1'], env},
    {args: ['restore', '--snapshot', 'latest', '--target', 'contract-dry', '--dry-run'], env},
  ],
  'role:create': [
    {args: ['role', 'create', 'Bad-Name', '--readonly'], env},
    {args: ['role', 'create', `contract_${process.pid}`, '--readonly', '--dry-run'], env},
  ],
  'role:drop': [
    {args: ['role', 'drop', 'pg_monitor'], env},
    {args: ['role', 'drop', `contract_none_${process.pid}`, '--dry-run'], env},
  ],
  'role:list': [
    {args: ['role', 'list', '--cluster', 'no-such-cluster'], env},
    {args: ['role', 'list'], env},
  ],
  'role:rotate': [
    {args: ['role', 'rotate', `contract_none_${process.pid}`], env},
    {args: ['role', 'rotate', 'x', '--timeout', 'soon'], env},
  ],
  'sandbox:data-plane': [{args: ['sandbox', 'data-plane', 'snapshot', '{}'], env: () => ({AURORACTL_SANDBOX_DIR: emptySandbox.dir})}],
  'sandbox:down': [{args: ['sandbox', 'down'], env: () => ({AURORACTL_SANDBOX_DIR: emptySandbox.dir})}],
  'sandbox:env': [
    {args: ['sandbox', 'env'], env: () => ({AURORACTL_SANDBOX_DIR: emptySandbox.dir})},
    {args: ['sandbox', 'env'], env},
  ],
  'sandbox:status': [
    {args: ['sandbox', 'status'], env: () => ({AURORACTL_SANDBOX_DIR: emptySandbox.dir})},
    {args: ['sandbox', 'status'], env},
  ],
  'sandbox:up': [{args: ['sandbox', 'up'], env}],
  scale: [
    {args: ['scale', '--max', '1000'], env},
    {args: ['scale', '--min', '0.5', '--max', '1', '--dry-run'], env},
    {args: ['scale', '--auto-pause', '10m'], env},
    {args: ['scale', '--min', '0', '--auto-pause', '1m'], env},
    {args: ['scale', '--min', '0', '--auto-pause', '10m', '--dry-run'], env},
  ],
  'secret:get': [
    {args: ['secret', 'get', '--secret', 'no-such-secret'], env},
    {args: ['secret', 'get', '--format', 'env'], env},
  ],
  'secret:rotate': [
    {args: ['secret', 'rotate', '--cluster', 'no-such-cluster'], env},
    {args: ['secret', 'rotate', '--dry-run'], env},
  ],
  'snapshot:create': [
    {args: ['snapshot', 'create', '--cluster', 'no-such-cluster'], env},
    {args: ['snapshot', 'create', '--id', `contract-${process.pid}`], env},
  ],
  'snapshot:delete': [
    {args: ['snapshot', 'delete', `contract-${process.pid}`], env},
    {args: ['snapshot', 'delete', `contract-${process.pid}`, '--confirm', `contract-${process.pid}`], env},
  ],
  'snapshot:list': [
    {args: ['snapshot', 'list', '--cluster', 'no-such-cluster'], env},
    {args: ['snapshot', 'list'], env},
  ],
  'snapshot:prune': [
    {args: ['snapshot', 'prune', '--keep', '-1'], env},
    {args: ['snapshot', 'prune', '--keep', '1000', '--dry-run'], env},
  ],
  status: [
    {args: ['status', '--cluster', 'no-such-cluster'], env},
    {args: ['status'], env},
  ],
}

beforeAll(async () => {
  emptySandbox = {dir: await mkdtemp(path.join(os.tmpdir(), 'auroractl-no-sandbox-'))}
})

describe('the output contract: with --json, stdout is exactly one JSON document, or --json is refused with exit 2', () => {
  it('has cases for every command in the oclif manifest', async () => {
    const manifest = JSON.parse(await readFile(path.join(packageRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, unknown>
    }
    expect(Object.keys(cases).sort()).toEqual(Object.keys(manifest.commands).sort())
  })

  it('holds for every command, failing and succeeding', async () => {
    const outcomes: string[] = []
    // In sequence, in the order written: snapshot delete comes after the create it deletes.
    for (const [id, list] of Object.entries(cases)) {
      for (const {args, env: caseEnv} of list) {
        const result = await runCli([...args, '--json'], {env: caseEnv()})
        const label = `${args.join(' ')} --json (exit ${result.exitCode})`
        if (result.exitCode === 2 && result.stdout === '') {
          outcomes.push(`${id}: refused`)
          continue
        }

        let parsed: unknown
        expect(
          () => {
            parsed = JSON.parse(result.stdout)
          },
          `${label}: stdout is not one JSON document:\n${result.stdout.slice(0, 400)}\nstderr: ${result.stderr.slice(0, 400)}`,
        ).not.toThrow()
        expect(parsed, label).toBeTypeOf('object')
        // An error is the error document and nothing else; a success is never an error document.
        if (result.exitCode === 0) expect(parsed, label).not.toHaveProperty('error')
        else if (result.exitCode !== 4) expect(Object.keys(parsed as object), label).toEqual(['error'])
        outcomes.push(`${id}: ${result.exitCode}`)
      }
    }

    // Every command answered at least one case, and some cases succeeded (not only errors).
    expect(outcomes.filter((outcome) => outcome.endsWith(': 0')).length).toBeGreaterThan(10)
  }, 300_000)
})
