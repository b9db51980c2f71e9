import {execFile, spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdir, mkdtemp, readFile, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'

import {parseStore} from '../../src/lib/cli/compile-cache.js'
import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {runCli} from '../helpers/run-cli.js'

// bin/run.js keeps V8's compiled code of the CommonJS modules it loads (src/lib/cli/compile-cache.ts). These tests
// run real Node processes over the built module: a cache must change how fast a module loads, never what it does.

const storeFile = (cacheDir: string) => path.join(cacheDir, 'compile-cache', `node-${process.version}-${process.arch}.bin`)
const compileCacheModule = pathToFileURL(path.join(packageRoot, 'dist', 'lib', 'cli', 'compile-cache.js')).href

/** A child Node that turns the cache on, then requires `modules` from `dir` and prints what each one exports (or throws). */
function requireWithCache(
  dir: string,
  modules: string[],
  env: Record<string, string>,
): Promise<{exitCode: number; stderr: string; stdout: string}> {
  const script = `
    import {createRequire} from 'node:module'
    const {enableCompileCache} = await import(${JSON.stringify(compileCacheModule)})
    enableCompileCache()
    const require = createRequire(${JSON.stringify(path.join(dir, 'entry.js'))})
    const results = []
    for (const name of ${JSON.stringify(modules)}) {
      try {
        const exported = require(name)
        results.push(typeof exported === 'function' ? await exported() : exported)
      } catch (error) {
        results.push({error: error.name + ': ' + error.message})
      }
    }
    console.log(JSON.stringify(results))`
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {encoding: 'utf8', env: {...process.env, AURORACTL_DISABLE_COMPILE_CACHE: '', ...env}},
      (error, stdout, stderr) => resolve({exitCode: error ? Number(error.code) : 0, stderr, stdout}),
    )
  })
}

describe('compile cache', () => {
  it('gives a module the same behaviour from cached code, and never serves code compiled from other source', async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    const modules = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-modules-'))
    await writeFile(path.join(modules, 'value.js'), `module.exports = {answer: 41, dir: __dirname === ${JSON.stringify(modules)}}\n`)
    // Requires through the module's own require, resolving relative to it.
    await writeFile(
      path.join(modules, 'requires.js'),
      `module.exports = {viaRequire: require('./value.js').answer, resolved: require.resolve('./value.js')}\n`,
    )
    // Compiled by Node itself: cached code would lose the dynamic-import callback on Node 20.
    await writeFile(path.join(modules, 'imports.js'), `module.exports = async () => ({sep: (await import('node:path')).sep})\n`)
    await writeFile(path.join(modules, 'broken.js'), `module.exports = {\n`)
    const names = ['./value.js', './requires.js', './imports.js', './broken.js']
    const expected = [
      {answer: 41, dir: true},
      {resolved: path.join(modules, 'value.js'), viaRequire: 41},
      {sep: '/'},
      {error: expect.stringContaining('SyntaxError')},
    ]

    const cold = await requireWithCache(modules, names, {AURORACTL_CACHE_DIR: cacheDir})
    expect(cold.stderr).toBe('')
    expect(JSON.parse(cold.stdout)).toEqual(expected)
    const stored = parseStore(await readFile(storeFile(cacheDir)))
    expect([...stored.keys()].sort()).toEqual([path.join(modules, 'requires.js'), path.join(modules, 'value.js')])

    // A warm run uses every entry: nothing new to compile, so the store is not written again.
    const writtenAt = (await stat(storeFile(cacheDir))).mtimeMs
    const warm = await requireWithCache(modules, names, {AURORACTL_CACHE_DIR: cacheDir})
    expect(JSON.parse(warm.stdout)).toEqual(expected)
    expect((await stat(storeFile(cacheDir))).mtimeMs).toBe(writtenAt)

    // Same length, other source: V8 would take the old code for it (its own check is the length); the digest does not.
    await writeFile(path.join(modules, 'value.js'), `module.exports = {answer: 42, dir: __dirname === ${JSON.stringify(modules)}}\n`)
    const changed = await requireWithCache(modules, ['./value.js'], {AURORACTL_CACHE_DIR: cacheDir})
    expect(JSON.parse(changed.stdout)).toEqual([{answer: 42, dir: true}])
  })

  it('keeps what a run alongside wrote to the store meanwhile', async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    const modules = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-modules-'))
    await writeFile(path.join(modules, 'first.js'), 'module.exports = 1\n')
    await writeFile(path.join(modules, 'second.js'), 'module.exports = 2\n')
    // The first run loads its module, then waits on stdin while the second runs from start to exit.
    const script = `
      import {createRequire} from 'node:module'
      const {enableCompileCache} = await import(${JSON.stringify(compileCacheModule)})
      enableCompileCache()
      createRequire(${JSON.stringify(path.join(modules, 'entry.js'))})('./first.js')
      process.stdout.write('loaded\\n')
      process.stdin.once('data', () => process.exit(0))`
    const first = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: {...process.env, AURORACTL_CACHE_DIR: cacheDir, AURORACTL_DISABLE_COMPILE_CACHE: ''},
    })
    const firstExited = once(first, 'exit')
    await once(first.stdout, 'data')
    const second = await requireWithCache(modules, ['./second.js'], {AURORACTL_CACHE_DIR: cacheDir})
    expect(JSON.parse(second.stdout)).toEqual([2])
    first.stdin.write('exit\n')
    expect((await firstExited)[0]).toBe(0)
    const stored = parseStore(await readFile(storeFile(cacheDir)))
    expect([...stored.keys()].sort()).toEqual([path.join(modules, 'first.js'), path.join(modules, 'second.js')])
  })

  it('runs commands the same with a cold, warm, corrupt or disabled cache', async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    const env = {AURORACTL_CACHE_DIR: cacheDir, AURORACTL_DISABLE_COMPILE_CACHE: undefined}
    // No cluster named: oclif loads the command (through import()), parses, and fails with the usual exit code.
    const args = ['status']
    const disabled = await runCli(args, {env: {...env, AURORACTL_DISABLE_COMPILE_CACHE: '1'}})
    await expect(stat(storeFile(cacheDir))).rejects.toThrow('ENOENT')
    expect(disabled.exitCode).toBe(2)

    const cold = await runCli(args, {env})
    expect(cold).toEqual(disabled)
    const entries = [...parseStore(await readFile(storeFile(cacheDir))).keys()]
    expect(entries.some((file) => file.includes(`${path.sep}@oclif${path.sep}core${path.sep}`))).toBe(true)

    expect(await runCli(args, {env})).toEqual(disabled)

    await writeFile(storeFile(cacheDir), 'not a store')
    expect(await runCli(args, {env})).toEqual(disabled)
    expect(parseStore(await readFile(storeFile(cacheDir))).size).toBe(entries.length)
  })

  it('leaves the run alone when the cache directory cannot be written', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'auroractl-cc-'))
    // A file where the directory should be: mkdir fails whoever runs the test (root included).
    await writeFile(path.join(parent, 'blocked'), '')
    await mkdir(path.join(parent, 'ok'))
    const blocked = await runCli(['status'], {env: {AURORACTL_CACHE_DIR: path.join(parent, 'blocked', 'cache')}})
    const usual = await runCli(['status'], {env: {AURORACTL_CACHE_DIR: path.join(parent, 'ok')}})
    expect(blocked).toEqual(usual)
    expect(blocked.exitCode).toBe(2)
  })
})
