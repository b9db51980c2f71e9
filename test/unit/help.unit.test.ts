import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import type {ManifestCommand, ManifestFlag} from '../../src/lib/cli/help/command-help.js'

import {answerHelpFromManifest} from '../../src/lib/cli/help/manifest-help.js'
import {oclifHelp, oclifRun} from '../helpers/oclif-help.js'

// The fast help against oclif's Help class on a made-up CLI whose manifest uses what auroractl's does not (yet):
// arguments, short flags, required and dependent flags, options, defaults, long lists, nested topics, object examples.
// test/integration/help.integration.test.ts does the same for auroractl's real manifest.

const long = 'A description long enough to wrap at every width the tests use, and then some more words after that.'

const flag = (name: string, fields: Partial<ManifestFlag> = {}): ManifestFlag => ({name, type: 'boolean', ...fields})

const commands: ManifestCommand[] = [
  {
    aliases: ['deploy:go', 'ship'],
    args: {
      target: {description: 'Where to deploy', name: 'target', options: ['staging', 'prod'], required: true},
      version: {default: 'latest', description: 'Which version', name: 'version'},
    },
    description: `Deploy the application.\nIt waits for the rollout.\n\n${long}`,
    examples: [
      '<%= config.bin %> deploy run staging',
      'Deploy a given version\n<%= config.bin %> deploy run prod 1.2.3 --force --timeout 30 --region eu-west-1 --tag a --tag b',
      {command: '<%= config.bin %> deploy run staging --dry-run', description: `Only show what would happen. ${long}`},
      'not a command line\nnor is this',
    ],
    flags: {
      'dry-run': flag('dry-run', {char: 'n', description: 'Show the plan'}),
      force: flag('force', {char: 'f', dependsOn: ['timeout'], description: long, summary: 'Skip the checks'}),
      json: flag('json', {description: 'Format output as json.', helpGroup: 'GLOBAL'}),
      level: flag('level', {default: 'info', options: ['debug', 'info', 'warn'], type: 'option'}),
      quiet: flag('quiet', {exclusive: ['verbose'], helpGroup: 'GLOBAL'}),
      region: flag('region', {env: 'FAKE_REGION', required: true, type: 'option'}),
      secret: flag('secret', {hidden: true, type: 'option'}),
      tag: flag('tag', {description: 'Tags to add', multiple: true, type: 'option'}),
      timeout: flag('timeout', {default: 60, description: 'How long to wait.', helpValue: 'SECONDS', summary: long, type: 'option'}),
      verbose: flag('verbose', {allowNo: true, env: 'FAKE_VERBOSE', exclusive: ['quiet'], helpGroup: 'GLOBAL'}),
    },
    id: 'deploy:run',
    strict: true,
    summary: 'Deploy the application to an environment',
  },
  {
    args: {files: {description: 'Files to send', name: 'files'}},
    description: 'Upload files',
    flags: {fast: flag('fast', {description: 'Quickly'}), only: flag('only', {combinable: ['fast'], description: 'Only these'})},
    id: 'deploy:upload',
    strict: false,
  },
  {description: 'Roll back', flags: {}, hidden: true, id: 'deploy:rollback'},
  {
    description: 'List every environment',
    flags: {},
    id: 'env:list',
    summary: `A summary so long that at forty columns it takes more than four lines beside the command name, ${long}`,
  },
  {description: 'Show one', flags: {}, id: 'env:config:show', summary: 'Show an environment’s configuration'},
  {description: 'Edit one', flags: {}, id: 'env:config:edit'},
  {description: 'The fake CLI’s own status\nwith a second line', flags: {}, id: 'status'},
]

let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fast-help-'))
  const pjson = {
    description: `A made-up CLI to test help with\n${long}`,
    name: 'fakectl',
    oclif: {
      bin: 'fakectl',
      commands: './dist/commands',
      topics: {deploy: {description: `Deploy things\n${long}`}, env: {description: 'Environments'}, 'env:config': {}},
      topicSeparator: ' ',
    },
    version: '1.2.3',
  }
  await writeFile(path.join(root, 'package.json'), JSON.stringify(pjson))
  const manifest = {commands: Object.fromEntries(commands.map((c) => [c.id, {aliases: [], args: {}, ...c}])), version: '1.2.3'}
  await writeFile(path.join(root, 'oclif.manifest.json'), JSON.stringify(manifest))
})

describe('help from the manifest, on a made-up CLI', () => {
  it('equals oclif’s Help for the root, every topic and every command at 40 to 120 columns', async () => {
    const subjects = [
      [],
      ...[
        'deploy',
        'deploy:run',
        'deploy:go',
        'ship',
        'deploy:upload',
        'deploy:rollback',
        'env',
        'env:list',
        'env:config',
        'env:config:show',
        'env:config:edit',
        'status',
      ].map((id) => id.split(':')),
    ]
    for (const width of [40, 60, 80, 120]) {
      for (const subject of subjects) {
        const argv = [...subject, '--help']
        const fast = answerHelpFromManifest(argv, root, {...process.env, OCLIF_COLUMNS: `${width}`})
        expect(fast, `${argv.join(' ')} at ${width}: not answered`).toBeDefined()
        expect(fast, `${argv.join(' ')} at ${width}`).toBe(await oclifHelp(root, argv, width))
      }
    }
  }, 60_000)

  it('routes command lines as oclif does: a bare topic, flags before the command, a colon id', async () => {
    for (const argv of [
      ['deploy'],
      ['env', 'config'],
      ['--json', 'deploy', '--help'],
      ['deploy:run', '--help'],
      ['deploy', 'run', 'prod', '--help'],
    ]) {
      expect(answerHelpFromManifest(argv, root), argv.join(' ')).toBe(await oclifRun(root, argv))
    }
  })

  it('hands oclif what it does not copy', async () => {
    await writeFile(
      path.join(root, 'oclif.manifest.json'),
      JSON.stringify({
        commands: {
          custom: {aliases: [], args: {}, flags: {}, id: 'custom', usage: 'custom <thing>'},
          dynamic: {aliases: [], args: {}, flags: {}, hasDynamicHelp: true, id: 'dynamic'},
          templated: {aliases: [], args: {}, description: 'Made by <%= config.name %>', flags: {}, id: 'templated'},
        },
        version: '1.2.3',
      }),
    )
    for (const id of ['custom', 'dynamic', 'templated']) expect(answerHelpFromManifest([id, '--help'], root), id).toBeUndefined()
    // A manifest from another version is one oclif ignores.
    await writeFile(path.join(root, 'oclif.manifest.json'), JSON.stringify({commands: {}, version: '1.2.2'}))
    expect(answerHelpFromManifest(['--help'], root)).toBeUndefined()
  })
})
