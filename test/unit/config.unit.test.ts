import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {ExitCode} from '../../src/lib/cli/errors.js'
import {findConfigFile, loadConfigFile, parseConfigFile} from '../../src/lib/target/config.js'

async function rejection(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return error as {code: string; exitCode: number; message: string}
  }

  throw new Error('expected a rejection')
}

describe('config file', () => {
  it('parses environments and resolves relative paths against the file', async () => {
    const config = await parseConfigFile(
      JSON.stringify({
        defaultEnv: 'prod',
        environments: {prod: {cluster: 'p', endpointMap: 'maps/prod.json', region: 'eu-west-1', tfDir: '../infra/prod'}},
      }),
      '/work/app/auroractl.config.json',
    )
    expect(config.defaultEnv).toBe('prod')
    expect(config.environments.prod).toEqual({
      cluster: 'p',
      endpointMap: '/work/app/maps/prod.json',
      region: 'eu-west-1',
      tfDir: '/work/infra/prod',
    })
  })

  it.each([
    ['{not json', 'is not valid JSON'],
    ['{"environments": {"dev": {"clustr": "x"}}}', 'environments.dev'],
    ['{"environments": {"dev": {"cluster": 7}}}', 'environments.dev.cluster'],
    ['{}', 'environments'],
    ['{"defaultEnv": "qa", "environments": {"dev": {}}}', 'defaultEnv "qa" is not one of its environments'],
  ])('rejects %s with a message naming the problem (exit 2)', async (text, expected) => {
    const error = await rejection(parseConfigFile(text, '/c/auroractl.config.json'))
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.exitCode).toBe(ExitCode.usage)
    expect(error.message).toContain('/c/auroractl.config.json')
    expect(error.message).toContain(expected)
  })

  it('finds the nearest auroractl.config.json walking up, or AURORACTL_CONFIG', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'auroractl-config-'))
    const nested = path.join(root, 'a', 'b')
    await mkdir(nested, {recursive: true})
    expect(findConfigFile(nested, {})).toBeUndefined()
    await writeFile(path.join(root, 'auroractl.config.json'), JSON.stringify({environments: {dev: {cluster: 'from-root'}}}))
    expect(findConfigFile(nested, {})).toBe(path.join(root, 'auroractl.config.json'))
    expect((await loadConfigFile(nested, {}))?.environments.dev?.cluster).toBe('from-root')

    const elsewhere = path.join(root, 'elsewhere.json')
    await writeFile(elsewhere, JSON.stringify({environments: {x: {}}}))
    expect(findConfigFile(nested, {AURORACTL_CONFIG: elsewhere})).toBe(elsewhere)
    expect(() => findConfigFile(nested, {AURORACTL_CONFIG: path.join(root, 'missing.json')})).toThrow(/does not exist/)
  })
})
