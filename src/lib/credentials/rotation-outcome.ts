import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import type {RotationPlan, RotationReport} from './rotation-mode.js'

import {ExitCode} from '../cli/errors.js'
import {readVersionStages, versionWithStage} from './secret-versions.js'

/**
 * The exit code of a rotation, from its report: 0 rotated (or a dry run); a rollback that left everything as before
 * exits with its cause's code (130 interrupted, 5 a wait timed out, 4 any other failed step); 1 when the rollback
 * could not make the secret and the database agree, whatever the cause: that one needs a person.
 */
export function rotationExitCode(report: RotationReport): number {
  if (report.outcome === 'rotated' || report.outcome === 'dry-run') return ExitCode.ok
  if (report.outcome === 'rollback-failed') return ExitCode.unexpected
  if (report.failure?.code === 'INTERRUPTED') return ExitCode.interrupted
  if (report.failure?.code === 'TIMED_OUT') return ExitCode.timedOut
  return ExitCode.checkFailed
}

/** What --dry-run returns: the labels as they are, nothing done. */
export async function dryRunReport(plan: RotationPlan, secretsManager: SecretsManagerClient): Promise<RotationReport> {
  const stages = await readVersionStages(secretsManager, plan.secretArn)
  return {
    mode: plan.mode,
    outcome: 'dry-run',
    secretArn: plan.secretArn,
    state: `Nothing was changed: AWSCURRENT is version ${plan.currentVersion.versionId}.`,
    steps: [],
    username: plan.username,
    versions: {current: plan.currentVersion.versionId, previous: versionWithStage(stages, 'AWSPREVIOUS') ?? null},
  }
}
