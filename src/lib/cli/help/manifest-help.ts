import {CommandHelp, type ManifestCommand} from './command-help.js'
import {type FormatterContext, HelpFormatter, type ListRow, NotAnswerable, sortBy, uniqBy} from './formatter.js'
import {type HelpModel, loadHelpModel, type Topic, userAgent} from './model.js'
import {loadTextTools} from './tools.js'

/**
 * Help answered from oclif.manifest.json without loading @oclif/core (most of `auroractl --help`'s time): the root
 * help, a topic's help and a command's help, in the exact bytes oclif prints (its routing, sorting, wrapping and bold
 * are copied from @oclif/core 4: main.run, Help.showHelp, the help command). Anything else (an unknown command, a
 * setting or plugin the copy does not cover) answers undefined, and bin/run.js hands the run to oclif.
 */
export function answerHelpFromManifest(argv: string[], root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const model = loadHelpModel(root, env)
    if (!model) return undefined
    const helpArgv = helpRequest(argv, model)
    return helpArgv === undefined ? undefined : showHelp(helpArgv, model, {maxWidth: terminalWidth(env), tools: loadTextTools()})
  } catch (error) {
    if (error instanceof NotAnswerable) return undefined
    throw error
  }
}

/** oclif's screen.stdtermwidth: OCLIF_COLUMNS, else the terminal's width (at least 40), else 80. */
function terminalWidth(env: NodeJS.ProcessEnv): number {
  const columns = Number.parseInt(env.OCLIF_COLUMNS ?? '', 10)
  if (columns) return columns
  if (!process.stdout.isTTY) return 80
  const width = process.stdout.getWindowSize()[0]
  return width < 1 ? 80 : Math.max(width, 40)
}

/** oclif's config.findCommand, without flexible taxonomy: a permutation-only match is oclif's to resolve. */
function findCommand(model: HelpModel, id: string): ManifestCommand | undefined {
  const command = model.commands.get(id)
  if (!command && model.permutationIds.has(id)) throw new NotAnswerable('a command permutation')
  return command
}

/** oclif's collateSpacedCmdIDFromArgs: `snapshot create --x` becomes `snapshot:create --x`. */
function standardizeId(argv: string[], model: HelpModel): string[] {
  if (argv.length <= 1) return argv
  const ids = new Set([...model.commands.keys()].flatMap((id) => id.split(':').map((_, i, a) => a.slice(0, i + 1).join(':'))))
  const final: string[] = []
  const finalizeId = (next?: string) => (next ? [...final, next] : final).filter(Boolean).join(':')
  const hasArgs = () => {
    const id = finalizeId()
    const command = id ? findCommand(model, id) : undefined
    return Boolean(command && (command.strict === false || Object.keys(command.args ?? {}).length > 0))
  }

  for (const arg of argv) {
    if (ids.has(finalizeId(arg))) final.push(arg)
    else if (arg.includes('=') || arg.startsWith('-') || hasArgs()) break
    else final.push(arg)
  }

  const id = finalizeId()
  return id ? [id, ...argv.slice(id.split(':').length)] : argv
}

/**
 * The arguments oclif's Help.showHelp would get for this command line (main.run's help flag and topic rules, and the
 * help command's), or undefined when oclif would do something else (run a command, print its version).
 */
function helpRequest(argv: string[], model: HelpModel): string[] | undefined {
  if (argv[0] === '--version') return undefined
  if (argv.length === 0) return []
  for (const arg of argv) {
    if (arg === '--help') return argv
    if (arg === '--') break
  }

  const [id, ...rest] = argv[0]!.includes(':') ? argv : standardizeId(argv, model)
  const command = findCommand(model, id!)
  if (id === 'help' && command?.pluginName === '@oclif/plugin-help') {
    // The help command's only flag (--nested-commands) and anything flag-like are left to it.
    return rest.some((arg) => arg.startsWith('-')) ? undefined : rest
  }

  return !command && model.topics.has(id!) ? [id!] : undefined
}

function showHelp(argv: string[], model: HelpModel, context: Omit<FormatterContext, 'bin' | 'commandId'>): string {
  const help = new Help(model, context)
  const args = standardizeId(
    argv.filter((arg) => arg !== '--help'),
    model,
  )
  let subject: string | undefined
  for (const arg of args) {
    if (arg === '--') break
    if (arg === '--help' || arg === 'help') continue
    if (!arg.startsWith('-')) subject = arg
    break
  }

  if (!subject) return help.root()
  const command = findCommand(model, subject)
  if (command) {
    if (command.hasDynamicHelp) throw new NotAnswerable('flag defaults computed at run time')
    return help.command(command)
  }

  const topic = model.topics.get(subject)
  if (topic) return help.topic(topic)
  throw new NotAnswerable(`no command or topic ${subject}: oclif's error`)
}

/** oclif's Help class: the root, topic and command pages, and the lists of topics and commands on them. */
class Help extends HelpFormatter {
  private output = ''

  constructor(
    readonly model: HelpModel,
    context: Omit<FormatterContext, 'bin' | 'commandId'>,
  ) {
    super({...context, bin: model.bin})
  }

  command(command: ManifestCommand): string {
    const {commands, topics} = this.children(command.id)
    if (command.deprecateAliases && [...(command.aliases ?? []), ...(command.hiddenAliases ?? [])].includes(command.id)) {
      throw new NotAnswerable('a deprecated alias')
    }

    const summary = this.summary(command)
    if (summary) this.log(summary + '\n')
    const shown = {...command, aliases: command.aliases?.map((a) => a.replaceAll(':', ' ')), id: command.id.replaceAll(':', ' ')}
    this.log(new CommandHelp(shown, this.context).generate())
    this.log('')
    this.logTopicsAndCommands(topics, this.uniqueCommands(commands))
    return this.output
  }

  root(): string {
    this.log(this.formatRoot())
    this.log('')
    const topics = this.sortedTopics().filter((t) => !t.name.includes(':'))
    const commands = this.sortedCommands().filter((c) => !c.id.includes(':'))
    this.logTopicsAndCommands(
      topics,
      commands.filter((c) => c.id),
    )
    return this.output
  }

  topic(topic: Topic): string {
    const {commands, topics} = this.children(topic.name)
    const description = this.render(topic.description || '')
    const rest = description.split('\n').slice(1).join('\n')
    this.log(
      [
        description.split('\n')[0],
        this.section('USAGE', `$ ${this.model.bin} ${topic.name.replaceAll(':', ' ')} COMMAND`),
        rest && this.section('DESCRIPTION', this.wrap(rest)),
      ]
        .filter(Boolean)
        .join('\n\n') + '\n',
    )
    this.logTopicsAndCommands(topics, commands)
    return this.output
  }

  /** The topics and commands one level below `name`. */
  private children(name: string): {commands: ManifestCommand[]; topics: Topic[]} {
    const depth = name.split(':').length
    const below = (id: string) => id.startsWith(name + ':') && id.split(':').length === depth + 1
    return {
      commands: this.sortedCommands().filter((c) => below(c.id)),
      topics: this.sortedTopics().filter((t) => below(t.name)),
    }
  }

  private formatCommands(commands: ManifestCommand[]): string {
    if (commands.length === 0) return ''
    const rows = commands.map((c): ListRow => {
      const summary = this.summary(c)
      return [c.id.replaceAll(':', ' '), summary && this.tools.strip(summary)]
    })
    return this.section('COMMANDS', this.renderList(rows, {indentation: 2, spacer: '\n'}))
  }

  private formatRoot(): string {
    const description = this.render(this.model.description)
    const agent = userAgent(this.model)
    if (agent === undefined) throw new NotAnswerable('the user agent under WSL')
    const rest = description.split('\n').slice(1).join('\n')
    return [
      description.split('\n')[0],
      this.section('VERSION', this.wrap(agent)),
      this.section('USAGE', this.wrap(`$ ${this.model.bin} [COMMAND]`)),
      rest ? this.section('DESCRIPTION', this.wrap(rest)) : undefined,
    ]
      .filter(Boolean)
      .join('\n\n')
  }

  private formatTopics(topics: Topic[]): string {
    if (topics.length === 0) return ''
    const rows = topics.map((t): ListRow => [t.name.replaceAll(':', ' '), t.description && this.render(t.description.split('\n')[0]!)])
    return this.section('TOPICS', this.renderList(rows, {indentation: 2, spacer: '\n'}))
  }

  /** oclif's ux.stdout(...): one console.log per call. */
  private log(text: string): void {
    this.output += text + '\n'
  }

  private logTopicsAndCommands(topics: Topic[], commands: ManifestCommand[]): void {
    if (topics.length > 0) {
      this.log(this.formatTopics(topics))
      this.log('')
    }

    if (commands.length > 0) {
      this.log(this.formatCommands(commands))
      this.log('')
    }
  }

  private sortedCommands(): ManifestCommand[] {
    const visible = [...this.model.commands.values()].filter((c) => !c.hidden)
    return uniqBy(
      sortBy(visible, (c) => c.id),
      (c) => c.id,
    )
  }

  /** Topics that have something under them (oclif's `_topics`), visible, by name. */
  private sortedTopics(): Topic[] {
    const all = [...this.model.topics.values()]
    const withChildren = all.filter((topic) => all.some((other) => other.name.includes(`${topic.name}:`)))
    return uniqBy(
      sortBy(
        withChildren.filter((t) => !t.hidden),
        (t) => t.name,
      ),
      (t) => t.name,
    )
  }

  private summary(c: ManifestCommand): string | undefined {
    if (c.summary) return this.render(c.summary.split('\n')[0]!)
    return c.description && this.render(c.description).split('\n')[0]
  }

  /** A command's subcommands without those that are another's alias (oclif's running filter, kept as it is). */
  private uniqueCommands(commands: ManifestCommand[]): ManifestCommand[] {
    const aliases: string[] = []
    return commands.filter((c) => {
      aliases.push(...(c.aliases ?? []))
      return !aliases.includes(c.id)
    })
  }
}
