import type {Interfaces} from '@oclif/core'

import type {AwsClients} from '../aws/clients.js'
import type {ClusterTls, TlsMode} from '../pg/tls.js'
import type {ClusterSessionOptions} from '../target/cluster-session.js'
import type {Target, TargetFlags} from '../target/target.js'
import type {Progress} from './progress.js'

import {ExitCode, toRenderedError} from './errors.js'
import {globalFlags, targetFlags} from './flags.js'
// Subpaths, required: the package index would load all of @oclif/core (spinners, ux, ...) that a command never uses.
import {Command} from './oclif.js'
import {createPalette, type Palette} from './render/colour.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * What every auroractl command shares: `--json`, the target flags, lazy AWS clients,
 * colour rules, and one way of rendering errors with a documented exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags: Partial<typeof targetFlags> & typeof globalFlags = {...globalFlags, ...targetFlags}
  static override enableJsonFlag = true
  protected args!: BaseArgs<T>
  protected colour!: Palette
  /** Arguments oclif did not take as a flag or a declared argument (commands with `strict = false`), in order. */
  protected extraArgv: string[] = []
  protected flags!: BaseFlags<T>
  private awsClients?: AwsClients
  private readonly interruption = new AbortController()
  private resolvedTarget?: Promise<Target>
  /** What is said on a signal during shielded() work (undefined: none runs). */
  private shieldNote?: string
  private waits = 0

  /** The AWS client factory for this command's target; SDK modules load on first use of each client. */
  protected async aws(): Promise<AwsClients> {
    if (!this.awsClients) {
      const target = await this.target()
      const {AwsClients} = await import('../aws/clients.js')
      this.awsClients = new AwsClients({
        endpointUrl: target.endpointUrl,
        profile: target.profile,
        region: target.region,
        version: this.config.version,
      })
    }

    return this.awsClients
  }

  override async catch(error: Error & {exitCode?: number}): Promise<never> {
    const rendered = toRenderedError(error)
    // Every usage error points somewhere: to this command's help when nothing more specific applies.
    if (rendered.exitCode === ExitCode.usage && !rendered.hint) {
      const command = [this.config.bin, this.id?.replaceAll(':', ' ')].filter(Boolean).join(' ')
      rendered.hint = `See \`${command} --help\` for the flags and their valid values.`
    }

    if (this.jsonEnabled()) {
      this.logJson({error: rendered})
    } else {
      const colour = this.colour ?? createPalette({json: false, noColorFlag: process.argv.includes('--no-color')})
      process.stderr.write(`${colour.red('Error:')} ${rendered.message}\n`)
      if (rendered.hint) process.stderr.write(`${colour.dim('Hint:')} ${rendered.hint}\n`)
      if (rendered.code === 'UNEXPECTED' && process.env.DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
    }

    process.exitCode = rendered.exitCode
    this.exit(rendered.exitCode)
  }

  /**
   * TLS to the cluster from --tls and --ca-bundle (else PGSSLROOTCERT, else the bundled RDS CAs), for
   * commands that declare tlsFlags. Verification switched off is said on stderr every time, --json or not.
   */
  protected async clusterTls(): Promise<ClusterTls> {
    const {resolveClusterTls} = await import('../pg/tls.js')
    const flags = this.flags as {'ca-bundle'?: string; tls?: string}
    const tls = resolveClusterTls({caBundle: flags['ca-bundle'], mode: flags.tls as TlsMode | undefined})
    if (tls.warning) process.stderr.write(`${this.colour.yellow('Warning:')} ${tls.warning}\n`)
    return tls
  }

  override async init(): Promise<void> {
    await super.init()
    // Ctrl-C, and SIGTERM (what CI sends a cancelled job): while a command waits, abort the wait so the
    // command can clean up and say what is still running (it then exits 130); otherwise, or on a second
    // signal, exit 130 at once like a shell. process.exit still runs 'exit' hooks (a migrate's work folder).
    const onSignal = () => {
      if (this.shieldNote !== undefined) {
        process.stderr.write(`\n${this.shieldNote}\n`)
        return
      }

      if (this.waits > 0 && !this.interruption.signal.aborted) {
        this.interruption.abort()
        return
      }

      process.stderr.write('\nInterrupted.\n')
      // A signal handler cannot throw into oclif's error handling; exiting with 130 is the shell convention.
      // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit
      process.exit(ExitCode.interrupted)
    }

    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const {args, argv, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.extraArgv = argv.map(String)
    this.colour = createPalette({json: this.jsonEnabled(), noColorFlag: !this.flags.color})
  }

  /** Prompts are allowed only for a person at a terminal: never under --json, in CI or in a pipe. */
  protected interactive(): boolean {
    return !this.jsonEnabled() && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
  }

  /** Runs a wait that Ctrl-C should abort (not kill): the signal tells the waiter to stop. */
  protected async interruptibly<R>(work: (signal: AbortSignal) => Promise<R>): Promise<R> {
    this.waits++
    try {
      return await work(this.interruption.signal)
    } finally {
      this.waits--
    }
  }

  /** Progress on stderr (a spinner on a terminal), silent under --json; loaded by the commands that report any. */
  protected async progress(): Promise<Progress> {
    const {createProgress} = await import('./progress.js')
    return createProgress({enabled: !this.jsonEnabled()})
  }

  /** Where --database, --reader and --instance point, with the TLS decision: how the on-call and inspect commands connect. */
  protected async sessionOptions(flags: {database?: string; instance?: string; reader?: boolean}): Promise<ClusterSessionOptions> {
    return {database: flags.database, instance: flags.instance, reader: flags.reader, tls: await this.clusterTls()}
  }

  /**
   * Runs work that must not be cut short, such as a rollback putting a password back: a signal meanwhile is
   * answered with `note` on stderr and otherwise ignored (a second Ctrl-C must not leave a half-undone change).
   */
  protected async shielded<R>(note: string, work: () => Promise<R>): Promise<R> {
    const outer = this.shieldNote
    this.shieldNote = note
    try {
      return await work()
    } finally {
      this.shieldNote = outer
    }
  }

  /** Which cluster and account to act on, resolved once (flags > environment > config file > Terraform). */
  protected target(): Promise<Target> {
    this.resolvedTarget ??= (async () => {
      const [{describeConflict, describeTargetLine, resolveTarget}, {loadConfigFile}, {readTerraformOutputs}] = await Promise.all([
        import('../target/target.js'),
        import('../target/config.js'),
        import('../target/terraform.js'),
      ])
      const target = await resolveTarget({
        env: process.env,
        flags: this.flags as TargetFlags,
        loadConfig: () => loadConfigFile(process.cwd(), process.env),
        readTerraform: readTerraformOutputs,
      })
      this.announceTarget(target, describeConflict, describeTargetLine)
      return target
    })()
    return this.resolvedTarget
  }

  /**
   * Once per command, on stderr: every disagreement between sources (also under --json, as a warning),
   * then, in human output, which cluster the command acts on and where that came from.
   */
  private announceTarget(
    target: Target,
    conflict: (c: Target['conflicts'][number]) => string,
    line: (t: Target) => string | undefined,
  ): void {
    const colour = this.colour ?? createPalette({json: this.jsonEnabled(), noColorFlag: false})
    for (const entry of target.conflicts) process.stderr.write(`${colour.yellow('Note:')} ${conflict(entry)}\n`)
    const cluster = line(target)
    if (cluster && !this.jsonEnabled()) process.stderr.write(`${colour.dim(cluster)}\n`)
  }
}
