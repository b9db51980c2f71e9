import {createRequire} from 'node:module'

/**
 * The AWS SDK packages ship one bundled CommonJS file each. Loading them with `require` takes about
 * 60 ms for client-rds; an ESM `import` of the same file takes about 105 ms, because Node first
 * scans the whole bundle for its export names. Every runtime use of the SDK goes through these
 * loaders (types are imported normally), and each is called only by the code that needs it.
 */
const require = createRequire(import.meta.url)

export const cloudWatchSdk = (): typeof import('@aws-sdk/client-cloudwatch') => require('@aws-sdk/client-cloudwatch')
export const credentialProvidersSdk = (): typeof import('@aws-sdk/credential-providers') => require('@aws-sdk/credential-providers')
export const ec2Sdk = (): typeof import('@aws-sdk/client-ec2') => require('@aws-sdk/client-ec2')
export const rdsSdk = (): typeof import('@aws-sdk/client-rds') => require('@aws-sdk/client-rds')
export const secretsManagerSdk = (): typeof import('@aws-sdk/client-secrets-manager') => require('@aws-sdk/client-secrets-manager')
export const stsSdk = (): typeof import('@aws-sdk/client-sts') => require('@aws-sdk/client-sts')
/** The SDK's waiter machinery (createWaiter, WaiterState), for waiters that also report progress. */
export const smithyClient = (): typeof import('@smithy/core/client') => require('@smithy/core/client')
export const piSdk = (): typeof import('@aws-sdk/client-pi') => require('@aws-sdk/client-pi')
