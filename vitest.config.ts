import {defineConfig} from 'vitest/config'

// Stable output for assertions on rendered text: fixed width, no colour.
const env = {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', COLUMNS: '120', FORCE_COLOR: '0', NO_COLOR: '1'}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          env,
          include: ['test/unit/**/*.unit.test.ts'],
          name: 'unit',
        },
      },
      {
        test: {
          env,
          // One sandbox (moto + PostgreSQL) for the whole run, started before any test file.
          globalSetup: ['test/helpers/sandbox-global-setup.ts'],
          hookTimeout: 180_000,
          include: ['test/integration/**/*.integration.test.ts'],
          name: 'integration',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          env,
          hookTimeout: 600_000,
          include: ['test/infra/**/*.infra.test.ts'],
          name: 'infra',
          testTimeout: 300_000,
        },
      },
    ],
  },
})
