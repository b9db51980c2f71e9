import {BaseCommand} from '../../lib/cli/base-command.js'
import {AuroraError} from '../../lib/cli/errors.js'
import {globalFlags} from '../../lib/cli/flags.js'

export default class SandboxEnv extends BaseCommand<typeof SandboxEnv> {
  static override baseFlags = globalFlags
  static override description = `Print shell lines that point auroractl (and the AWS CLI, psql) at the running sandbox.
Use as: eval "$(auroractl sandbox env)". Also sets PGHOST/PGHOSTADDR/PGPORT/PGUSER/PGDATABASE/PGSSLMODE=verify-full/PGSSLROOTCERT,
so plain psql reaches the cluster's writer. The variables hold no secret: the database password stays in moto's Secrets Manager.`
  static override examples = ['eval "$(<%= config.bin %> sandbox env)"', '<%= config.bin %> sandbox env --json']
  static override summary = 'Print the shell lines that point auroractl at the sandbox'

  async run(): Promise<Record<string, string>> {
    const [{sandboxPaths}, {readSandboxState, sandboxEnvironment, sandboxHealth, sandboxLibpqEnvironment, sandboxUnsetVariables}] =
      await Promise.all([import('../../lib/sandbox/paths.js'), import('../../lib/sandbox/state.js')])
    const state = await readSandboxState(sandboxPaths())
    const health = state && (await sandboxHealth(state))
    if (!state || !health?.moto || !health.postgres) {
      throw new AuroraError('NOT_FOUND', 'The sandbox is not running.', {hint: `Start it with \`${this.config.bin} sandbox up\`.`})
    }

    const variables = {...sandboxEnvironment(state), ...sandboxLibpqEnvironment(state)}
    this.log(`unset ${sandboxUnsetVariables.join(' ')}`)
    for (const [name, value] of Object.entries(variables)) this.log(`export ${name}=${shellQuote(value)}`)
    return variables
  }
}

function shellQuote(value: string): string {
  return /^[\w./:@=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
