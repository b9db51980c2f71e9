import {createRequire} from 'node:module'

/**
 * The text helpers oclif's help is rendered with (wrapping, indenting, widths, bold), required from the
 * dependencies of oclif's core package, so that the fast help wraps and colours exactly as oclif does,
 * whatever versions oclif brings. All of them are small CommonJS modules: loading them costs a few milliseconds,
 * where @oclif/core itself costs a hundred and more.
 */
export interface TextTools {
  /** oclif's colorize('bold', ...): bold only when both supports-color and ansis say the terminal takes colour. */
  bold(text: string): string
  indent(text: string, count: number): string
  strip(text: string): string
  underline(text: string): string
  widestLine(text: string): number
  width(text: string): number
  /** wrap-ansi with `hard: true`, as oclif's HelpFormatter.wrap calls it. */
  wrap(text: string, columns: number): string
}

type Styler = (text: string) => string

interface AnsisModule {
  bold: Styler
  strip: Styler
  underline: Styler
}

/** What TypeScript's `__importDefault` does, as oclif's compiled CommonJS reads these modules. */
function defaultExport<T>(module: unknown): T {
  const candidate = module as {__esModule?: boolean; default?: T}
  return (candidate.__esModule ? candidate.default : module) as T
}

export function loadTextTools(): TextTools {
  const oclifRequire = createRequire(createRequire(import.meta.url).resolve('@oclif/core/package.json'))
  const ansis = defaultExport<AnsisModule>(oclifRequire('ansis'))
  const supportsColor = oclifRequire('supports-color') as {stderr: unknown; stdout: unknown}
  const indentString = defaultExport<(text: string, count: number) => string>(oclifRequire('indent-string'))
  const stringWidth = defaultExport<(text: string) => number>(oclifRequire('string-width'))
  const widestLine = defaultExport<(text: string) => number>(oclifRequire('widest-line'))
  const wrapAnsi = defaultExport<(text: string, columns: number, options: {hard: boolean}) => string>(oclifRequire('wrap-ansi'))
  // oclif's ux/supports-color.js: colour needs both streams.
  const colour = Boolean(supportsColor.stdout) && Boolean(supportsColor.stderr)
  return {
    bold: (text) => (colour ? ansis.bold(text) : text),
    indent: (text, count) => indentString(text, count),
    strip: (text) => ansis.strip(text),
    underline: (text) => (colour ? ansis.underline(text) : text),
    widestLine: (text) => widestLine(text),
    width: (text) => stringWidth(text),
    wrap: (text, columns) => wrapAnsi(text, columns, {hard: true}),
  }
}
