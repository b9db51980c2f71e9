import {BaseCommand} from '../../lib/cli/base-command.js'
import {seconds} from '../../lib/cli/duration.js'
import {globalFlags} from '../../lib/cli/flags.js'

export interface SandboxUpOutput {
  alreadyRunning: boolean
  cluster: string
  dir: string
  elapsedSeconds: number
  endpoint: string
  env: Record<string, string>
  motoUrl: string
  postgresPort: number
  steps: Array<{ms: number; step: string}>
}

export default class SandboxUp extends BaseCommand<typeof SandboxUp> {
  static override baseFlags = globalFlags
  static override description = `Start a local stand-in for AWS and Aurora: moto (the AWS API emulator) and a real PostgreSQL 15 with TLS,
seeded with the cluster the bundled Terraform module creates. Then \`eval "$(auroractl sandbox env)"\` points every command at it.
The first run installs moto into a Python venv (about 30 s, needs PyPI); later runs take a few seconds.`
  static override examples = ['<%= config.bin %> sandbox up', 'eval "$(<%= config.bin %> sandbox env)" && <%= config.bin %> status']
  static override summary = 'Start a local moto and PostgreSQL 15 seeded with the cluster'

  async run(): Promise<SandboxUpOutput> {
    const started = performance.now()
    const {sandboxUp} = await import('../../lib/sandbox/sandbox.js')
    const result = await sandboxUp({log: (line) => this.logToStderr(line), version: this.config.version})
    const output: SandboxUpOutput = {
      alreadyRunning: result.alreadyRunning,
      cluster: result.state.cluster.clusterId,
      dir: result.dir,
      elapsedSeconds: seconds(performance.now() - started),
      endpoint: result.state.cluster.writerEndpoint,
      env: result.env,
      motoUrl: result.state.moto.url,
      postgresPort: result.state.postgres.port,
      steps: result.steps,
    }
    this.log(
      result.alreadyRunning
        ? `The sandbox is already running (moto ${output.motoUrl}, PostgreSQL 127.0.0.1:${output.postgresPort}); nothing to do.`
        : `Sandbox up in ${output.elapsedSeconds} s: cluster ${output.cluster}, moto ${output.motoUrl}, PostgreSQL 127.0.0.1:${output.postgresPort}.`,
    )
    // A next step that runs as printed: `auroractl` is on PATH only after `npm link` or a global install.
    const {howToRun} = await import('../../lib/cli/invocation.js')
    const run = howToRun()
    process.stderr.write(`Next: eval "$(${run} sandbox env)" && ${run} status\n`)
    return output
  }
}
