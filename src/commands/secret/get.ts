import * as Flags from '@oclif/core/flags'

import type {LibpqTls} from '../../lib/pg/tls.js'
import type {SecretField, SecretFormat, SecretSource} from '../../lib/secret.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {tlsFlags} from '../../lib/cli/flags.js'

export interface SecretGetOutput {
  fields: Record<string, null | number | string>
  revealed: boolean
  rotationInProgress: boolean
  secretId: string
  source: SecretSource
}

export default class SecretGet extends BaseCommand<typeof SecretGet> {
  static override description = `Show the cluster's credentials from Secrets Manager, with the password masked.
The password is printed only with --reveal. Formats meant for programs (env, pgpass, uri, --field password) refuse
to print a masked password into a pipe or file (exit 2): add --reveal.
The secret comes from --secret, the config file, Terraform's database_secret_arn, or the cluster's RDS-managed secret.
Replaces \`aws secretsmanager get-secret-value --secret-id ... --query SecretString --output text | jq -r .password\`.`
  static override examples = [
    '<%= config.bin %> secret get',
    'PGPASSWORD="$(<%= config.bin %> secret get --field password --reveal)" psql ...',
    '<%= config.bin %> secret get --format uri --reveal',
    'eval "$(<%= config.bin %> secret get --format env --reveal)"',
  ]
  static override flags = {
    field: Flags.string({
      description: 'Print only this field',
      options: ['username', 'password', 'host', 'port', 'dbname', 'engine', 'dbClusterIdentifier'],
    }),
    format: Flags.string({default: 'text', description: 'Output format', options: ['text', 'json', 'uri', 'env', 'pgpass']}),
    reveal: Flags.boolean({description: 'Print the password instead of ********'}),
    // For --format env and uri: the sslmode and root certificate psql and other libpq clients should use.
    ...tlsFlags,
  }
  static override summary = "Show the cluster's credentials, password masked"

  async run(): Promise<SecretGetOutput> {
    const {flags} = this
    const field = flags.field as SecretField | undefined
    const stdoutIsTerminal = Boolean(process.stdout.isTTY)
    if (!flags.reveal && !this.jsonEnabled()) {
      const {refuseMaskedOutput} = await import('../../lib/secret.js')
      refuseMaskedOutput({field, format: flags.format as SecretFormat, stdoutIsTerminal})
    }

    const target = await this.target()
    const aws = await this.aws()
    const {formatCredentials, loadCredentials, resolveSecretId, rotationInProgress, visibleCredentials} =
      await import('../../lib/secret.js')
    const {secretId, source} = await resolveSecretId(target, () => aws.rds())
    const secretsManager = await aws.secretsManager()
    const [loaded, rotation] = await Promise.allSettled([
      loadCredentials(secretsManager, secretId, {
        async describe() {
          if (!target.cluster) return
          const {describeCluster} = await import('../../lib/aws/rds.js')
          return describeCluster(await aws.rds(), target.cluster)
        },
      }),
      rotationInProgress(secretsManager, secretId),
    ])
    // The credentials' own error (not found, malformed: never quoting the value) explains more than the rotation check's.
    if (loaded.status === 'rejected') throw loaded.reason
    if (rotation.status === 'rejected') throw rotation.reason
    const [credentials, rotating] = [loaded.value, rotation.value]
    if (rotating)
      this.warn(`A rotation of ${secretId} is in progress: the password may change in a moment (AWSPENDING differs from AWSCURRENT).`)
    const reveal = Boolean(flags.reveal)
    const fields = visibleCredentials(credentials, reveal)
    if (field) {
      this.log(fields[field] === null ? '' : String(fields[field]))
    } else {
      const format = flags.format as SecretFormat
      let tls: LibpqTls | undefined
      if (format === 'env' || format === 'uri') {
        const {libpqTls} = await import('../../lib/pg/tls.js')
        tls = await libpqTls(await this.clusterTls())
      }

      this.log(formatCredentials(fields, format, tls))
    }

    return {fields, revealed: reveal, rotationInProgress: rotating, secretId, source}
  }
}
