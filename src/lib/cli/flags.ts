import {badInput, parseErrorHint} from './errors.js'
import {Flags} from './oclif.js'
import {parseHostPort, validateIdentifier} from './validation.js'

/**
 * Flags every command shares. Their environment fallbacks (AURORACTL_CLUSTER, AWS_REGION ...)
 * are applied in src/lib/target/target.ts, in one place, so the precedence is the same everywhere.
 */
export const globalFlags = {
  color: Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Colour in human output (--no-color, or NO_COLOR=1, turns it off)',
    helpGroup: 'GLOBAL',
  }),
}

export const targetFlags = {
  cluster: Flags.string({
    description: 'Aurora cluster identifier [env: AURORACTL_CLUSTER]',
    helpGroup: 'TARGET',
  }),
  'endpoint-url': Flags.string({
    description: 'Send AWS API calls to this URL (moto, LocalStack, a VPC endpoint) [env: AURORACTL_ENDPOINT_URL, then AWS_ENDPOINT_URL]',
    helpGroup: 'TARGET',
  }),
  env: Flags.string({
    description: 'Named environment from auroractl.config.json (e.g. dev, prod) [env: AURORACTL_ENV]',
    helpGroup: 'TARGET',
  }),
  profile: Flags.string({description: 'AWS profile (SSO profiles work) [env: AWS_PROFILE]', helpGroup: 'TARGET'}),
  region: Flags.string({description: 'AWS region [env: AWS_REGION, then AWS_DEFAULT_REGION]', helpGroup: 'TARGET'}),
  secret: Flags.string({
    description: "ARN or name of the Secrets Manager secret with the cluster's credentials [env: AURORACTL_SECRET]",
    helpGroup: 'TARGET',
  }),
  'tf-dir': Flags.string({
    description: 'Terraform root module whose outputs name the cluster and secret [env: AURORACTL_TF_DIR]',
    helpGroup: 'TARGET',
  }),
}

/** For commands that open a database connection: connect through a local port forward. */
export const viaFlag = Flags.string({
  description:
    'Connect to the database through HOST:PORT (an SSM or bastion port forward); TLS still verifies the cluster endpoint name [env: AURORACTL_VIA]',
  helpGroup: 'TARGET',
  async parse(input) {
    parseHostPort(input, '--via')
    return input
  },
})

/**
 * oclif's integer flag, refusing a bad value as every other flag does: a usage error (exit 2) that names the
 * flag ("--limit: Expected an integer greater than or equal to 1 but received: 0"). oclif's own integer
 * parser throws a bare CLIError, which nothing but its text would tell apart from an unexpected failure.
 */
export const integerFlag = Flags.custom<number, {max?: number; min?: number}>({
  async parse(input, context, options) {
    try {
      return await Flags.integer().parse(input, context, options)
    } catch (error) {
      throw badInput(`--${options.name}: ${(error as Error).message}`, parseErrorHint)
    }
  },
})

/** How long to wait for AWS before giving up (exit 5); what was started keeps going in AWS. */
export const timeoutFlag = (defaultValue: string) =>
  Flags.string({
    default: defaultValue,
    description: 'Give up waiting after this long (e.g. 30m, 1h); exit 5, and what was started keeps going in AWS',
  })

/** `--no-wait`: return as soon as AWS has accepted the request. */
export const waitFlag = Flags.boolean({
  allowNo: true,
  default: true,
  description: 'Wait until the change is complete (--no-wait returns once AWS has accepted it)',
})

/**
 * For commands that connect to the cluster: how TLS is checked (see src/lib/pg/tls.ts). No `env:` on
 * --ca-bundle: PGSSLROOTCERT is read in the resolver, so messages can say which one the trust came from.
 */
export const tlsFlags = {
  'ca-bundle': Flags.string({
    description:
      "PEM file of the CAs to trust for the cluster's certificate [default: PGSSLROOTCERT, else the bundled Amazon RDS CAs and the system store]",
    helpGroup: 'TLS',
  }),
  tls: Flags.string({
    default: 'verify-full',
    description:
      'verify-full: the certificate must chain to a trusted CA and name the endpoint; require: encrypt without checking (prints a warning every time)',
    helpGroup: 'TLS',
    options: ['verify-full', 'require'],
  }),
}

/**
 * The one confirmation flag of every destructive action (src/lib/cli/confirm.ts): the name of what is destroyed
 * or changed, typed again. `what` says which name: "the snapshot id", "the cluster id".
 */
export const confirmFlag = (what: string) =>
  Flags.string({
    description: `Confirm by naming ${what} again; without it you are asked to type it, and a run without a terminal (or with --json) is refused`,
  })

/** `--yes` used to confirm some actions; it is refused with the flag that replaced it, so no script is confirmed by accident. */
export const refusedYesFlag = Flags.boolean({
  description: 'Not accepted: confirm with --confirm NAME',
  hidden: true,
  async parse() {
    throw badInput(
      '--yes is not accepted: confirm a destructive action with --confirm NAME, naming what it acts on (the command says which name when it asks).',
      parseErrorHint,
    )
  },
})

/** A database of the cluster to work in; an empty value is refused (it would silently mean the user's own database). */
export const databaseFlag = (description: string) =>
  Flags.string({
    description,
    async parse(input) {
      if (input.trim() === '') throw badInput('--database is empty: name a database of the cluster, e.g. --database nbatracker.')
      return input
    },
  })

/**
 * Which endpoint a read-and-report command connects to: the writer (default), the reader endpoint, or one instance's own.
 * Sessions, locks and the usage counters (index scans, sequential scans) are each instance's own.
 */
export const endpointFlags = {
  instance: Flags.string({
    description: "Connect to this instance's own endpoint (sessions, locks and usage counters are per instance; default: the writer)",
    exclusive: ['reader'],
    async parse(input) {
      return validateIdentifier(input, 'instance', '--instance')
    },
  }),
  reader: Flags.boolean({description: 'Connect to the reader endpoint (one of the readers)', exclusive: ['instance']}),
}

/** What every `inspect` report takes: which database, how many rows, one schema, and the route and TLS to the cluster. */
export const inspectFlags = {
  ...endpointFlags,
  ...tlsFlags,
  database: databaseFlag("Database to inspect (default: the credentials secret's dbname)"),
  limit: integerFlag({default: 20, description: 'Rows to show in each list (1-500)', max: 500, min: 1}),
  schema: Flags.string({description: 'Only this schema (default: every schema but the system ones)'}),
  via: viaFlag,
}
