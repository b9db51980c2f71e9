import {CLIError} from './oclif.js'

/**
 * Exit codes are part of auroractl's contract with scripts and CI jobs; the README documents them.
 * Keep this table and the README's table in step.
 */
export const ExitCode = {
  checkFailed: 4,
  interrupted: 130,
  notFound: 3,
  ok: 0,
  timedOut: 5,
  unexpected: 1,
  usage: 2,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** A stable, machine-readable name for each kind of failure, printed with `--json`. */
export type ErrorCode =
  | 'AWS'
  | 'BAD_INPUT'
  | 'CHECK_FAILED'
  | 'CLUSTER_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'INTERRUPTED'
  | 'NO_CLUSTER'
  | 'NOT_FOUND'
  | 'SANDBOX'
  | 'TERRAFORM'
  | 'TIMED_OUT'
  | 'TLS_UNVERIFIED'
  | 'UNEXPECTED'

const exitCodeFor: Record<ErrorCode, ExitCodeValue> = {
  AWS: ExitCode.unexpected,
  BAD_INPUT: ExitCode.usage,
  CHECK_FAILED: ExitCode.checkFailed,
  CLUSTER_NOT_FOUND: ExitCode.notFound,
  CONFIG_INVALID: ExitCode.usage,
  INTERRUPTED: ExitCode.interrupted,
  NO_CLUSTER: ExitCode.usage,
  NOT_FOUND: ExitCode.notFound,
  SANDBOX: ExitCode.unexpected,
  TERRAFORM: ExitCode.unexpected,
  TIMED_OUT: ExitCode.timedOut,
  TLS_UNVERIFIED: ExitCode.unexpected,
  UNEXPECTED: ExitCode.unexpected,
}

/**
 * An error auroractl expects and knows how to explain: one line of what went wrong,
 * and a hint naming the next thing to try.
 */
export class AuroraError extends Error {
  readonly code: ErrorCode
  readonly exitCode: ExitCodeValue
  readonly hint?: string
  /** The message as written: oclif rewrites `message` ("Parsing --flag \n\t...") when a flag's parse function throws. */
  readonly written: string

  constructor(code: ErrorCode, message: string, options: {cause?: unknown; exitCode?: ExitCodeValue; hint?: string} = {}) {
    super(message, {cause: options.cause})
    this.name = 'AuroraError'
    this.code = code
    this.exitCode = options.exitCode ?? exitCodeFor[code]
    this.hint = options.hint
    this.written = message
  }
}

/** Bad input from the user: exit 2, and the message must name the flag and the valid form. */
export function badInput(message: string, hint?: string): AuroraError {
  return new AuroraError('BAD_INPUT', message, {hint})
}

/** The hint of every error from parsing the command line (oclif's, and our flags' own refusals of a flag). */
export const parseErrorHint = 'Run the command with --help to see its flags and their valid values.'

export interface RenderedError {
  code: ErrorCode | string
  exitCode: number
  hint?: string
  message: string
}

/** AWS SDK v3 service errors carry `name` (the fault) and `$metadata.httpStatusCode`. */
function isAwsServiceError(error: unknown): error is Error & {$fault?: string; $metadata?: {httpStatusCode?: number}} {
  return error instanceof Error && '$metadata' in error
}

/** Node's network errors: the endpoint is wrong or unreachable. */
const networkErrorCodes = new Set(['EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND'])

/**
 * Turns anything thrown into the one shape every command renders, so errors look the same everywhere.
 * The message is reduced to its first line: stack traces and multi-line SDK dumps do not help at 3 a.m.
 */
export function toRenderedError(error: unknown): RenderedError {
  const rendered = renderError(error)
  return {
    ...rendered,
    hint: rendered.hint === undefined ? undefined : withoutUrlPasswords(rendered.hint),
    message: withoutUrlPasswords(rendered.message),
  }
}

/**
 * Masks the password of any URL in a message: oclif echoes a mistyped flag's neighbours
 * ("Unexpected argument: postgresql://app:secret@..."), and drivers quote connection strings.
 */
export function withoutUrlPasswords(text: string): string {
  return text.replaceAll(/([a-z][\w+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:********@')
}

function renderError(error: unknown): RenderedError {
  if (error instanceof AuroraError) {
    return {code: error.code, exitCode: error.exitCode, hint: error.hint, message: firstLine(error.written)}
  }

  if (isParseError(error)) {
    return {code: 'BAD_INPUT', exitCode: ExitCode.usage, hint: parseErrorHint, message: parseErrorMessage(error)}
  }

  if (error instanceof Error && /Region is missing/i.test(error.message)) {
    return {
      code: 'BAD_INPUT',
      exitCode: ExitCode.usage,
      hint: 'Pass --region, set AWS_REGION, or set region in your AWS profile or auroractl.config.json.',
      message: 'No AWS region: the SDK could not find one.',
    }
  }

  const networkCode = errnoCode(error)
  // The SDK names its request and connection timeouts TimeoutError; they come after its retries.
  if (error instanceof Error && (error.name === 'TimeoutError' || networkCode === 'ETIMEDOUT')) {
    return {
      code: 'TIMED_OUT',
      exitCode: ExitCode.timedOut,
      hint: 'Check the network path to AWS (VPN, proxy, --endpoint-url) and retry.',
      message: `AWS did not answer in time: ${firstLine(error.message)}`,
    }
  }

  if (networkCode && networkErrorCodes.has(networkCode)) {
    return {
      code: 'AWS',
      exitCode: ExitCode.unexpected,
      hint: 'Check --endpoint-url / AWS_ENDPOINT_URL and --region; for the sandbox run `auroractl sandbox status`.',
      message: `Cannot reach the AWS endpoint (${networkCode}): ${firstLine((error as Error).message)}`,
    }
  }

  if (isAwsServiceError(error)) {
    const status = error.$metadata?.httpStatusCode
    const credentialsProblem = /credential|ExpiredToken|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch/i.test(
      `${error.name} ${error.message}`,
    )
    return {
      code: 'AWS',
      exitCode: ExitCode.unexpected,
      hint: credentialsProblem
        ? 'Check your AWS credentials: `aws sts get-caller-identity --profile <profile>`, or `aws sso login`.'
        : status && status >= 500
          ? 'AWS answered with a server error; retry in a minute.'
          : undefined,
      message: `AWS ${error.name}: ${firstLine(error.message)}`,
    }
  }

  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return {
      code: 'AWS',
      exitCode: ExitCode.unexpected,
      hint: 'Set AWS credentials: --profile NAME (or AWS_PROFILE), `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
      message: `No AWS credentials: ${firstLine(error.message)}`,
    }
  }

  const message = error instanceof Error ? error.message : String(error)
  return {
    code: 'UNEXPECTED',
    exitCode: ExitCode.unexpected,
    hint: 'Run it again with DEBUG=1 for the stack trace, and report it if it keeps happening.',
    message: firstLine(message) || 'Unexpected failure',
  }
}

function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const own = (error as NodeJS.ErrnoException).code
  if (own) return own
  const {cause} = error as {cause?: unknown}
  return cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined
}

/**
 * oclif's command-line parse errors (NonExistentFlagsError, UnexpectedArgsError, RequiredArgsError,
 * FlagInvalidOptionError, ArgInvalidOptionError, FailedFlagValidationError ...) are CLIErrors that
 * carry the parser's state in `parse`; @oclif/core exports CLIError but not those classes.
 */
type ParseError = InstanceType<typeof CLIError> & {args?: unknown[]; parse: unknown}

function isParseError(error: unknown): error is ParseError {
  return error instanceof CLIError && 'parse' in error
}

/** A RequiredArgsError's `args` are the missing arguments' definitions; an UnexpectedArgsError's are the strings given. */
function missingArguments(error: ParseError): Array<{description?: string; name: string}> | undefined {
  const {args} = error
  if (!Array.isArray(args) || args.length === 0) return undefined
  return args.every((arg) => typeof arg === 'object' && arg !== null && typeof (arg as {name?: unknown}).name === 'string')
    ? (args as Array<{description?: string; name: string}>)
    : undefined
}

/**
 * One line for a parse error. A missing argument is named from its definition ("Missing the required
 * argument ID (the manual snapshot to delete)."). Otherwise oclif's message, without the
 * "See more help with --help" line every parse error ends with: one line, or a heading followed by one
 * problem a line ("The following errors occurred:" and "--b=2 cannot also be provided when using --a" ...),
 * whose problems are kept, joined with "; ".
 */
function parseErrorMessage(error: ParseError): string {
  const missing = missingArguments(error)
  if (missing) {
    const names = missing.map(
      ({description, name}) => `${name.toUpperCase()}${description ? ` (${description.replace(/\.$/, '').toLowerCase()})` : ''}`,
    )
    return `Missing the required argument ${names.join(', ')}.`
  }

  const lines = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  if (lines.at(-1) === oclifHelpLine) lines.pop()
  return lines.length > 1 ? lines.slice(1).join('; ') : (lines[0] ?? '')
}

/** The line oclif appends to every parse error's message. */
const oclifHelpLine = 'See more help with --help'

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find(Boolean) ?? ''
  )
}
