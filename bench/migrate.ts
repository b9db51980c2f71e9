// Migrate benchmark: datasets on a local source server, copied into the running sandbox. Every ratio is against
// the raw `pg_dump | psql` pipe measured in the same invocation, the runs alternating so that machine noise hits
// every side alike, each run after a CHECKPOINT on both servers. Prints medians, ratios and the goals next to them
// (issue #19); asserts nothing.
// Needs `auroractl sandbox up`. BENCH_RUNS (default 3) sets the runs per dataset; BENCH_SCALES (default "20,60")
// the pgbench scales; BENCH_QUICK=1 skips the checksum and memory measurements.
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {sandboxPaths} from '../src/lib/sandbox/paths.js'
import {startTestPostgres} from '../test/helpers/postgres-server.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(root, 'bin', 'run.js')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const scales = (process.env.BENCH_SCALES ?? '20,60').split(',').map(Number)

function time(work: () => void): number {
  const started = process.hrtime.bigint()
  work()
  return Number(process.hrtime.bigint() - started) / 1e9
}

/** One result: seconds, the ratio to the raw pipe, and the goal it is measured against. */
const line = (label: string, seconds: number, base: number, goal: string) =>
  console.log(`  ${label.padEnd(44)} ${seconds.toFixed(2).padStart(6)} s  ${(seconds / base).toFixed(2)}x  ${goal}`)

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const sandbox = spawnSync('node', [cli, 'sandbox', 'env', '--json'], {encoding: 'utf8'})
if (sandbox.status === 0) {
  await bench()
} else {
  console.log('migrate benchmark skipped: no sandbox running (`auroractl sandbox up`)')
}

async function bench(): Promise<void> {
  const env = {...process.env, ...JSON.parse(sandbox.stdout)} as NodeJS.ProcessEnv
  const password = execFileSync('node', [cli, 'secret', 'get', '--field', 'password', '--reveal'], {encoding: 'utf8', env}).trim()
  const map = JSON.parse(execFileSync('cat', [env.AURORACTL_ENDPOINT_MAP!], {encoding: 'utf8'})) as {endpoints: Record<string, string>}
  const [host, port] = Object.values(map.endpoints)[0]!.split(':')
  const targetEnv = {...process.env, PGHOST: host, PGPASSWORD: password, PGPORT: port, PGSSLMODE: 'require', PGUSER: 'nbatracker'}
  const psqlTarget = (database: string, sql: string) =>
    execFileSync('psql', ['-X', '-q', '-d', database, '-c', sql], {env: targetEnv, stdio: ['ignore', 'ignore', 'pipe']})

  const source = await startTestPostgres()
  const sourceEnv = {
    ...process.env,
    PGHOST: '127.0.0.1',
    PGPASSWORD: source.password,
    PGPORT: String(source.port),
    PGSSLMODE: 'disable',
    PGUSER: 'postgres',
  }
  const psqlSource = (database: string, sql: string) => execFileSync('psql', ['-X', '-q', '-d', database, '-c', sql], {env: sourceEnv})
  // Before every timed run both servers write out what the runs before left in memory: otherwise each run pays
  // for the checkpoint of the one before it, and the order of the runs decides who pays most.
  const superuser = JSON.parse(readFileSync(sandboxPaths(env).superuser, 'utf8')) as {password: string; username: string}
  const settle = () => {
    psqlSource('postgres', 'CHECKPOINT')
    execFileSync('psql', ['-X', '-q', '-d', 'postgres', '-c', 'CHECKPOINT'], {
      env: {...targetEnv, PGPASSWORD: superuser.password, PGUSER: superuser.username},
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  }

  function pgbench(database: string, scale: number) {
    psqlSource('postgres', `CREATE DATABASE ${database}`)
    execFileSync(path.join(source.binDir, 'pgbench'), ['-i', '-q', '-s', String(scale), database], {env: sourceEnv, stdio: 'ignore'})
  }

  let counter = 0
  const fresh = () => `bench_${process.pid}_${counter++}`
  // Each copy is dropped as soon as it is timed: autovacuum working on earlier copies would slow the next runs.
  // An autovacuum worker (another role's process) can refuse WITH (FORCE) for a moment: tried again, and at worst left.
  const drop = (database: string) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        psqlTarget('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
        return
      } catch {
        execFileSync('sleep', ['0.5'])
      }
    }
  }

  const migrateArgs = (database: string, into: string, extra: string[]) => [
    cli,
    'migrate',
    '--from',
    `postgresql://postgres@127.0.0.1:${source.port}/${database}?sslmode=disable`,
    '--to-database',
    into,
    '--json',
    ...extra,
  ]
  function migrate(database: string, extra: string[] = []): {output: string; seconds: number} {
    const into = fresh()
    let output = ''
    settle()
    const seconds = time(() => {
      output = execFileSync('node', migrateArgs(database, into, extra), {encoding: 'utf8', env: {...env, PGPASSWORD: source.password}})
    })
    drop(into)
    return {output, seconds}
  }

  const rawPipe = (database: string) => {
    const rawDb = fresh()
    psqlTarget('postgres', `CREATE DATABASE ${rawDb}`)
    settle()
    const seconds = time(() =>
      execFileSync(
        'bash',
        [
          '-c',
          `pg_dump -d ${database} --no-owner --no-acl | PGHOST=${host} PGPORT=${port} PGUSER=nbatracker PGPASSWORD="$TARGET_PASSWORD" PGSSLMODE=require psql -X -q -d ${rawDb} -o /dev/null`,
        ],
        {env: {...sourceEnv, TARGET_PASSWORD: password}},
      ),
    )
    drop(rawDb)
    return seconds
  }

  /** Alternates the raw pipe and each variant `runs` times; returns the medians (seconds) by name, raw included. */
  function compare(database: string, variants: Record<string, string[]>): Record<string, number> {
    const samples: Record<string, number[]> = {raw: []}
    for (const name of Object.keys(variants)) samples[name] = []
    let defaultJobs = 0
    for (let run = 0; run < runs; run++) {
      samples.raw!.push(rawPipe(database))
      for (const [name, extra] of Object.entries(variants)) {
        const {output, seconds} = migrate(database, extra)
        samples[name]!.push(seconds)
        if (extra.length === 0) defaultJobs = (JSON.parse(output) as {jobs: number}).jobs
      }
    }

    if (defaultJobs > 0) console.log(`  (the default chose --jobs ${defaultJobs})`)
    return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]))
  }

  try {
    console.log(`median of ${runs} alternating runs each; ${os.availableParallelism()} cores; count verification unless said`)
    for (const scale of scales) {
      const database = `bench_s${scale}`
      pgbench(database, scale)
      console.log(`pgbench scale ${scale}:`)
      const medians = compare(database, {default: [], jobs1: ['--jobs', '1'], jobs2: ['--jobs', '2']})
      line('raw pg_dump | psql (no verification)', medians.raw!, medians.raw!, '')
      line('auroractl migrate (default jobs)', medians.default!, medians.raw!, 'goal ≤ 1.00x')
      line('auroractl migrate --jobs 1', medians.jobs1!, medians.raw!, '')
      line('auroractl migrate --jobs 2', medians.jobs2!, medians.raw!, 'goal ≤ 1.00x')
    }

    // Several large tables: pgbench plus two more tables as large as pgbench_accounts.
    const multi = 'bench_multi'
    pgbench(multi, scales[0]!)
    const rows = scales[0]! * 100_000
    psqlSource(
      multi,
      `CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, kind text NOT NULL, at timestamptz NOT NULL, payload text);
       INSERT INTO events SELECT g, g % 100000, 'kind-' || (g % 17), now() - g * interval '1 second', repeat(md5(g::text), 2) FROM generate_series(1, ${rows}) g;
       CREATE TABLE readings (sensor int NOT NULL, at timestamptz NOT NULL, value double precision NOT NULL, note text, PRIMARY KEY (sensor, at));
       INSERT INTO readings SELECT g % 1000, now() - g * interval '1 minute', g * 0.5, CASE WHEN g % 10 = 0 THEN 'checked' END FROM generate_series(1, ${rows}) g`,
    )
    psqlSource(multi, 'VACUUM ANALYZE')
    console.log(`pgbench scale ${scales[0]} plus two tables of ${rows} rows each (several large tables):`)
    const spread = compare(multi, {jobs1: ['--jobs', '1'], jobs2: ['--jobs', '2']})
    line('raw pg_dump | psql (no verification)', spread.raw!, spread.raw!, '')
    line('auroractl migrate --jobs 1', spread.jobs1!, spread.raw!, '')
    line(
      'auroractl migrate --jobs 2',
      spread.jobs2!,
      spread.raw!,
      `goal ≤ 1.00x and < --jobs 1 (${(spread.jobs2! / spread.jobs1!).toFixed(2)}x of it)`,
    )

    if (process.env.BENCH_QUICK !== '1') measureChecksumAndMemory(`bench_s${scales[0]}`)
  } finally {
    for (let index = 0; index < counter; index++) {
      try {
        psqlTarget('postgres', `DROP DATABASE IF EXISTS bench_${process.pid}_${index} WITH (FORCE)`)
      } catch {
        // Best effort: the sandbox is throwaway.
      }
    }

    await source.stop()
  }

  /** What checksum verification adds over count, against the dump time; and auroractl's own peak RSS at each scale. */
  function measureChecksumAndMemory(database: string) {
    const dump: number[] = []
    const checksumWall: number[] = []
    const countWall: number[] = []
    for (let run = 0; run < runs; run++) {
      dump.push(time(() => execFileSync('bash', ['-c', `pg_dump -d ${database} > /dev/null`], {env: sourceEnv})))
      countWall.push(migrate(database).seconds)
      checksumWall.push(migrate(database, ['--verify', 'checksum']).seconds)
    }

    console.log(
      `checksum vs count verification, whole run: ${median(checksumWall).toFixed(2)} s vs ${median(countWall).toFixed(2)} s: +${((median(checksumWall) - median(countWall)) / median(dump)).toFixed(2)}x of the pg_dump time (${median(dump).toFixed(2)} s)`,
    )
    for (const scale of scales) {
      const into = fresh()
      const measured = spawnSync('/usr/bin/time', ['-f', '%M', 'node', ...migrateArgs(`bench_s${scale}`, into, [])], {
        encoding: 'utf8',
        env: {...env, PGPASSWORD: source.password},
      })
      drop(into)
      const rss = Number(measured.stderr.trim().split('\n').at(-1))
      console.log(`peak RSS of auroractl (default path) at scale ${scale}: ${(rss / 1024).toFixed(0)} MB`)
    }
  }
}
