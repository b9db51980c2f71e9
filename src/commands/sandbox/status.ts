import type {Palette} from '../../lib/cli/render/colour.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {globalFlags} from '../../lib/cli/flags.js'

export interface SandboxStatusOutput {
  cluster: null | string
  dir: string
  moto: null | {running: boolean; url: string}
  postgres: null | {port: number; running: boolean}
  running: boolean
  /** Every PostgreSQL server the sandbox runs: the seeded cluster's and one per restored cluster (the data plane). */
  servers: Array<{cluster: string; port: number; primary: boolean; running: boolean}>
  startedAt: null | string
}

export default class SandboxStatus extends BaseCommand<typeof SandboxStatus> {
  static override baseFlags = globalFlags
  static override description =
    "Tell whether the sandbox's moto and PostgreSQL servers (the seeded cluster's and every restored one's) are running, and where."
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json']
  static override summary = "Tell whether the sandbox's moto and PostgreSQL are running"

  async run(): Promise<SandboxStatusOutput> {
    const [{sandboxPaths}, {readSandboxState, sandboxHealth}, {sandboxServers}] = await Promise.all([
      import('../../lib/sandbox/paths.js'),
      import('../../lib/sandbox/state.js'),
      import('../../lib/sandbox/data-plane.js'),
    ])
    const paths = sandboxPaths()
    const state = await readSandboxState(paths)
    if (!state) {
      this.log(`No sandbox in ${paths.dir}. Start one with \`${this.config.bin} sandbox up\`.`)
      return {cluster: null, dir: paths.dir, moto: null, postgres: null, running: false, servers: [], startedAt: null}
    }

    const [health, servers] = await Promise.all([sandboxHealth(state), sandboxServers(paths, state)])
    const output: SandboxStatusOutput = {
      cluster: state.cluster.clusterId,
      dir: paths.dir,
      moto: {running: health.moto, url: state.moto.url},
      postgres: {port: state.postgres.port, running: health.postgres},
      running: health.moto && health.postgres,
      servers,
      startedAt: state.startedAt,
    }
    this.log(`Sandbox ${paths.dir} (started ${state.startedAt})`)
    this.log(`  moto        ${runningWord(health.moto, this.colour)}  ${state.moto.url}`)
    this.log(`  PostgreSQL  ${runningWord(health.postgres, this.colour)}  127.0.0.1:${state.postgres.port}`)
    this.log(`  cluster     ${state.cluster.clusterId}`)
    this.log(`PostgreSQL servers (${servers.length}):`)
    for (const server of servers) {
      this.log(
        `  ${server.cluster.padEnd(40)}  ${runningWord(server.running, this.colour)}  127.0.0.1:${server.port}${server.primary ? '  (seeded)' : '  (restored)'}`,
      )
    }

    if (!output.running) this.log(`Part of it is down: \`${this.config.bin} sandbox up\` starts it afresh.`)
    return output
  }
}

function runningWord(running: boolean, colour: Palette): string {
  return running ? colour.green('running') : colour.red('stopped')
}
