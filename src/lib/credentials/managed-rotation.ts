import type {RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import type {Progress} from '../cli/progress.js'
import type {ClusterConnection} from '../target/cluster-connection.js'
import type {RotationReport, SecretRotationInfo} from './rotation-mode.js'

import {AuroraError} from '../cli/errors.js'

/** Placeholder: the mgd slice builds the RDS-managed and rotation-function modes here; the lead takes its version at merge. */
export async function rotateThroughSecretsManager(input: {
  connection: ClusterConnection
  info: SecretRotationInfo
  progress: Progress
  rds: RDSClient
  secretsManager: SecretsManagerClient
  signal: AbortSignal
  timeoutMs: number
}): Promise<RotationReport> {
  throw new AuroraError('UNEXPECTED', `not yet (${input.info.mode})`)
}
