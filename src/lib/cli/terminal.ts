/** The terminal's width: stdout's, else COLUMNS, else 100 (a pipe). */
export function terminalColumns(): number {
  return process.stdout.columns || Number(process.env.COLUMNS) || 100
}

/** Text (a query, an error) on one line: every run of whitespace, newlines included, becomes one space. */
export const oneLine = (text: null | string | undefined): string => (text ?? '').replaceAll(/\s+/g, ' ').trim()
