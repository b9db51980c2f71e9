import {AuroraError} from '../cli/errors.js'

/**
 * The module's outputs that auroractl reads (see infra/modules/rds/outputs.tf).
 * Sensitive outputs such as database_url are never read: `terraform output -json` prints them
 * in clear text, so their values are dropped as soon as the JSON is parsed.
 */
export interface TerraformOutputs {
  clusterArn?: string
  clusterEndpoint?: string
  clusterId?: string
  clusterPort?: number
  clusterReaderEndpoint?: string
  clusterResourceId?: string
  databaseName?: string
  databaseSecretArn?: string
  masterUsername?: string
  securityGroupId?: string
}

/** Output name in the module -> field in TerraformOutputs. */
export const terraformOutputNames = {
  cluster_arn: 'clusterArn',
  cluster_endpoint: 'clusterEndpoint',
  cluster_id: 'clusterId',
  cluster_port: 'clusterPort',
  cluster_reader_endpoint: 'clusterReaderEndpoint',
  cluster_resource_id: 'clusterResourceId',
  database_name: 'databaseName',
  database_secret_arn: 'databaseSecretArn',
  master_username: 'masterUsername',
  security_group_id: 'securityGroupId',
} as const satisfies Record<string, keyof TerraformOutputs>

interface RawOutput {
  sensitive?: boolean
  value?: unknown
}

/** Parses the text of `terraform output -json`. */
export function parseTerraformOutputs(text: string, dir: string): TerraformOutputs {
  let raw: Record<string, RawOutput>
  try {
    raw = JSON.parse(text) as Record<string, RawOutput>
  } catch {
    // The text may hold sensitive values: never quote it.
    throw new AuroraError('TERRAFORM', `\`terraform output -json\` in ${dir} did not print JSON.`, {
      hint: `Run \`terraform -chdir=${dir} output\` to see what is wrong.`,
    })
  }

  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AuroraError('TERRAFORM', `\`terraform output -json\` in ${dir} did not print an object of outputs.`)
  }

  const outputs: TerraformOutputs = {}
  for (const [name, field] of Object.entries(terraformOutputNames)) {
    const output = raw[name]
    if (!output || output.sensitive) continue
    if (field === 'clusterPort') {
      const port = Number(output.value)
      if (Number.isInteger(port) && port > 0) outputs.clusterPort = port
    } else if (typeof output.value === 'string' && output.value !== '') {
      outputs[field] = output.value
    }
  }

  return outputs
}

/** The region from an ARN such as arn:aws:rds:eu-west-1:123456789012:cluster:name. */
export function regionFromArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(':')
  return parts && parts.length > 4 && parts[0] === 'arn' && parts[3] ? parts[3] : undefined
}

/** Runs `terraform output -json` in `dir`. Loaded only when a command needs Terraform's outputs. */
export async function readTerraformOutputs(dir: string): Promise<TerraformOutputs> {
  const {execa} = await import('execa')
  const result = await execa('terraform', [`-chdir=${dir}`, 'output', '-json', '-no-color'], {
    env: {TF_IN_AUTOMATION: '1'},
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  })
  if (result.failed) {
    const missing = (result as {code?: string}).code === 'ENOENT'
    throw new AuroraError(
      'TERRAFORM',
      missing
        ? 'terraform is not installed, so the outputs in --tf-dir cannot be read.'
        : `\`terraform output -json\` failed in ${dir}: ${String(result.stderr).split('\n').find(Boolean) ?? `exit ${result.exitCode}`}`,
      {hint: missing ? 'Install Terraform, or name the cluster with --cluster.' : `Check that ${dir} is an applied Terraform root module.`},
    )
  }

  return parseTerraformOutputs(String(result.stdout), dir)
}
