import {DBClusterNotFoundFault, RDSServiceException} from '@aws-sdk/client-rds'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {parse} from '@oclif/core/parser'
import {describe, expect, it} from 'vitest'

import {AuroraError, badInput, ExitCode, toRenderedError} from '../../src/lib/cli/errors.js'
import {integerFlag, refusedYesFlag, viaFlag} from '../../src/lib/cli/flags.js'

/** What oclif's own parser throws for these arguments: the real error classes, messages and fields. */
async function parseError(argv: string[], input: Parameters<typeof parse>[1]): Promise<unknown> {
  try {
    await parse(argv, input)
  } catch (error) {
    return error
  }

  throw new Error(`oclif parsed ${JSON.stringify(argv)} without an error`)
}

describe('exit codes', () => {
  it('are the documented table', () => {
    expect(ExitCode).toEqual({checkFailed: 4, interrupted: 130, notFound: 3, ok: 0, timedOut: 5, unexpected: 1, usage: 2})
  })

  it('follow from the error code', () => {
    expect(new AuroraError('CLUSTER_NOT_FOUND', 'x').exitCode).toBe(3)
    expect(new AuroraError('CHECK_FAILED', 'x').exitCode).toBe(4)
    expect(new AuroraError('TIMED_OUT', 'x').exitCode).toBe(5)
    expect(new AuroraError('INTERRUPTED', 'x').exitCode).toBe(130)
    expect(badInput('x').exitCode).toBe(2)
    expect(new AuroraError('SANDBOX', 'x', {exitCode: ExitCode.notFound}).exitCode).toBe(3)
  })
})

describe('toRenderedError', () => {
  it('keeps an AuroraError as it is, on one line, with its hint', () => {
    const rendered = toRenderedError(
      new AuroraError('CLUSTER_NOT_FOUND', 'Cluster "x" was not found.\nmore detail', {hint: 'Try --region'}),
    )
    expect(rendered).toEqual({code: 'CLUSTER_NOT_FOUND', exitCode: 3, hint: 'Try --region', message: 'Cluster "x" was not found.'})
  })

  it("keeps a flag parser's own message through oclif's rewrite of it", async () => {
    const error = await parseError(['--via', 'x'], {flags: {via: viaFlag}})
    expect((error as Error).message).toMatch(/^Parsing --via/)
    expect(toRenderedError(error)).toEqual({
      code: 'BAD_INPUT',
      exitCode: 2,
      hint: undefined,
      message: '--via "x" is not HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:15432).',
    })
  })

  it('turns oclif parse errors into usage errors (exit 2)', async () => {
    const rendered = toRenderedError(await parseError(['--bogus'], {flags: {}}))
    expect(rendered).toEqual({
      code: 'BAD_INPUT',
      exitCode: 2,
      hint: 'Run the command with --help to see its flags and their valid values.',
      message: 'Nonexistent flag: --bogus',
    })
    expect(toRenderedError(await parseError(['--bogus', '--other'], {flags: {}})).message).toBe('Nonexistent flags: --bogus, --other')
  })

  it('names AWS faults and hints at credentials when AWS refuses them', () => {
    const fault = new DBClusterNotFoundFault({$metadata: {httpStatusCode: 404}, message: 'DBCluster x not found.'})
    expect(toRenderedError(fault)).toMatchObject({code: 'AWS', exitCode: 1, message: 'AWS DBClusterNotFoundFault: DBCluster x not found.'})
    const denied = new RDSServiceException({
      $fault: 'client',
      $metadata: {httpStatusCode: 403},
      message: 'The security token included in the request is expired',
      name: 'ExpiredToken',
    })
    expect(toRenderedError(denied).hint).toContain('aws sso login')
    const throttled = new RDSServiceException({
      $fault: 'server',
      $metadata: {httpStatusCode: 503},
      message: 'busy',
      name: 'ServiceUnavailable',
    })
    expect(toRenderedError(throttled).hint).toContain('retry')
  })

  it('explains unreachable endpoints and missing credentials or region', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), {code: 'ECONNREFUSED'})
    expect(toRenderedError(refused)).toMatchObject({
      exitCode: 1,
      message: expect.stringContaining('Cannot reach the AWS endpoint (ECONNREFUSED)'),
    })
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'})
    expect(toRenderedError(noCredentials).hint).toContain('--profile')
    expect(toRenderedError(new Error('Region is missing'))).toMatchObject({exitCode: 2, hint: expect.stringContaining('--region')})
  })

  it('reports SDK timeouts with exit 5', () => {
    const timeout = Object.assign(new Error('Request did not complete within 15000 ms'), {name: 'TimeoutError'})
    expect(toRenderedError(timeout)).toMatchObject({
      code: 'TIMED_OUT',
      exitCode: 5,
      message: 'AWS did not answer in time: Request did not complete within 15000 ms',
    })
    expect(toRenderedError(Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), {code: 'ETIMEDOUT'})).exitCode).toBe(5)
  })

  it('reports anything else as an unexpected failure (exit 1)', () => {
    expect(toRenderedError(new TypeError('x is not a function\n    at stack'))).toEqual({
      code: 'UNEXPECTED',
      exitCode: 1,
      hint: expect.stringContaining('DEBUG=1'),
      message: 'x is not a function',
    })
    expect(toRenderedError('a string')).toMatchObject({exitCode: 1, message: 'a string'})
  })
})

describe('oclif parse errors', () => {
  it('keeps every listed problem on one line', async () => {
    const flags = {snapshot: Flags.string({exclusive: ['to-time']}), 'to-time': Flags.string({exclusive: ['snapshot']})}
    expect(toRenderedError(await parseError(['--snapshot', 'latest', '--to-time', 'x'], {flags}))).toMatchObject({
      code: 'BAD_INPUT',
      exitCode: 2,
      message: '--snapshot=latest cannot also be provided when using --to-time; --to-time=x cannot also be provided when using --snapshot',
    })
    const one = {from: Flags.string({exactlyOne: ['from', 'secret']}), secret: Flags.string({exactlyOne: ['from', 'secret']})}
    expect(toRenderedError(await parseError([], {flags: one})).message).toBe(
      'Exactly one of the following must be provided: --from, --secret',
    )
  })

  it('names a missing argument from its definition', async () => {
    const args = {id: Args.string({description: 'The manual snapshot to delete', required: true})}
    expect(toRenderedError(await parseError([], {args}))).toMatchObject({
      exitCode: 2,
      message: 'Missing the required argument ID (the manual snapshot to delete).',
    })
    const two = {
      action: Args.string({description: 'What moto just did', options: ['snapshot'], required: true}),
      payload: Args.string({required: true}),
    }
    expect(toRenderedError(await parseError([], {args: two})).message).toBe(
      'Missing the required argument ACTION (what moto just did), PAYLOAD.',
    )
  })

  it('reports an unexpected argument, an option not offered and an unexpected value as oclif words them, URL passwords masked', async () => {
    expect(toRenderedError(await parseError(['postgresql://app:hunter2@db:5432/x'], {flags: {}})).message).toBe(
      'Unexpected argument: postgresql://app:********@db:5432/x',
    )
    const type = Flags.string({options: ['manual', 'automated', 'all']})
    expect(toRenderedError(await parseError(['--type', 'weekly'], {flags: {type}}))).toMatchObject({
      exitCode: 2,
      message: 'Expected --type=weekly to be one of: manual, automated, all',
    })
    const action = {action: Args.string({options: ['snapshot', 'restore']})}
    expect(toRenderedError(await parseError(['foo'], {args: action})).message).toBe('Expected foo to be one of: snapshot, restore')
  })

  it('treats a failed integer flag (bounds, not a number) as bad input naming the flag', async () => {
    const flags = {limit: integerFlag({max: 25, min: 1})}
    expect(toRenderedError(await parseError(['--limit', '0'], {flags}))).toEqual({
      code: 'BAD_INPUT',
      exitCode: 2,
      hint: 'Run the command with --help to see its flags and their valid values.',
      message: '--limit: Expected an integer greater than or equal to 1 but received: 0',
    })
    expect(toRenderedError(await parseError(['--limit', '30'], {flags})).message).toBe(
      '--limit: Expected an integer less than or equal to 25 but received: 30',
    )
    expect(toRenderedError(await parseError(['--limit', 'x'], {flags})).message).toBe('--limit: Expected an integer but received: x')
    expect((await parse(['--limit', '7'], {flags})).flags.limit).toBe(7)
  })

  it('refuses --yes as a usage error that names its replacement', async () => {
    expect(toRenderedError(await parseError(['--yes'], {flags: {yes: refusedYesFlag}}))).toMatchObject({
      code: 'BAD_INPUT',
      exitCode: 2,
      hint: 'Run the command with --help to see its flags and their valid values.',
      message: expect.stringMatching(/^--yes is not accepted: confirm a destructive action with --confirm NAME/),
    })
  })

  it("leaves oclif's other errors (a flag without its value) as they were: unexpected, exit 1", async () => {
    expect(toRenderedError(await parseError(['--cluster'], {flags: {cluster: Flags.string()}}))).toMatchObject({
      code: 'UNEXPECTED',
      exitCode: 1,
      message: 'Flag --cluster expects a value',
    })
  })
})
