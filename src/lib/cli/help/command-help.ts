import {type FormatterContext, HelpFormatter, type ListRow, NotAnswerable, sortBy} from './formatter.js'

/**
 * oclif's CommandHelp and DocOpts (@oclif/core lib/help/command.js and docopts.js) over a command as the manifest
 * holds it: the sections of `auroractl COMMAND --help`, in oclif's words and order. Kept to what oclif does with
 * its default help options (no theme, alphabetical flags, docopts usage); see formatter.ts for how it is tested.
 */

export interface ManifestFlag {
  allowNo?: boolean
  char?: string
  combinable?: string[]
  default?: unknown
  dependsOn?: string[]
  description?: string
  env?: string
  exclusive?: string[]
  helpGroup?: string
  helpLabel?: string
  helpValue?: string | string[]
  hidden?: boolean
  multiple?: boolean
  name: string
  options?: string[]
  required?: boolean
  summary?: string
  type: 'boolean' | 'option'
}

export interface ManifestArg {
  default?: unknown
  description?: string
  hidden?: boolean
  multiple?: boolean
  name: string
  options?: string[]
  required?: boolean
}

export type ManifestExample = string | {command: string; description: string}

export interface ManifestCommand {
  aliases?: string[]
  args?: Record<string, ManifestArg>
  deprecateAliases?: boolean
  description?: string
  examples?: ManifestExample | ManifestExample[]
  flags?: Record<string, ManifestFlag>
  hasDynamicHelp?: boolean
  hidden?: boolean
  hiddenAliases?: string[]
  id: string
  permutations?: string[]
  pluginName?: string
  state?: string
  strict?: boolean
  summary?: string
  usage?: string | string[]
}

const lineFeed = /\r\n|\n/

const castArray = <T>(input: T | T[] | undefined): T[] => (input === undefined ? [] : Array.isArray(input) ? input : [input])

/** DocOpts.formatUsageType. */
function formatUsageType(flag: ManifestFlag, showFlagName: boolean, showOptions: boolean): string {
  if (flag.type !== 'option') return ''
  let helpValues: string[]
  if (flag.helpValue) helpValues = typeof flag.helpValue === 'string' ? [flag.helpValue] : flag.helpValue
  else if (flag.options) helpValues = [showOptions ? flag.options.join('|') : '<option>']
  else if (showFlagName) helpValues = [flag.name]
  else helpValues = ['<value>']
  return helpValues.map((v) => `${v}${flag.multiple ? '...' : ''}`).join(' ')
}

/** DocOpts: the usage line's arguments and flags, with exclusive and dependent flags grouped. */
function docopts(command: ManifestCommand): string {
  const flagMap: Record<string, ManifestFlag> = {}
  const flagList = Object.entries(command.flags ?? {})
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]) => {
      flagMap[name] = flag
      return flag
    })
  const opts = ['<%= command.id %>']
  if (command.args) {
    const args = Object.values(command.args)
      .filter((arg) => !arg.hidden)
      .map((arg) => {
        const suffix = arg.multiple ? '...' : command.strict === false ? '...' : ''
        return arg.required ? `${arg.name.toUpperCase()}${suffix}` : `[${arg.name.toUpperCase()}${suffix}]`
      })
    opts.push(...args)
  }

  opts.push(...Object.values(groupFlagElements(flagList, {elementMap: {}, flagMap})))
  return opts.join(' ')
}

/** DocOpts's working state: each flag's usage element, and the flags not yet combined into a group. */
interface Elements {
  elementMap: Record<string, string>
  flagMap: Record<string, ManifestFlag>
}

function groupFlagElements(flagList: ManifestFlag[], elements: Elements): Record<string, string> {
  const {elementMap, flagMap} = elements
  // Required flags first, then the optional ones.
  for (const flag of [...flagList.filter((f) => f.required), ...flagList.filter((f) => !f.required)]) {
    const flagName = flag.char ? `-${flag.char}` : `--${flag.name}`
    elementMap[flag.name] = `${flagName}${flag.type === 'option' ? ` ${formatUsageType(flag, false, true)}` : ''}`
  }

  for (const flag of flagList) {
    if (Array.isArray(flag.dependsOn)) combineElementsToFlag(elements, flag.name, flag.dependsOn, ' ')
    let exclusive: Set<string> | undefined
    if (Array.isArray(flag.exclusive)) exclusive = new Set(flag.exclusive)
    if (Array.isArray(flag.combinable)) {
      const combinable = new Set(flag.combinable)
      exclusive ??= new Set()
      for (const item of flagList) if (flag !== item && !combinable.has(item.name)) exclusive.add(item.name)
    }

    if (exclusive !== undefined && exclusive.size > 0) combineElementsToFlag(elements, flag.name, [...exclusive], ' | ')
  }

  for (const name of Object.keys(flagMap)) {
    const flag = flagMap[name]!
    if (!flag.required) elementMap[flag.name] = `[${elementMap[flag.name] || ''}]`
  }

  return elementMap
}

function combineElementsToFlag({elementMap, flagMap}: Elements, flagName: string, flagNames: string[], unionString: string): void {
  if (!flagMap[flagName]) return
  let isRequired = flagMap[flagName].required
  if (typeof isRequired !== 'boolean' || !isRequired) {
    isRequired = flagNames.some((toCombine) => flagMap[toCombine]?.required)
  }

  for (const toCombine of flagNames) {
    elementMap[flagName] = `${elementMap[flagName] || ''}${unionString}${elementMap[toCombine] || ''}`
    delete elementMap[toCombine]
    delete flagMap[toCombine]
  }

  elementMap[flagName] = isRequired ? `(${elementMap[flagName] || ''})` : `[${elementMap[flagName] || ''}]`
  delete flagMap[flagName]
}

export class CommandHelp extends HelpFormatter {
  constructor(
    readonly command: ManifestCommand,
    context: Omit<FormatterContext, 'commandId'>,
  ) {
    super({...context, commandId: command.id})
  }

  /** CommandHelp.generate(): the sections after the summary line. */
  generate(): string {
    const flags = sortBy(
      Object.entries(this.command.flags ?? {})
        .filter(([, flag]) => !flag.hidden)
        .map(([name, flag]) => ({...flag, name})),
      (flag) => [!flag.char, flag.char, flag.name],
    )
    const args = Object.values(this.command.args ?? {}).filter((arg) => !arg.hidden)
    const sections: (string | undefined)[] = [
      this.sectionOf('USAGE', this.usage()),
      this.sectionOf('ARGUMENTS', this.args(args)),
      this.flagSections(flags),
      this.sectionOf('DESCRIPTION', this.description()),
      this.sectionOf('ALIASES', this.aliases()),
      this.sectionOf('EXAMPLES', this.examples()),
      this.sectionOf('FLAG DESCRIPTIONS', this.flagsDescriptions(flags)),
    ]
    return sections.filter(Boolean).join('\n\n')
  }

  private aliases(): string | undefined {
    const {aliases} = this.command
    if (!aliases || aliases.length === 0) return undefined
    return aliases.map((alias) => ['$', this.context.bin, alias].join(' ')).join('\n')
  }

  private args(args: ManifestArg[]): ListRow[] | undefined {
    if (args.filter((a) => a.description).length === 0) return undefined
    return args.map((a): ListRow => {
      const suffix = a.multiple ? '...' : this.command.strict === false ? '...' : ''
      let name = `${a.name.toUpperCase()}${suffix}`
      name = a.required ? `${name}` : `[${name}]`
      let description = a.description || ''
      if (a.default) description = `[default: ${String(a.default)}] ${description}`
      if (a.options) description = `(${a.options.join('|')}) ${description}`
      return [name, description || undefined]
    })
  }

  private description(): string | undefined {
    const {description, summary} = this.command
    if (!description) return undefined
    const lines = summary ? [...`${summary}\n`.split(lineFeed), ...description.split(lineFeed)] : description.split(lineFeed)
    return this.wrap(lines.join('\n'))
  }

  private examples(): string | undefined {
    const examples = castArray(this.command.examples)
    if (examples.length === 0) return undefined
    return examples
      .map((example) => {
        let description: string
        let commands: string[]
        if (typeof example === 'string') {
          const lines = example.split(lineFeed).filter(Boolean)
          // "<description>\n<command>..." is laid out as a description over its commands.
          if (lines.length >= 2 && !this.isCommand(lines[0]!) && lines.slice(1).every((line) => this.isCommand(line))) {
            description = lines[0]!
            commands = lines.slice(1)
          } else {
            return lines.map((line) => this.formatIfCommand(line)).join('\n')
          }
        } else {
          description = example.description
          commands = [example.command]
        }

        const finalIndentedSpacing = this.indentSpacing * 2
        const multilineCommands = commands
          .map((c) =>
            this.indent(this.wrap(this.formatIfCommand(c), finalIndentedSpacing + 4))
              .split(lineFeed)
              .join(' \\\n  '),
          )
          .join('\n')
        return `${this.wrap(description, finalIndentedSpacing)}\n\n${multilineCommands}`
      })
      .join('\n\n')
  }

  private flagHelpLabel(flag: ManifestFlag, showOptions = false): string {
    let label = flag.helpLabel
    if (!label) {
      const labels = [flag.char ? `-${flag.char[0]}` : '  ']
      if (flag.name) labels.push(flag.type === 'boolean' && flag.allowNo ? `--[no-]${flag.name.trim()}` : `--${flag.name.trim()}`)
      label = labels.join(flag.char ? ', ' : '  ')
    }

    if (flag.type === 'option') {
      let value = formatUsageType(flag, false, showOptions)
      if (!value.includes('|')) value = this.tools.underline(value)
      label += `=${value}`
    }

    return label
  }

  private flagRows(flags: ManifestFlag[]): ListRow[] | undefined {
    if (flags.length === 0) return undefined
    const noChar = flags.every((flag) => flag.char === undefined)
    return flags.map((flag): ListRow => {
      let left = this.flagHelpLabel(flag)
      if (noChar) left = left.replace('    ', '')
      let right = flag.summary || flag.description || ''
      const metadata: string[] = []
      if (flag.type === 'option') {
        if (flag.default) metadata.push(`default: ${String(flag.default)}`)
        if (flag.env) metadata.push(`env: ${flag.env}`)
      } else if (flag.type === 'boolean' && flag.env) {
        metadata.push(`env: ${flag.env}`)
      }

      if (metadata.length > 0) right = `[${metadata.join(', ')}] ${right}`
      if (flag.required) right = `(required) ${right}`
      if (flag.type === 'option' && flag.options && !flag.helpValue) right += `\n<options: ${flag.options.join('|')}>`
      return [left, right.trim()]
    })
  }

  private flagsDescriptions(flags: ManifestFlag[]): string | undefined {
    const extended = flags.filter((flag) => flag.summary && flag.description)
    if (extended.length === 0) return undefined
    return extended
      .map((flag) => {
        const summary = flag.summary || ''
        let flagHelp = this.flagHelpLabel(flag, true)
        if (!flag.char) flagHelp = flagHelp.replace('    ', '')
        flagHelp +=
          flagHelp.length + summary.length + 2 < this.maxWidth
            ? '  ' + summary
            : '\n\n' + this.indent(this.wrap(summary, this.indentSpacing * 2))
        return `${flagHelp}\n\n${this.indent(this.wrap(flag.description || '', this.indentSpacing * 2))}`
      })
      .join('\n\n')
  }

  /** The FLAGS section, then one section per helpGroup ("TARGET FLAGS", "GLOBAL FLAGS") in the order first met. */
  private flagSections(flags: ManifestFlag[]): string | undefined {
    const main: ManifestFlag[] = []
    const groups = new Map<string, ManifestFlag[]>()
    for (const flag of flags) {
      if (flag.helpGroup) groups.set(flag.helpGroup, [...(groups.get(flag.helpGroup) ?? []), flag])
      else main.push(flag)
    }

    const sections: {body: ListRow[] | undefined; header: string}[] = [
      {body: this.flagRows(main), header: 'FLAGS'},
      ...[...groups].map(([name, group]) => ({body: this.flagRows(group), header: `${name.toUpperCase()} FLAGS`})),
    ]
    // oclif joins the sections it made and drops the whole entry only when that join is empty.
    return (
      sections
        .filter((section) => section.body)
        .map((section) => this.section(section.header, section.body!))
        .join('\n\n') || undefined
    )
  }

  private formatIfCommand(example: string): string {
    const rendered = this.render(example)
    const {bin} = this.context
    if (rendered.startsWith(bin)) return `$ ${rendered}`
    if (rendered.startsWith(`$ ${bin}`)) return `$${rendered.replace('$', '')}`
    return rendered
  }

  private isCommand(example: string): boolean {
    return this.tools.strip(this.formatIfCommand(example)).startsWith(`$ ${this.context.bin}`)
  }

  private sectionOf(header: string, body: ListRow[] | string | undefined): string | undefined {
    return body ? this.section(header, body) : undefined
  }

  /** The USAGE line; one too long for the terminal breaks at its last space that fits, as oclif breaks it. */
  private usage(): string {
    const {id, usage} = this.command
    if (usage !== undefined) throw new NotAnswerable('a command with its own usage')
    // oclif strips the id (with ":" and with spaces) from the front of a usage it did not generate; docopts never starts with it.
    const standardId = id.replaceAll(' ', ':')
    const configuredId = id.replaceAll(':', ' ')
    const described = docopts(this.command)
      .replace('<%= command.id %>', '')
      .replace(new RegExp(`^${standardId}`), '')
      .replace(new RegExp(`^${configuredId}`), '')
      .trim()
    const line = `$ ${this.context.bin} <%= command.id %> ${described}`.trim()
    const allowedSpacing = this.maxWidth - this.indentSpacing
    if (line.length > allowedSpacing) {
      const splitIndex = line.slice(0, Math.max(0, allowedSpacing)).lastIndexOf(' ')
      return (
        line.slice(0, Math.max(0, splitIndex)) + '\n' + this.indent(this.wrap(line.slice(Math.max(0, splitIndex)), this.indentSpacing * 2))
      )
    }

    return this.wrap(line)
  }
}
