import type {TestProject} from 'vitest/node'

import path from 'node:path'

import {packageRoot} from '../../src/lib/sandbox/paths.js'
import {sandboxDown, sandboxUp} from '../../src/lib/sandbox/sandbox.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `auroractl sandbox env` for the test sandbox, plus AURORACTL_SANDBOX_DIR. */
    sandboxEnv: Record<string, string>
  }
}

/** Starts one sandbox in .sandbox/test (never the developer's own) for every integration test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const sandboxEnv = {
    ...process.env,
    AURORACTL_SANDBOX_DIR: path.join(packageRoot, '.sandbox', 'test'),
    // Log files are served in 4 kB portions (AWS: 1 MB), so downloads page through several even in a short test.
    AURORACTL_SANDBOX_LOG_PORTION_BYTES: '4096',
  }
  await sandboxDown({env: sandboxEnv})
  const started = performance.now()
  const result = await sandboxUp({env: sandboxEnv, log: (line) => console.log(`[sandbox] ${line}`), version: 'test'})
  console.log(`[sandbox] up in ${Math.round(performance.now() - started)} ms`)
  project.provide('sandboxEnv', {...result.env, AURORACTL_SANDBOX_DIR: sandboxEnv.AURORACTL_SANDBOX_DIR})
  return async () => {
    await sandboxDown({env: sandboxEnv})
  }
}
