import type {TextTools} from './tools.js'

/**
 * oclif's HelpFormatter (@oclif/core lib/help/formatter.js), line for line where it matters: the fast help must
 * print the same bytes. test/integration/help.integration.test.ts compares the two for every command and topic
 * of the built CLI at several widths (test/unit/help.unit.test.ts for a made-up one); change this only with them.
 */

/** A row of a two-column list: the name, and its description if any. */
export type ListRow = [string, string | undefined]

/** Thrown where oclif would do something the fast help does not copy: the caller lets oclif answer instead. */
export class NotAnswerable extends Error {}

/** ejs's escaping of `<%= %>` output. */
const escapeXml = (text: string): string =>
  text.replaceAll(/[&<>"']/g, (c) => ({'"': '&#34;', '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;'})[c]!)

export interface FormatterContext {
  bin: string
  /** The command whose help this is, as oclif shows it (topics separated by spaces); `<%= command.id %>` in its usage. */
  commandId?: string
  maxWidth: number
  tools: TextTools
}

export class HelpFormatter {
  readonly indentSpacing = 2

  constructor(readonly context: FormatterContext) {}

  get maxWidth(): number {
    return this.context.maxWidth
  }

  get tools(): TextTools {
    return this.context.tools
  }

  indent(body: string, spacing = this.indentSpacing): string {
    return this.tools.indent(body, spacing)
  }

  /**
   * What ejs.render does to help text that holds no template but `<%= config.bin %>` (and `<%= command.id %>` in a
   * command's usage). Any other ejs syntax is oclif's to render.
   */
  render(text: string): string {
    let rendered = text.replaceAll('<%= config.bin %>', escapeXml(this.context.bin))
    if (this.context.commandId !== undefined) rendered = rendered.replaceAll('<%= command.id %>', escapeXml(this.context.commandId))
    if (rendered.includes('<%') || rendered.includes('%>')) throw new NotAnswerable('help text with ejs syntax')
    return rendered
  }

  renderList(input: ListRow[], opts: {indentation: number; spacer?: string}): string {
    if (input.length === 0) return ''
    const maxLength = this.tools.widestLine(input.map((row) => row[0]).join('\n'))
    let output = ''
    let spacer = opts.spacer || '\n'
    let cur = ''
    for (const [left, r] of input) {
      let right = r
      if (cur) {
        output += spacer
        output += cur
      }

      cur = left || ''
      if (!right) {
        cur = cur.trim()
        continue
      }

      right = this.wrap(right.trim(), opts.indentation + maxLength + 2)
      const [first, ...lines] = right.split('\n').map((s) => s.trim())
      cur += ' '.repeat(maxLength - this.tools.width(cur) + 2)
      cur += first
      if (lines.length === 0) continue
      // oclif: too many lines in the right column, and the whole list is rendered one entry under the other.
      if (lines.length > 4) return this.renderMultiline(input, opts.indentation)
      if (!opts.spacer) spacer = '\n'
      cur += '\n'
      cur += this.indent(lines.join('\n'), maxLength + 2)
    }

    if (cur) {
      output += spacer
      output += cur
    }

    return output.trim()
  }

  section(header: string, body: ListRow[] | string): string {
    const rendered =
      typeof body === 'string' ? this.render(body) : body.map(([left, right]): ListRow => [this.render(left), right && this.render(right)])
    return [
      this.tools.bold(header),
      this.indent(typeof rendered === 'string' ? rendered : this.renderList(rendered, {indentation: 2})),
    ].join('\n')
  }

  wrap(body: string, spacing = this.indentSpacing): string {
    return this.tools.wrap(this.render(body), this.maxWidth - spacing)
  }

  private renderMultiline(input: ListRow[], indentation: number): string {
    let output = ''
    for (const [left, right] of input) {
      if (!left && !right) continue
      if (left) output += this.wrap(left.trim(), indentation)
      if (right) {
        output += '\n'
        output += this.indent(this.wrap(right.trim(), indentation + 2), 4)
      }

      output += '\n\n'
    }

    return output.trim()
  }
}

/** oclif's util compare/sortBy: `<` on strings (not locale order), arrays element by element, undefined as 0. */
type Sortable = boolean | number | Sortable[] | string | undefined

function compare(a: Sortable, b: Sortable): number {
  const x = a === undefined ? 0 : a
  const y = b === undefined ? 0 : b
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length === 0 && y.length === 0) return 0
    const diff = compare(x[0], y[0])
    return diff === 0 ? compare(x.slice(1), y.slice(1)) : diff
  }

  if (x < y) return -1
  if (x > y) return 1
  return 0
}

export function sortBy<T>(items: T[], key: (item: T) => Sortable): T[] {
  return items.sort((a, b) => compare(key(a), key(b)))
}

export function uniqBy<T>(items: T[], key: (item: T) => unknown): T[] {
  return items.filter((a, i) => !items.some((b, j) => j > i && key(b) === key(a)))
}
