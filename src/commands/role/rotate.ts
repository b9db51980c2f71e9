import * as Args from '@oclif/core/args'

import type {AwsClients} from '../../lib/aws/clients.js'
import type {RotationPlan} from '../../lib/credentials/rotation-mode.js'
import type {Target} from '../../lib/target/target.js'

import {AuroraError, badInput} from '../../lib/cli/errors.js'
import SecretRotate from '../secret/rotate.js'

/** `secret rotate` for the secret `role create` made for a role: the same plan, confirmation, protocol and rollback. */
export default class RoleRotate extends SecretRotate {
  static override args = {
    name: Args.string({description: 'The role whose password to rotate (one that `role create` made)', required: true}),
  }
  static override description = `Rotate a role's password: the secret \`role create\` made for it, and the role in the database.
The same rotation as \`secret rotate\`: for the secret auroractl made, the staged protocol (ALTER ROLE as the role
itself, proven by logins, rolled back on any failure, Ctrl-C or SIGTERM); if a rotation function was configured on the
secret since, that function, through RotateSecret. The same list of the sessions logged in as the role first,
--dry-run, and confirmation (--confirm CLUSTER). The role's secret is found by its tags (auroractl:cluster, auroractl:role); a role made elsewhere
is rotated with \`secret rotate --secret ARN\`. The new password is never printed.`
  static override examples = [
    '<%= config.bin %> role rotate app_reader --dry-run',
    '<%= config.bin %> role rotate app_reader --confirm nba-tracker-dev',
  ]
  static override summary = "Rotate a role's password and its auroractl secret"

  protected override checkPlan(plan: RotationPlan): void {
    const {name} = this.args as {name: string}
    if (plan.username !== name)
      throw badInput(
        `The secret tagged for role ${name} holds the credentials of ${plan.username}; nothing was changed.`,
        'Check its tags with `auroractl role list`.',
      )
  }

  protected override async secretToRotate(_target: Target, aws: AwsClients, clusterId: string): Promise<string> {
    const {name} = this.args as {name: string}
    const {findRoleSecret} = await import('../../lib/credentials/role-secrets.js')
    const found = await findRoleSecret(await aws.secretsManager(), clusterId, name)
    if (!found) {
      throw new AuroraError('NOT_FOUND', `Role ${name} has no secret made by auroractl for cluster ${clusterId}; nothing was changed.`, {
        hint: 'See the roles and the secrets that hold them with `auroractl role list`; rotate a secret made elsewhere with `auroractl secret rotate --secret ARN`.',
      })
    }

    return found.arn
  }
}
