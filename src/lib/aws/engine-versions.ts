import type {RDSClient} from '@aws-sdk/client-rds'

import {rdsSdk} from './sdk.js'

/** What an engine version supports of Serverless v2, as AWS reports it (DescribeDBEngineVersions' ServerlessV2FeaturesSupport). */
export interface ServerlessV2Support {
  /** 256 on recent versions, 128 on older ones. */
  maxCapacity: number
  /** 0 where the version can scale to zero and pause (auto-pause), else 0.5. */
  minCapacity: number
}

/**
 * Asks AWS what `engine` at `engineVersion` supports, rather than keeping a table of versions here that
 * goes stale: undefined when the version is unknown or does not support Serverless v2 at all.
 */
export async function serverlessV2Support(rds: RDSClient, engine: string, engineVersion: string): Promise<ServerlessV2Support | undefined> {
  const {DescribeDBEngineVersionsCommand} = rdsSdk()
  const {DBEngineVersions: versions = []} = await rds.send(
    new DescribeDBEngineVersionsCommand({Engine: engine, EngineVersion: engineVersion}),
  )
  const support = versions.find((version) => version.EngineVersion === engineVersion)?.ServerlessV2FeaturesSupport
  if (support?.MinCapacity === undefined || support.MaxCapacity === undefined) return undefined
  return {maxCapacity: support.MaxCapacity, minCapacity: support.MinCapacity}
}

/** True when the version can scale to 0 ACUs and pause after SecondsUntilAutoPause idle. */
export const supportsAutoPause = (support: ServerlessV2Support | undefined): boolean => support?.minCapacity === 0
