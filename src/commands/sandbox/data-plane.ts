import {Args} from '@oclif/core'

import type {SandboxPaths} from '../../lib/sandbox/paths.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {badInput} from '../../lib/cli/errors.js'
import {globalFlags} from '../../lib/cli/flags.js'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const actions = [
  'snapshot',
  'restore',
  'add-instance',
  'remove-instance',
  'delete-cluster',
  'delete-snapshot',
  'failover',
  'set-password',
] as const

/**
 * Called by the sandbox's moto launcher, not by people: gives moto's snapshot and restore calls the
 * data they stand for (see src/lib/sandbox/data-plane.ts).
 */
export default class SandboxDataPlane extends BaseCommand<typeof SandboxDataPlane> {
  static override args = {
    action: Args.string({description: 'What moto just did', options: [...actions], required: true}),
    payload: Args.string({description: 'JSON with the identifiers involved, or - to read it from stdin (for passwords)', required: true}),
  }
  static override baseFlags = globalFlags
  static override description =
    'Internal: the sandbox data plane, run by the moto launcher inside snapshot, restore, delete and failover calls.'
  static override enableJsonFlag = false
  static override hidden = true
  static override summary = 'Internal: the sandbox data plane, run by the moto launcher'

  async run(): Promise<void> {
    const {args} = this
    let payload: Record<string, unknown>
    try {
      payload = JSON.parse(args.payload === '-' ? await readStdin() : args.payload) as Record<string, unknown>
    } catch {
      throw badInput('The payload is not JSON.')
    }

    const [{sandboxPaths}, plane] = await Promise.all([import('../../lib/sandbox/paths.js'), import('../../lib/sandbox/data-plane.js')])
    const paths = sandboxPaths()
    const handlers: Record<(typeof actions)[number], (paths: SandboxPaths, input: never) => Promise<unknown>> = {
      'add-instance': plane.addInstance,
      'delete-cluster': plane.deleteCluster,
      'delete-snapshot': plane.deleteSnapshot,
      failover: plane.failoverCluster,
      'remove-instance': plane.removeInstance,
      restore: plane.restoreCluster,
      'set-password': plane.setPassword,
      snapshot: plane.captureSnapshot,
    }
    await handlers[args.action as (typeof actions)[number]](paths, payload as never)
  }
}
