import {DBClusterNotFoundFault, RDSServiceException} from '@aws-sdk/client-rds'
import {describe, expect, it} from 'vitest'

import {AuroraError, badInput, ExitCode, toRenderedError} from '../../src/lib/errors.js'

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
    const rendered = toRenderedError(new AuroraError('CLUSTER_NOT_FOUND', 'Cluster "x" was not found.\nmore detail', {hint: 'Try --region'}))
    expect(rendered).toEqual({code: 'CLUSTER_NOT_FOUND', exitCode: 3, hint: 'Try --region', message: 'Cluster "x" was not found.'})
  })

  it("unwraps oclif's rewrite of errors thrown by a flag parser", () => {
    const error = badInput('--via "x" is not HOST:PORT')
    error.message = `Parsing --via \n\t${error.message}\nSee more help with --help`
    expect(toRenderedError(error).message).toBe('--via "x" is not HOST:PORT')
  })

  it('turns oclif parse errors into usage errors (exit 2)', () => {
    class NonExistentFlagsError extends Error {
      parse = {}
    }

    const rendered = toRenderedError(new NonExistentFlagsError('Nonexistent flag: --bogus\nSee more help with --help'))
    expect(rendered.exitCode).toBe(2)
    expect(rendered.code).toBe('BAD_INPUT')
    expect(rendered.message).toBe('Nonexistent flag: --bogus')
  })

  it('names AWS faults and hints at credentials when AWS refuses them', () => {
    const fault = new DBClusterNotFoundFault({$metadata: {httpStatusCode: 404}, message: 'DBCluster x not found.'})
    expect(toRenderedError(fault)).toMatchObject({code: 'AWS', exitCode: 1, message: 'AWS DBClusterNotFoundFault: DBCluster x not found.'})
    const denied = new RDSServiceException({$fault: 'client', $metadata: {httpStatusCode: 403}, message: 'The security token included in the request is expired', name: 'ExpiredToken'})
    expect(toRenderedError(denied).hint).toContain('aws sso login')
    const throttled = new RDSServiceException({$fault: 'server', $metadata: {httpStatusCode: 503}, message: 'busy', name: 'ServiceUnavailable'})
    expect(toRenderedError(throttled).hint).toContain('retry')
  })

  it('explains unreachable endpoints and missing credentials or region', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), {code: 'ECONNREFUSED'})
    expect(toRenderedError(refused)).toMatchObject({exitCode: 1, message: expect.stringContaining('Cannot reach the AWS endpoint (ECONNREFUSED)')})
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'})
    expect(toRenderedError(noCredentials).hint).toContain('--profile')
    expect(toRenderedError(new Error('Region is missing'))).toMatchObject({exitCode: 2, hint: expect.stringContaining('--region')})
  })

  it('reports SDK timeouts with exit 5', () => {
    const timeout = Object.assign(new Error('Request did not complete within 15000 ms'), {name: 'TimeoutError'})
    expect(toRenderedError(timeout)).toMatchObject({code: 'TIMED_OUT', exitCode: 5, message: 'AWS did not answer in time: Request did not complete within 15000 ms'})
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

describe('oclif parse messages', () => {
  it('keeps every listed problem on one line', () => {
    class FailedFlagValidationError extends Error {
      parse = {}
    }

    const error = new FailedFlagValidationError('The following errors occurred:\n  --b=2 cannot also be provided when using --a\n  --c=1 cannot also be provided when using --a\nSee more help with --help')
    expect(toRenderedError(error)).toMatchObject({
      exitCode: 2,
      message: '--b=2 cannot also be provided when using --a; --c=1 cannot also be provided when using --a',
    })
  })

  it('treats a failed built-in flag parser (integer bounds) as bad input', () => {
    expect(toRenderedError(new Error('Parsing --limit \n\tExpected an integer greater than or equal to 1\nSee more help with --help'))).toMatchObject({
      code: 'BAD_INPUT',
      exitCode: 2,
      message: '--limit: Expected an integer greater than or equal to 1',
    })
  })
})
