// Migrate benchmark: a pgbench dataset on a local source server, copied into the running sandbox.
// Prints ratios against the raw `pg_dump | psql` pipe measured in the same invocation (runs alternate),
// the checksum verification time as a share of the dump time, and auroractl's peak RSS at two scales.
// Needs `auroractl sandbox up`. BENCH_SCALE (default 20) and BENCH_RUNS (default 5) tune it.
import {execFileSync, spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {startTestPostgres} from '../test/helpers/postgres-server.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(root, 'bin', 'run.js')
const scale = Number(process.env.BENCH_SCALE ?? 20)
const runs = Number(process.env.BENCH_RUNS ?? 5)

function time(work: () => void): number {
  const started = process.hrtime.bigint()
  work()
  return Number(process.hrtime.bigint() - started) / 1e9
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const sandbox = spawnSync('node', [cli, 'sandbox', 'env', '--json'], {encoding: 'utf8'})
if (sandbox.status === 0) {
  await bench()
} else {
  console.log('migrate benchmark skipped: no sandbox running (`auroractl sandbox up`)')
}

async function bench(): Promise<void> {
  const env = {...process.env, ...JSON.parse(sandbox.stdout)} as NodeJS.ProcessEnv
  const password = execFileSync('node', [cli, 'secret', 'get', '--field', 'password'], {encoding: 'utf8', env}).trim()
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

  function prepare(database: string, pgbenchScale: number) {
    execFileSync('psql', ['-X', '-q', '-d', 'postgres', '-c', `CREATE DATABASE ${database}`], {env: sourceEnv})
    execFileSync(path.join(source.binDir, 'pgbench'), ['-i', '-q', '-s', String(pgbenchScale), database], {env: sourceEnv, stdio: 'ignore'})
  }

  let counter = 0
  const fresh = () => `bench_${process.pid}_${counter++}`

  try {
    prepare('bench', scale)
    const raw: number[] = []
    const jobs1: number[] = []
    const jobs2: number[] = []
    const dump: number[] = []
    const checksum: number[] = []
    const checksumSource: number[] = []
    const checksumWall: number[] = []
    for (let run = 0; run < runs; run++) {
      const rawDb = fresh()
      psqlTarget('postgres', `CREATE DATABASE ${rawDb}`)
      raw.push(
        time(() =>
          execFileSync(
            'bash',
            [
              '-c',
              `pg_dump -d bench --no-owner --no-acl | PGHOST=${host} PGPORT=${port} PGUSER=nbatracker PGPASSWORD="$TARGET_PASSWORD" PGSSLMODE=require psql -X -q -d ${rawDb} -o /dev/null`,
            ],
            {env: {...sourceEnv, TARGET_PASSWORD: password}},
          ),
        ),
      )
      for (const [jobs, samples] of [
        [1, jobs1],
        [2, jobs2],
      ] as const) {
        samples.push(
          time(() =>
            execFileSync(
              'node',
              [
                cli,
                'migrate',
                '--from',
                `postgresql://postgres@127.0.0.1:${source.port}/bench?sslmode=disable`,
                '--to-database',
                fresh(),
                '--jobs',
                String(jobs),
                '--json',
              ],
              {env: {...env, PGPASSWORD: source.password}},
            ),
          ),
        )
      }

      dump.push(time(() => execFileSync('bash', ['-c', 'pg_dump -d bench > /dev/null'], {env: sourceEnv})))
      let output = ''
      checksumWall.push(
        time(() => {
          output = execFileSync(
            'node',
            [
              cli,
              'migrate',
              '--from',
              `postgresql://postgres@127.0.0.1:${source.port}/bench?sslmode=disable`,
              '--to-database',
              fresh(),
              '--jobs',
              '1',
              '--verify',
              'checksum',
              '--json',
            ],
            {
              encoding: 'utf8',
              env: {...env, PGPASSWORD: source.password},
            },
          )
        }),
      )
      const report = JSON.parse(output)
      checksum.push(report.phases.verifySeconds)
      checksumSource.push(report.phases.sourceVerifySeconds)
    }

    const base = median(raw)
    console.log(`pgbench scale ${scale}, median of ${runs} alternating runs`)
    console.log(`raw pg_dump | psql (no verification)         ${base.toFixed(2)} s   1.00x`)
    console.log(`auroractl migrate --jobs 1 (count verified)   ${median(jobs1).toFixed(2)} s   ${(median(jobs1) / base).toFixed(2)}x`)
    console.log(`auroractl migrate --jobs 2 (count verified)   ${median(jobs2).toFixed(2)} s   ${(median(jobs2) / base).toFixed(2)}x`)
    console.log(
      `checksum verification / pg_dump time          ${median(checksum).toFixed(2)} s / ${median(dump).toFixed(2)} s = ${(median(checksum) / median(dump)).toFixed(2)}x  (after the copy: the target side)`,
    )
    console.log(
      `  source side, run during the copy             ${median(checksumSource).toFixed(2)} s / ${median(dump).toFixed(2)} s = ${(median(checksumSource) / median(dump)).toFixed(2)}x`,
    )
    console.log(
      `  whole run, --verify checksum vs count        ${median(checksumWall).toFixed(2)} s vs ${median(jobs1).toFixed(2)} s: +${((median(checksumWall) - median(jobs1)) / median(dump)).toFixed(2)}x of the dump time`,
    )

    // Peak RSS of auroractl itself (the dump and restore run in pg_dump/psql) at two scales.
    prepare('bench_big', scale * 2)
    for (const [database, size] of [
      ['bench', scale],
      ['bench_big', scale * 2],
    ] as const) {
      const measured = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          'node',
          cli,
          'migrate',
          '--from',
          `postgresql://postgres@127.0.0.1:${source.port}/${database}?sslmode=disable`,
          '--to-database',
          fresh(),
          '--jobs',
          '1',
          '--json',
        ],
        {
          encoding: 'utf8',
          env: {...env, PGPASSWORD: source.password},
        },
      )
      const rss = Number(measured.stderr.trim().split('\n').at(-1))
      console.log(`peak RSS of auroractl at scale ${size}: ${(rss / 1024).toFixed(0)} MB`)
    }
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
}
