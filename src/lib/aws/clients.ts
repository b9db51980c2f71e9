import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {PIClient} from '@aws-sdk/client-pi'
import type {RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import type {STSClient} from '@aws-sdk/client-sts'

import {cloudWatchSdk, credentialProvidersSdk, ec2Sdk, piSdk, rdsSdk, secretsManagerSdk, stsSdk} from './sdk.js'

/** What every AWS client shares; resolved once per command from the target. */
export interface AwsSettings {
  /** Fixed credentials (the sandbox's); otherwise the standard provider chain. */
  credentials?: {accessKeyId: string; secretAccessKey: string}
  endpointUrl?: string
  profile?: string
  region?: string
  /** e.g. "0.1.0": sent as `auroractl/0.1.0` in the user agent so CloudTrail shows who called. */
  version: string
}

/** Bounded retries: adaptive mode backs off on throttling, and 4 attempts keep a paged engineer from waiting minutes. */
export const maxAttempts = 4

/**
 * One factory for every SDK client. Each client module is imported the first time it is asked
 * for, so a command loads only the SDK packages it uses (and `--help`/`--version` load none).
 */
export class AwsClients {
  private readonly cache = new Map<string, Promise<unknown>>()

  constructor(readonly settings: AwsSettings) {}

  /**
   * Shared client configuration; exported through a method so tests can assert on it. A service's own
   * endpoint variable (AWS_ENDPOINT_URL_PI, AWS_ENDPOINT_URL_RDS ..., the AWS SDKs' convention) wins
   * over the shared override, so one service can be pointed elsewhere.
   */
  async clientConfig(service?: string) {
    // The SDK warns on every run that releases after January 2027 need Node 22. Our lockfile pins
    // the SDK, so the warning tells an on-call engineer nothing they can act on.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const {endpointUrl, profile, region, version} = this.settings
    // The standard chain: environment, SSO, shared config/credentials files, process, web identity,
    // container and instance metadata. A named profile skips environment credentials, as the AWS CLI does.
    const credentials = this.settings.credentials ?? credentialProvidersSdk().fromNodeProviderChain(profile ? {profile} : {})
    return {
      credentials,
      customUserAgent: `auroractl/${version}`,
      endpoint: (service && process.env[`AWS_ENDPOINT_URL_${service}`]) || endpointUrl,
      maxAttempts,
      profile,
      region,
      // Fail fast enough for someone paged at night: a dead endpoint costs seconds, not minutes.
      requestHandler: {connectionTimeout: 3000, requestTimeout: 15_000},
      retryMode: 'adaptive',
    }
  }

  cloudWatch(): Promise<CloudWatchClient> {
    return this.memo('cloudwatch', async () => {
      const {CloudWatchClient} = cloudWatchSdk()
      return new CloudWatchClient(await this.clientConfig('CLOUDWATCH'))
    })
  }

  ec2(): Promise<EC2Client> {
    return this.memo('ec2', async () => {
      const {EC2Client} = ec2Sdk()
      return new EC2Client(await this.clientConfig('EC2'))
    })
  }

  performanceInsights(): Promise<PIClient> {
    return this.memo('pi', async () => {
      const {PIClient} = piSdk()
      return new PIClient(await this.clientConfig('PI'))
    })
  }

  rds(): Promise<RDSClient> {
    return this.memo('rds', async () => {
      const {RDSClient} = rdsSdk()
      return new RDSClient(await this.clientConfig('RDS'))
    })
  }

  secretsManager(): Promise<SecretsManagerClient> {
    return this.memo('secretsmanager', async () => {
      const {SecretsManagerClient} = secretsManagerSdk()
      return new SecretsManagerClient(await this.clientConfig('SECRETS_MANAGER'))
    })
  }

  sts(): Promise<STSClient> {
    return this.memo('sts', async () => {
      const {STSClient} = stsSdk()
      return new STSClient(await this.clientConfig('STS'))
    })
  }

  private memo<T>(key: string, create: () => Promise<T>): Promise<T> {
    let client = this.cache.get(key) as Promise<T> | undefined
    if (!client) {
      client = create()
      this.cache.set(key, client)
    }

    return client
  }
}
