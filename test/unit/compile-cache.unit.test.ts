import {mkdtemp, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {type CodeStore, parseStore, readStore, serializeStore, writeStore} from '../../src/lib/cli/compile-cache.js'

const digest = (character: string) => character.repeat(40)

function sampleStore(): CodeStore {
  return new Map([
    ['/srv/node_modules/@oclif/core/lib/main.js', {data: Buffer.from([1, 2, 3, 250]), sourceDigest: digest('a')}],
    ['/srv/node_modules/ünïcode/ìndex.js', {data: Buffer.alloc(0), sourceDigest: digest('b')}],
  ])
}

describe('compile cache store', () => {
  it('reads back what it wrote, entry by entry', () => {
    const bytes = serializeStore(sampleStore())
    expect(parseStore(bytes)).toEqual(sampleStore())
  })

  it('refuses a file that is not a whole store: another format, cut short, or with bytes after the last entry', () => {
    const bytes = serializeStore(sampleStore())
    expect(() => parseStore(Buffer.from('PK\u0003\u0004 some other file'))).toThrow('not a code cache store')
    expect(() => parseStore(bytes.subarray(0, -1))).toThrow('truncated')
    expect(() => parseStore(Buffer.concat([bytes, Buffer.from([0])]))).toThrow('trailing bytes')
  })

  it('starts empty when the store is missing or corrupt, rather than failing the run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    expect(readStore(path.join(dir, 'missing.bin')).size).toBe(0)
    const corrupt = path.join(dir, 'corrupt.bin')
    await writeFile(corrupt, serializeStore(sampleStore()).subarray(0, 40))
    expect(readStore(corrupt).size).toBe(0)
  })

  it('writes the store private to the user, through a temporary file that does not stay behind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    const file = path.join(dir, 'nested', 'store.bin')
    writeStore(file, sampleStore(), new Set())
    expect(readStore(file)).toEqual(sampleStore())
    expect(await readdir(path.dirname(file))).toEqual(['store.bin'])
    expect((await stat(file)).mode.toString(8)).toMatch(/600$/)
    expect((await stat(path.dirname(file))).mode.toString(8)).toMatch(/700$/)
  })

  it('keeps only the entries this run used once the store outgrows its limit', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    const file = path.join(dir, 'store.bin')
    const used = '/srv/node_modules/@oclif/core/lib/main.js'
    writeStore(file, sampleStore(), new Set([used]), serializeStore(sampleStore()).length - 1)
    expect([...parseStore(await readFile(file)).keys()]).toEqual([used])
    writeStore(file, sampleStore(), new Set([used]), serializeStore(sampleStore()).length)
    expect(parseStore(await readFile(file))).toEqual(sampleStore())
  })
})
