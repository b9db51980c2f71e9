import {describe, expect, it} from 'vitest'

import {helpCheckIds} from '../../src/commands/doctor.js'
import {canSpin} from '../../src/lib/cli/progress.js'
import {checkIds} from '../../src/lib/doctor/index.js'
import {refuseMaskedOutput} from '../../src/lib/secret.js'

describe('progress', () => {
  it('spins only on a terminal that reports a width and is not TERM=dumb', () => {
    expect(canSpin({columns: 120, isTTY: true}, {TERM: 'xterm'})).toBe(true)
    expect(canSpin({columns: 0, isTTY: true}, {TERM: 'xterm'})).toBe(false)
    expect(canSpin({isTTY: true}, {TERM: 'xterm'})).toBe(false)
    expect(canSpin({columns: 120, isTTY: true}, {TERM: 'dumb'})).toBe(false)
    expect(canSpin({columns: 120, isTTY: false}, {})).toBe(false)
  })
})

describe('doctor --help', () => {
  it('lists exactly the check ids --only and --skip accept', () => {
    expect(helpCheckIds).toEqual(checkIds)
  })
})

describe('secret get without --reveal', () => {
  it('refuses machine formats into a pipe, and the password field anywhere', () => {
    for (const format of ['env', 'pgpass', 'uri'] as const) {
      expect(() => refuseMaskedOutput({format, stdoutIsTerminal: false})).toThrow(`--format ${format}`)
      expect(() => refuseMaskedOutput({format, stdoutIsTerminal: true})).not.toThrow()
    }

    expect(() => refuseMaskedOutput({field: 'password', format: 'text', stdoutIsTerminal: false})).toThrow('--field password')
    expect(() => refuseMaskedOutput({field: 'password', format: 'text', stdoutIsTerminal: true})).toThrow('--field password')
    expect(() => refuseMaskedOutput({field: 'username', format: 'env', stdoutIsTerminal: false})).not.toThrow()
    expect(() => refuseMaskedOutput({format: 'text', stdoutIsTerminal: false})).not.toThrow()
  })
})

describe('the next steps commands print run as printed', () => {
  it('says auroractl when PATH has this package, npx auroractl inside its folder, else node and the bin path', async () => {
    const {mkdtemp, rm, symlink} = await import('node:fs/promises')
    const {default: os} = await import('node:os')
    const {default: path} = await import('node:path')
    const {howToRun} = await import('../../src/lib/cli/invocation.js')
    const {packageRoot} = await import('../../src/lib/sandbox/paths.js')
    const bin = path.join(packageRoot, 'bin', 'run.js')
    const elsewhere = os.tmpdir()
    expect(howToRun({PATH: '/usr/bin'}, packageRoot)).toBe('npx auroractl')
    expect(howToRun({PATH: '/usr/bin'}, elsewhere)).toBe(`node ${bin}`)
    const linked = await mkdtemp(path.join(os.tmpdir(), 'auroractl-path-'))
    try {
      await symlink(bin, path.join(linked, 'auroractl'))
      expect(howToRun({PATH: `/usr/bin${path.delimiter}${linked}`}, elsewhere)).toBe('auroractl')
    } finally {
      await rm(linked, {force: true, recursive: true})
    }
  })
})
