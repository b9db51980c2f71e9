import {createRequire} from 'node:module'

/**
 * The @oclif/core modules every command needs, required rather than imported. They are CommonJS: an ESM `import` of
 * them makes Node parse each one (and what it re-exports) for its export names before use, about 7 ms at every
 * start for these three; `require` hands over the very same module objects without that (as ../aws/sdk.ts does
 * for the AWS SDK). Types come from the modules themselves.
 */
const require = createRequire(import.meta.url)

export const {Command} = require('@oclif/core/command') as typeof import('@oclif/core/command')
export const {CLIError} = require('@oclif/core/errors') as typeof import('@oclif/core/errors')
export const Flags = require('@oclif/core/flags') as typeof import('@oclif/core/flags')
