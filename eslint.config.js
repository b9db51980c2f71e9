import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier'

export default [
  {ignores: ['dist/', 'node_modules/', '.sandbox/', '.scratch/', 'coverage/', 'oclif.manifest.json']},
  ...oclif,
  prettier,
  {
    rules: {
      // Terraform output names and AWS API fields are snake_case or PascalCase by contract.
      camelcase: ['error', {properties: 'never'}],
      // Long orchestrations read as lists of named phases (see drill's phase()): a function too long or
      // too branchy to read at once is split, not waved through as a warning.
      complexity: ['error', 20],
      // Commands and lib modules are ESM; dynamic imports keep start-up lean on purpose.
      'n/no-unsupported-features/node-builtins': 'off',
      // Names say what things are; abbreviations such as `pg`, `env`, `args` are the ecosystem's own.
      'unicorn/prevent-abbreviations': 'off',
    },
  },
  {
    // The rule: no function in src/lib over 80 lines (commands and benches read top to bottom as they are).
    files: ['src/lib/**/*.ts'],
    rules: {'max-lines-per-function': ['error', {max: 80, skipBlankLines: true, skipComments: true}]},
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests assert on fixed strings and shapes; that is their point.
      'max-nested-callbacks': 'off',
      'mocha/max-top-level-suites': 'off',
      // vitest's describe.skipIf(...) is a suite; the mocha plugin does not know it.
      'mocha/no-top-level-hooks': 'off',
      'no-await-in-loop': 'off',
      'unicorn/no-useless-undefined': 'off',
    },
  },
  {
    files: ['test/infra/**/*.ts'],
    rules: {
      // Terraform interpolations ("${var.x}") are what these tests assert on.
      'no-template-curly-in-string': 'off',
    },
  },
]
