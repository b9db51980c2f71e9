// Startup benchmark: auroractl against baselines measured in the same invocation, runs alternating
// so that machine noise hits both sides alike. Prints medians and ratios, each beside its goal (issue #19);
// asserts nothing. BENCH_RUNS sets the number of runs (default 15).
import {spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.env.BENCH_RUNS ?? 15)
const cli = path.join(root, 'bin', 'run.js')
// A cache directory of this run's own: each comparison's warm-up run fills the compile cache
// (src/lib/cli/compile-cache.ts), as a user's first command does; the timed runs then use it.
process.env.AURORACTL_CACHE_DIR = mkdtempSync(path.join(os.tmpdir(), 'auroractl-bench-cache-'))

function time(command, args, env = process.env) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).trim()}`)
  return ms
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/**
 * Alternates `subject` and `baseline` `runs` times (after one warm-up each) and prints the ratio of medians,
 * and whether it meets `goal` (the highest ratio wanted), if there is one.
 */
function compare(label, subject, baseline, goal) {
  subject()
  baseline()
  const subjectTimes = []
  const baselineTimes = []
  for (let i = 0; i < runs; i++) {
    subjectTimes.push(subject())
    baselineTimes.push(baseline())
  }

  const [s, b] = [median(subjectTimes), median(baselineTimes)]
  const ratio = s / b
  const verdict = goal === undefined ? '' : `  goal ≤ ${goal.toFixed(1)}x: ${ratio <= goal ? 'met' : 'NOT met'}`
  console.log(`${label.padEnd(58)} ${s.toFixed(0).padStart(5)} ms vs ${b.toFixed(0).padStart(5)} ms  ratio ${ratio.toFixed(2)}x${verdict}`)
  return ratio
}

console.log(`median of ${runs} alternating runs each`)
compare(
  'auroractl --version / node -e 0',
  () => time('node', [cli, '--version']),
  () => time('node', ['-e', '0']),
)
compare(
  'auroractl --help / node -e 0',
  () => time('node', [cli, '--help']),
  () => time('node', ['-e', '0']),
  2,
)
compare(
  'auroractl status --help / node -e 0',
  () => time('node', [cli, 'status', '--help']),
  () => time('node', ['-e', '0']),
)

const sandbox = spawnSync('node', [cli, 'sandbox', 'env', '--json'], {encoding: 'utf8'})
const aws = spawnSync('aws', ['--version'], {encoding: 'utf8'})
if (sandbox.status !== 0) {
  console.log('status vs aws rds describe-db-clusters: skipped (no sandbox running: `auroractl sandbox up`)')
} else if (aws.error) {
  console.log('status vs aws rds describe-db-clusters: skipped (AWS CLI not installed: `pip install awscli`)')
} else {
  const vars = JSON.parse(sandbox.stdout)
  // The AWS CLI v1 reads AWS_DEFAULT_REGION and takes the endpoint as a flag.
  const env = {...process.env, ...vars, AWS_DEFAULT_REGION: vars.AWS_REGION}
  compare(
    'auroractl status / aws rds describe-db-clusters',
    () => time('node', [cli, 'status'], env),
    () =>
      time(
        'aws',
        ['rds', 'describe-db-clusters', '--db-cluster-identifier', vars.AURORACTL_CLUSTER, '--endpoint-url', vars.AWS_ENDPOINT_URL],
        env,
      ),
    0.5,
  )
  compare(
    'auroractl status, cache off / aws rds describe-db-clusters',
    () => time('node', [cli, 'status'], {...env, AURORACTL_DISABLE_COMPILE_CACHE: '1'}),
    () =>
      time(
        'aws',
        ['rds', 'describe-db-clusters', '--db-cluster-identifier', vars.AURORACTL_CLUSTER, '--endpoint-url', vars.AWS_ENDPOINT_URL],
        env,
      ),
  )
  compare(
    'auroractl status --json / aws rds describe-db-clusters',
    () => time('node', [cli, 'status', '--json'], env),
    () =>
      time(
        'aws',
        ['rds', 'describe-db-clusters', '--db-cluster-identifier', vars.AURORACTL_CLUSTER, '--endpoint-url', vars.AWS_ENDPOINT_URL],
        env,
      ),
    0.5,
  )
}
