import type {AddressInfo} from 'node:net'

import {DeleteDBClusterCommand, DeleteDBClusterSnapshotCommand} from '@aws-sdk/client-rds'
import net from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'

import {startInZeroColumnTerminal, timeToExit} from '../helpers/pty.js'
import {sandboxClients} from '../helpers/sandbox-clients.js'
import {startStallingProxy} from '../helpers/stalling-proxy.js'

const sandboxEnv = () => inject('sandboxEnv')
const suffix = `${process.pid}`

/** A TCP server that accepts and never says a word: TLS handshakes and PostgreSQL start-ups wait on it. */
let silent: net.Server
const sockets = new Set<net.Socket>()
const silentAddress = () => `127.0.0.1:${(silent.address() as AddressInfo).port}`

beforeAll(async () => {
  silent = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => {
    silent.listen(0, '127.0.0.1', resolve)
  })
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => {
    silent.close(resolve)
  })
})

interface WaitingCase {
  args: () => string[]
  cleanup?: () => Promise<void>
  /** How long it may take to exit after the signal: a drill first tears down what it created (default: a second). */
  exitWithinMs?: number
  /** What it must print within a second of the signal, when it does work before exiting. */
  reacts?: RegExp
  /** Extra time to let it reach its wait when it prints nothing first. */
  settle?: number
  /** Where AWS calls go: moto, or a proxy that keeps the resource from finishing. */
  stall?: {id: string; status: string}
  /** Text of the progress line that shows the command is waiting. */
  waitingFor: RegExp
}

const rds = () => sandboxClients().rds()

const waitingCommands: Record<string, WaitingCase> = {
  doctor: {
    args: () => ['doctor', '--via', silentAddress(), '--tcp-timeout', '60s', '--only', 'network.tcp,network.tls'],
    waitingFor: /Running 2 checks/,
  },
  // A drill waits for its restored cluster; on the signal it stops waiting at once and tears that cluster down.
  drill: {
    args: () => ['drill', '--snapshot', 'latest', '--timeout', '10m'],
    async cleanup() {
      const client = await rds()
      const {DescribeDBClustersCommand} = await import('@aws-sdk/client-rds')
      const {DBClusters} = await client.send(new DescribeDBClustersCommand({}))
      for (const cluster of DBClusters ?? []) {
        if (cluster.DBClusterIdentifier?.startsWith('nba-tracker-dev-drill-')) {
          await client
            .send(new DeleteDBClusterCommand({DBClusterIdentifier: cluster.DBClusterIdentifier, SkipFinalSnapshot: true}))
            .catch(() => {})
        }
      }
    },
    exitWithinMs: 30_000,
    reacts: /Deleting nba-tracker-dev-drill-/,
    stall: {id: 'nba-tracker-dev-drill-*', status: 'creating'},
    waitingFor: /Waiting for cluster nba-tracker-dev-drill-/,
  },
  // The source never answers: migrate waits for its connection (no line to wait for, so wait a moment).
  migrate: {
    args: () => [
      'migrate',
      '--from',
      `postgresql://app@${silentAddress()}/app?sslmode=require`,
      '--to-database',
      'never_copied',
      '--dry-run',
    ],
    settle: 2000,
    waitingFor: /^/,
  },
  restore: {
    args: () => ['restore', '--snapshot', 'latest', '--target', `pty-restore-${suffix}`],
    async cleanup() {
      await (
        await rds()
      )
        .send(new DeleteDBClusterCommand({DBClusterIdentifier: `pty-restore-${suffix}`, SkipFinalSnapshot: true}))
        .catch(() => {})
    },
    stall: {id: `pty-restore-${suffix}`, status: 'creating'},
    waitingFor: /Waiting for cluster pty-restore/,
  },
  // The same range the sandbox cluster has: a real ModifyDBCluster that changes nothing other tests see.
  scale: {
    args: () => ['scale', '--min', '0.5', '--max', '1'],
    stall: {id: 'nba-tracker-dev', status: 'modifying'},
    waitingFor: /Scaling nba-tracker-dev/,
  },
  'snapshot create': {
    args: () => ['snapshot', 'create', '--id', `pty-snapshot-${suffix}`],
    async cleanup() {
      await (await rds()).send(new DeleteDBClusterSnapshotCommand({DBClusterSnapshotIdentifier: `pty-snapshot-${suffix}`})).catch(() => {})
    },
    stall: {id: `pty-snapshot-${suffix}`, status: 'creating'},
    waitingFor: /Snapshot pty-snapshot-\d+: creating/,
  },
}

describe('waiting commands in a terminal that reports 0 columns', () => {
  it.each(
    Object.entries(waitingCommands).flatMap(([name, waiting]) => [
      [name, waiting, 'SIGINT'] as const,
      ...(name === 'snapshot create' || name === 'doctor' || name === 'drill' ? [[name, waiting, 'SIGTERM'] as const] : []),
    ]),
  )(
    '%s prints plain progress lines and exits 130 within a second of %s',
    async (_name, waiting, signal) => {
      const proxy = waiting.stall ? await startStallingProxy(sandboxEnv().AWS_ENDPOINT_URL!, waiting.stall) : undefined
      const cli = startInZeroColumnTerminal(waiting.args(), {
        ...sandboxEnv(),
        ...(proxy ? {AWS_ENDPOINT_URL: proxy.url} : {}),
        AURORACTL_CLUSTER: 'nba-tracker-dev',
        PGPASSWORD: 'not-used',
      })
      try {
        const pid = await cli.pid()
        for (let index = 0; index < 300 && !waiting.waitingFor.test(cli.screen()); index++) await sleep(100)
        expect(cli.screen()).toMatch(waiting.waitingFor)
        await sleep(waiting.settle ?? 0)
        // Waiting, the terminal gets a line per change, not a redraw loop.
        const before = cli.screenBytes()
        await sleep(1000)
        expect(cli.screenBytes() - before).toBeLessThan(4096)
        process.kill(pid, signal)
        if (waiting.reacts) {
          for (let index = 0; index < 10 && !waiting.reacts.test(cli.screen()); index++) await sleep(100)
          expect(cli.screen(), `${signal} not honoured within a second`).toMatch(waiting.reacts)
        }

        expect(await timeToExit(pid, waiting.exitWithinMs ?? 1000), `${signal} not honoured in time`).not.toBeNull()
        expect(await cli.exited).toBe(130)
        expect(cli.screenBytes()).toBeLessThan(64 * 1024)
        expect(cli.screen()).toMatch(/Interrupted/)
      } finally {
        cli.kill()
        await proxy?.close()
        await waiting.cleanup?.()
      }
    },
    60_000,
  )
})
