import {describe, expect, it} from 'vitest'

import {AuroraError, ExitCode} from '../../src/lib/cli/errors.js'
import {identifierProblem, parseHostPort, validateEndpointUrl, validateIdentifier, validateRegion} from '../../src/lib/cli/validation.js'

function thrown(fn: () => unknown): AuroraError {
  try {
    fn()
  } catch (error) {
    return error as AuroraError
  }

  throw new Error('expected a throw')
}

describe('identifier rules', () => {
  it.each(['a', 'nba-tracker-dev', 'Prod1', 'a1-b2-c3', 'x'.repeat(63)])('accepts the cluster id %s', (id) => {
    expect(identifierProblem(id, 'cluster')).toBeUndefined()
    expect(validateIdentifier(id, 'cluster', '--cluster')).toBe(id)
  })

  it.each([
    ['', 'is empty'],
    ['1abc', 'must start with a letter'],
    ['-abc', 'must start with a letter'],
    ['abc_def', 'may contain only letters, digits and hyphens'],
    ['abc.def', 'may contain only letters, digits and hyphens'],
    ['abc--def', 'must not contain two consecutive hyphens'],
    ['abc-', 'must not end with a hyphen'],
    ['x'.repeat(64), 'is 64 characters long (at most 63)'],
  ])('rejects the cluster id %j: %s', (id, problem) => {
    expect(identifierProblem(id, 'cluster')).toBe(problem)
  })

  it('allows snapshot ids up to 255 characters but no further', () => {
    expect(identifierProblem('s'.repeat(255), 'snapshot')).toBeUndefined()
    expect(identifierProblem('s'.repeat(256), 'snapshot')).toBe('is 256 characters long (at most 255)')
    expect(identifierProblem('s'.repeat(64), 'instance')).toBe('is 64 characters long (at most 63)')
  })

  it('names the flag, the value and the rule in one line, with exit code 2', () => {
    const error = thrown(() => validateIdentifier('prod--db', 'cluster', '--cluster'))
    expect(error).toBeInstanceOf(AuroraError)
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toContain('--cluster "prod--db" must not contain two consecutive hyphens')
    expect(error.message).toContain('1-63 letters, digits or hyphens')
    expect(error.message).not.toContain('\n')
  })
})

describe('parseHostPort', () => {
  it('parses host names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:15432', '--via')).toEqual({host: '127.0.0.1', port: 15_432})
    expect(parseHostPort('bastion.internal:5432', '--via')).toEqual({host: 'bastion.internal', port: 5432})
    expect(parseHostPort('[::1]:6543', '--via')).toEqual({host: '::1', port: 6543})
  })

  it.each(['localhost', ':5432', 'host:0', 'host:65536', 'host:abc', 'a:b:5432'])('rejects %j naming the flag', (value) => {
    const error = thrown(() => parseHostPort(value, '--via'))
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toContain(`--via "${value}"`)
    expect(error.message).toContain('1 to 65535')
  })
})

describe('regions and endpoint URLs', () => {
  it.each(['us-east-1', 'eu-central-2', 'ap-southeast-3', 'us-gov-west-1'])('accepts region %s', (region) => {
    expect(validateRegion(region, '--region')).toBe(region)
  })

  it.each(['useast1', 'US-EAST-1', 'us-east', 'mars'])('rejects region %s', (region) => {
    expect(thrown(() => validateRegion(region, '--region')).message).toContain(`--region "${region}" is not an AWS region name`)
  })

  it('accepts http(s) URLs and rejects anything else', () => {
    expect(validateEndpointUrl('http://127.0.0.1:5000', '--endpoint-url')).toBe('http://127.0.0.1:5000')
    expect(thrown(() => validateEndpointUrl('127.0.0.1:5000', '--endpoint-url')).message).toContain('--endpoint-url')
    expect(thrown(() => validateEndpointUrl('ftp://x', '--endpoint-url')).message).toContain('http:// or https://')
  })
})
