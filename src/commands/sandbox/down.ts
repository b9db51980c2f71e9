import {BaseCommand} from '../../lib/cli/base-command.js'
import {globalFlags} from '../../lib/cli/flags.js'

export interface SandboxDownOutput {
  dir: string
  stopped: string[]
  wasRunning: boolean
}

export default class SandboxDown extends BaseCommand<typeof SandboxDown> {
  static override baseFlags = globalFlags
  static override description = `Stop the sandbox's moto and PostgreSQL and remove the throwaway data \`sandbox up\` created.
The Python venv is kept so the next \`sandbox up\` is quick. Running it when nothing runs is fine.`
  static override examples = ['<%= config.bin %> sandbox down']
  static override summary = 'Stop the sandbox and remove the throwaway data it created'

  async run(): Promise<SandboxDownOutput> {
    const {sandboxDown} = await import('../../lib/sandbox/sandbox.js')
    const result = await sandboxDown()
    this.log(
      result.wasRunning ? `Sandbox stopped (${result.stopped.join(', ') || 'processes were already gone'}).` : 'No sandbox was running.',
    )
    return result
  }
}
