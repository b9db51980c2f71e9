import {Config} from '@oclif/core'
import {execFile} from 'node:child_process'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {answerHelpFromManifest} from '../../src/lib/cli/help/manifest-help.js'
import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {oclifHelp, oclifRun} from '../helpers/oclif-help.js'
import {cliPath, runCli} from '../helpers/run-cli.js'

// bin/run.js answers help from oclif.manifest.json (src/lib/cli/help). These tests hold it to oclif's own output,
// for every command and topic the built CLI has, so that the two cannot drift apart unnoticed.

const fastHelp = (argv: string[], width: number) => answerHelpFromManifest(argv, packageRoot, {...process.env, OCLIF_COLUMNS: `${width}`})

/** oclif's view of the CLI: every command id (aliases and plugins' commands included) and every topic that is not a command. */
async function helpSubjects(): Promise<string[][]> {
  const config = await Config.load(packageRoot)
  const commands = config.commands.map((command) => command.id)
  const topics = config.topics.map((topic) => topic.name).filter((name) => !commands.includes(name))
  return [[], ...[...commands, ...topics].map((id) => id.split(':'))]
}

/** bin/run.js as oclif alone would run it: @oclif/core's execute, no fast path. */
function runOclif(args: string[], env: Record<string, string | undefined>): Promise<{exitCode: number; stdout: string}> {
  // With -e, Node keeps the arguments from process.argv[1] on: they are passed to execute as they are.
  const script = `const {execute} = await import('@oclif/core'); await execute({args: process.argv.slice(1), dir: ${JSON.stringify(cliPath)}})`
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, '--', ...args],
      {cwd: packageRoot, encoding: 'utf8', env: {...process.env, ...env}},
      (error, stdout) => resolve({exitCode: error ? Number(error.code) : 0, stdout}),
    )
  })
}

describe('help answered from the manifest', () => {
  it('equals oclif’s rendering for the root, every topic and every command, at 40, 80 and 132 columns', async () => {
    const subjects = await helpSubjects()
    expect(subjects.length).toBeGreaterThan(40)
    for (const width of [40, 80, 132]) {
      for (const subject of subjects) {
        const argv = [...subject, '--help']
        const fast = fastHelp(argv, width)
        expect(fast, `${argv.join(' ')} at ${width}: not answered from the manifest`).toBeDefined()
        expect(fast, `${argv.join(' ')} at ${width}`).toBe(await oclifHelp(packageRoot, argv, width))
      }
    }
  }, 180_000)

  it('answers the same command lines as oclif shows help for, with the same text', async () => {
    for (const argv of [
      [],
      ['--help'],
      ['help'],
      ['help', 'snapshot'],
      ['help', 'snapshot', 'create'],
      ['help', 'help'],
      ['snapshot'],
      ['snapshot', '--json'],
      ['snapshot', '--help'],
      ['snapshot', 'create', '--help'],
      ['snapshot:create', '--help'],
      ['status', '--json', '--help'],
      ['status', '--cluster', 'x', '--help'],
      ['--region', 'x', 'status', '--help'],
      ['cost', '--help'],
      ['drill', '--help'],
      ['autocomplete', '--help'],
    ]) {
      const fast = answerHelpFromManifest(argv, packageRoot)
      expect(fast, `${argv.join(' ')}: not answered from the manifest`).toBeDefined()
      expect(fast, argv.join(' ')).toBe(await oclifRun(packageRoot, argv))
    }
  })

  it('leaves to oclif what is not help, or not help it copies: commands, versions, errors, the help command’s flag', async () => {
    for (const argv of [
      ['status'],
      ['status', '--', '--help'],
      ['-h'],
      ['--version', '--help'],
      ['nope', '--help'],
      ['snapshot', 'nope'],
      ['help', '--nested-commands'],
      ['help', 'nope'],
    ]) {
      expect(answerHelpFromManifest(argv, packageRoot), argv.join(' ')).toBeUndefined()
    }

    // Settings that change oclif's answer: debugging, and a user's theme (it lives in the config directory).
    expect(answerHelpFromManifest(['--help'], packageRoot, {...process.env, DEBUG: '*'})).toBeUndefined()
    expect(answerHelpFromManifest(['--help'], packageRoot, {...process.env, OCLIF_TS_NODE: '0'})).toBeUndefined()
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-help-theme-'))
    expect(answerHelpFromManifest(['--help'], packageRoot, {...process.env, AURORACTL_CONFIG_DIR: configDir})).toBeDefined()
    await writeFile(path.join(configDir, 'theme.json'), JSON.stringify({sectionHeader: 'red'}))
    expect(answerHelpFromManifest(['--help'], packageRoot, {...process.env, AURORACTL_CONFIG_DIR: configDir})).toBeUndefined()
  })

  it('the built CLI prints oclif’s bytes, in colour too, without loading @oclif/core', async () => {
    for (const args of [['--help'], ['status', '--help'], ['snapshot']]) {
      for (const env of [{NO_COLOR: '1'}, {FORCE_COLOR: '1', NO_COLOR: undefined}]) {
        const [fast, oclif] = await Promise.all([runCli(args, {env}), runOclif(args, {...env, COLUMNS: '120'})])
        expect(fast.exitCode, fast.stderr).toBe(0)
        expect(fast.stdout, `${args.join(' ')} ${JSON.stringify(env)}`).toBe(oclif.stdout)
      }
    }

    expect((await runCli(['status', '--help'], {env: {FORCE_COLOR: '1', NO_COLOR: undefined}})).stdout).toContain(
      '\u001B[1mUSAGE\u001B[22m',
    )
    const report = path.join(await mkdtemp(path.join(os.tmpdir(), 'auroractl-help-modules-')), 'modules.txt')
    const result = await runCli(['--help'], {
      env: {REPORT_MODULES_FILE: report},
      nodeArgs: ['--import', path.join(packageRoot, 'test/helpers/report-modules.mjs')],
    })
    expect(result.exitCode, result.stderr).toBe(0)
    const loaded = (await readFile(report, 'utf8')).split('\n')
    expect(loaded.some((file) => file.includes(path.join('node_modules', 'wrap-ansi')))).toBe(true)
    expect(loaded.filter((file) => file.includes(path.join('@oclif', 'core', 'lib')))).toEqual([])
  })
})
