import * as Flags from '@oclif/core/flags'

import type {AwsClients} from '../../lib/aws/clients.js'
import type {RotationPlan, RotationReport} from '../../lib/credentials/rotation-mode.js'
import type {Target} from '../../lib/target/target.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {confirmFlag, refusedYesFlag, tlsFlags, viaFlag} from '../../lib/cli/flags.js'
import {requireCluster} from '../../lib/target/target.js'

export type SecretRotateOutput = RotationReport & {plan: RotationPlan}

/** Said on a second Ctrl-C or SIGTERM while a rollback (or a failed rotation function's reconciliation) runs. */
const rollbackNote = 'Rolling back: auroractl exits once the secret and the database agree again (signals wait until then).'

export default class SecretRotate extends BaseCommand<typeof SecretRotate> {
  static override description = `Rotate the password in the credentials secret and the database, so that they never disagree.
How depends on the secret. A plain secret (what the bundled module creates) gets the staged protocol of Secrets
Manager's own rotation functions, run here: a generated password stored as AWSPENDING, set in the database (ALTER ROLE
as the role itself, or ModifyDBCluster --master-user-password for the master user, waited on), proven by a login,
promoted to AWSCURRENT (AWSPREVIOUS keeps the old one), and the old password proven refused. An RDS-managed master
secret or a secret with a rotation function is rotated by AWS (RotateSecret), and waited on. Any failure, Ctrl-C or
SIGTERM rolls back a plain secret's rotation: the old password goes back where it was changed, the labels move back,
and the end state is proven and reported. For a rotation AWS runs, Ctrl-C and --timeout stop only the wait (RDS keeps
going), and a rotation function that has not moved AWSCURRENT by --timeout is taken as failed: the secret and the
database are made to agree on the old password. First it lists who is logged in as the user now (they need the new
password at their next connection); --dry-run stops there. Confirmed like every destructive action (--confirm
CLUSTER). The new password is never printed: read it with \`auroractl secret get --reveal\`. Exit 0 rotated; 4 a step
failed (rolled back), 5 a wait timed out, 130 interrupted; 1 when the secret and the database could not be made to
agree (the report says what to run).`
  static override examples = [
    '<%= config.bin %> secret rotate --dry-run',
    '<%= config.bin %> secret rotate --confirm nba-tracker-dev',
    '<%= config.bin %> secret rotate --secret arn:aws:secretsmanager:...:secret:app-reader --confirm nba-tracker-dev --json',
  ]
  static override flags = {
    confirm: confirmFlag('the cluster id'),
    'dry-run': Flags.boolean({description: 'Show the plan (mode, user, the database step, sessions logged in) and change nothing'}),
    timeout: Flags.string({
      default: '10m',
      description:
        "How long each wait may take (10s to 1h): the master password to apply, a login to be accepted, AWS's rotation to move AWSCURRENT",
    }),
    ...tlsFlags,
    via: viaFlag,
    yes: refusedYesFlag,
  }
  static override summary = 'Rotate the password in the secret and the database'

  /** A subclass's last word on the plan before anything changes (`role rotate`: the secret is the role's). */
  protected checkPlan(_plan: RotationPlan): void {}

  /** Plan, dry run or confirmation, then the rotation for the secret's mode; shared with `role rotate`. */
  protected async rotate(input: {
    aws: AwsClients
    clusterId: string
    secretId: string
    target: Target
    timeoutMs: number
  }): Promise<SecretRotateOutput> {
    const {aws, clusterId, secretId, target, timeoutMs} = input
    const [{resolveClusterConnection}, {describeSecretRotation}, {planRotation}, outcome, render] = await Promise.all([
      import('../../lib/target/cluster-connection.js'),
      import('../../lib/credentials/rotation-mode.js'),
      import('../../lib/credentials/rotation-plan.js'),
      import('../../lib/credentials/rotation-outcome.js'),
      import('../../lib/cli/render/credentials.js'),
    ])
    // The rotated secret's own credentials log in (its user, its database), over the cluster's route and TLS.
    const connection = await resolveClusterConnection({...target, secret: secretId}, aws, {tls: await this.clusterTls()})
    const [rds, secretsManager] = await Promise.all([aws.rds(), aws.secretsManager()])
    const info = await describeSecretRotation(secretsManager, secretId, connection.cluster)
    const plan = await planRotation({connection, info, secretsManager})
    this.checkPlan(plan)
    if (this.flags['dry-run']) {
      this.log(render.renderRotationPlan(plan, this.colour))
      this.log('Dry run: nothing was changed.')
      return {...(await outcome.dryRunReport(plan, secretsManager)), plan}
    }

    if (!this.jsonEnabled()) process.stderr.write(`${render.renderRotationPlan(plan, this.colour)}\n`)
    const {confirmByTypedName} = await import('../../lib/cli/confirm.js')
    await confirmByTypedName({
      action: `rotate the password of ${plan.username} on ${clusterId} (secret ${plan.secretName})`,
      confirmFlag: this.flags.confirm,
      expected: clusterId,
      interactive: this.interactive(),
    })
    const progress = await this.progress()
    const shield = <R>(work: () => Promise<R>) => this.shielded(rollbackNote, work)
    const report = await this.interruptibly(async (signal) => {
      const clients = {connection, progress, rds, secretsManager, shield, signal, timeoutMs}
      if (plan.mode !== 'staged') {
        const {rotateThroughSecretsManager} = await import('../../lib/credentials/managed-rotation.js')
        return rotateThroughSecretsManager({...clients, info})
      }

      const {rotateStaged} = await import('../../lib/credentials/staged-rotation.js')
      return rotateStaged({...clients, plan})
    })
    if (!this.jsonEnabled()) {
      this.log(render.renderRotationReport(report, this.colour))
      if (report.failure) process.stderr.write(`${this.colour.red('Error:')} ${report.failure.message}\n`)
    }

    process.exitCode = outcome.rotationExitCode(report)
    return {...report, plan}
  }

  async run(): Promise<SecretRotateOutput> {
    const timeoutMs = parseDuration(this.flags.timeout, '--timeout', {maxMs: 3_600_000, minMs: 10_000})
    const target = await this.target()
    const clusterId = requireCluster(target)
    const aws = await this.aws()
    const secretId = await this.secretToRotate(target, aws, clusterId)
    return this.rotate({aws, clusterId, secretId, target, timeoutMs})
  }

  /** The secret whose password is rotated: the target's (--secret, config, Terraform, the cluster's managed secret). */
  protected async secretToRotate(target: Target, aws: AwsClients, _clusterId: string): Promise<string> {
    const {resolveSecretId} = await import('../../lib/secret.js')
    return (await resolveSecretId(target, () => aws.rds())).secretId
  }
}
