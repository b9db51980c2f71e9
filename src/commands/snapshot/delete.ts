import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {confirmFlag} from '../../lib/cli/flags.js'

export interface SnapshotDeleteOutput {
  deleted: string
}

export default class SnapshotDelete extends BaseCommand<typeof SnapshotDelete> {
  static override args = {
    id: Args.string({description: 'The manual snapshot to delete', required: true}),
  }
  static override description = `Delete a manual snapshot. Asks you to type its id, or takes --confirm ID; refuses without either when not at a terminal.
Replaces \`aws rds delete-db-cluster-snapshot\`.`
  static override examples = [
    '<%= config.bin %> snapshot delete nba-tracker-dev-20261128-031500',
    '<%= config.bin %> snapshot delete old-one --confirm old-one --json',
  ]
  static override flags = {
    confirm: confirmFlag('the snapshot id'),
  }
  static override summary = 'Delete a manual snapshot, confirmed by its id'

  async run(): Promise<SnapshotDeleteOutput> {
    const id = this.args.id as string
    const [{deleteSnapshot, snapshotToDelete}, {confirmByTypedName}, rds] = await Promise.all([
      import('../../lib/snapshots.js'),
      import('../../lib/cli/confirm.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    await snapshotToDelete(rds, id)
    await confirmByTypedName({
      action: `delete snapshot ${id}`,
      confirmFlag: this.flags.confirm,
      expected: id,
      interactive: this.interactive(),
    })
    await deleteSnapshot(rds, id)
    this.log(`Snapshot ${id} is being deleted.`)
    return {deleted: id}
  }
}
