import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {checkOutputFile} from '../../src/lib/cli/output-path.js'
import {parseIpv4Cidr} from '../../src/lib/cli/validation.js'
import {classifyAwsFailure} from '../../src/lib/doctor/checks/aws.js'

describe('parseIpv4Cidr (doctor --from-cidr)', () => {
  it('takes addresses and CIDRs, an address as /32', () => {
    expect(parseIpv4Cidr('10.0.1.7', '--from-cidr')).toBe('10.0.1.7/32')
    expect(parseIpv4Cidr('10.0.0.0/16', '--from-cidr')).toBe('10.0.0.0/16')
    expect(parseIpv4Cidr('0.0.0.0/0', '--from-cidr')).toBe('0.0.0.0/0')
    expect(parseIpv4Cidr('255.255.255.255/32', '--from-cidr')).toBe('255.255.255.255/32')
  })

  it.each(['10.0.0.0/33', '10.0.0.256', '300.1.1.1/8', '10.0.0', '10.0.0.0/', 'a.b.c.d', '010.0.0.1', '10.0.0.0/08', ''])(
    'refuses %j with exit 2, naming the flag and the range',
    (value) => {
      expect(() => parseIpv4Cidr(value, '--from-cidr')).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: expect.stringMatching(
            /^--from-cidr ".*" is not an IPv4 address or CIDR: four numbers from 0 to 255 and an optional prefix from \/0 to \/32/,
          ),
        }),
      )
    },
  )
})

describe('checkOutputFile (manifests, drill reports)', () => {
  it('accepts a new file in an existing folder, and an existing file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-out-'))
    await expect(checkOutputFile(path.join(dir, 'm.json'), '--manifest')).resolves.toBe(path.join(dir, 'm.json'))
    await writeFile(path.join(dir, 'old.json'), '{}')
    await expect(checkOutputFile(path.join(dir, 'old.json'), '--manifest')).resolves.toBeTruthy()
  })

  it('refuses a missing folder, a folder as the file, and a file as the folder (exit 2)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-out-'))
    await mkdir(path.join(dir, 'sub'))
    await writeFile(path.join(dir, 'plain'), 'x')
    const missing = path.join(dir, 'no', 'such')
    await expect(checkOutputFile(path.join(missing, 'm.json'), '--manifest')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`--manifest ${path.join(missing, 'm.json')}: the folder ${missing} does not exist`),
    })
    await expect(checkOutputFile(path.join(dir, 'sub'), '--report-json')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('is a folder'),
    })
    await expect(checkOutputFile(path.join(dir, 'plain', 'm.json'), '--report-md')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('is not a folder'),
    })
  })
})

describe('classifyAwsFailure (doctor aws.credentials)', () => {
  it('tells an unreachable endpoint from missing or expired credentials', () => {
    expect(classifyAwsFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}))).toEqual({
      code: 'ECONNREFUSED',
      kind: 'network',
    })
    expect(classifyAwsFailure(Object.assign(new Error('getaddrinfo ENOTFOUND sts.example'), {code: 'ENOTFOUND'}))).toEqual({
      code: 'ENOTFOUND',
      kind: 'network',
    })
    expect(classifyAwsFailure(Object.assign(new Error('Connection timed out after 3000 ms'), {name: 'TimeoutError'}))).toMatchObject({
      kind: 'network',
    })
    expect(
      classifyAwsFailure(Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'})),
    ).toEqual({kind: 'credentials'})
    expect(
      classifyAwsFailure(
        Object.assign(new Error('The security token included in the request is expired'), {name: 'ExpiredTokenException'}),
      ),
    ).toEqual({kind: 'credentials'})
    expect(classifyAwsFailure(Object.assign(new Error('Rate exceeded'), {name: 'Throttling'}))).toEqual({kind: 'other'})
  })
})
