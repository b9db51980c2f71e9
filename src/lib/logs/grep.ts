import {badInput} from '../cli/errors.js'

/** --grep as a RegExp; "(?i)" in front (as grep -P and most log tools take it) makes it case-insensitive. */
export function grepPattern(source: string): RegExp {
  const insensitive = source.startsWith('(?i)')
  const body = insensitive ? source.slice(4) : source
  if (body === '') throw badInput('--grep is empty: give a regular expression, e.g. --grep "ERROR|FATAL".')
  try {
    return new RegExp(body, insensitive ? 'i' : '')
  } catch (error) {
    throw badInput(
      `--grep "${source}" is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}.`,
    )
  }
}
