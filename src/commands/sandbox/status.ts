import type {Palette} from '../../lib/render/colour.js'

import {BaseCommand} from '../../lib/base-command.js'
import {globalFlags} from '../../lib/flags.js'

export interface SandboxStatusOutput {
  cluster: null | string
  dir: string
  moto: null | {running: boolean; url: string}
  postgres: null | {port: number; running: boolean}
  running: boolean
  startedAt: null | string
}

export default class SandboxStatus extends BaseCommand<typeof SandboxStatus> {
  static override baseFlags = globalFlags
  static override description = "Tell whether the sandbox's moto and PostgreSQL are running, and where."
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json']
  static override summary = "Tell whether the sandbox's moto and PostgreSQL are running"

  async run(): Promise<SandboxStatusOutput> {
    const [{sandboxPaths}, {readSandboxState, sandboxHealth}] = await Promise.all([
      import('../../lib/sandbox/paths.js'),
      import('../../lib/sandbox/state.js'),
    ])
    const paths = sandboxPaths()
    const state = await readSandboxState(paths)
    if (!state) {
      this.log(`No sandbox in ${paths.dir}. Start one with \`${this.config.bin} sandbox up\`.`)
      return {cluster: null, dir: paths.dir, moto: null, postgres: null, running: false, startedAt: null}
    }

    const health = await sandboxHealth(state)
    const output: SandboxStatusOutput = {
      cluster: state.cluster.clusterId,
      dir: paths.dir,
      moto: {running: health.moto, url: state.moto.url},
      postgres: {port: state.postgres.port, running: health.postgres},
      running: health.moto && health.postgres,
      startedAt: state.startedAt,
    }
    this.log(`Sandbox ${paths.dir} (started ${state.startedAt})`)
    this.log(`  moto        ${runningWord(health.moto, this.colour)}  ${state.moto.url}`)
    this.log(`  PostgreSQL  ${runningWord(health.postgres, this.colour)}  127.0.0.1:${state.postgres.port}`)
    this.log(`  cluster     ${state.cluster.clusterId}`)
    if (!output.running) this.log(`Part of it is down: \`${this.config.bin} sandbox up\` starts it afresh.`)
    return output
  }
}

function runningWord(running: boolean, colour: Palette): string {
  return running ? colour.green('running') : colour.red('stopped')
}
