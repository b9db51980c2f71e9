import {spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, expect, it} from 'vitest'

import {cliPath, runCli} from '../helpers/run-cli.js'
import {startStallingRds} from '../helpers/stalling-rds.js'

const awsEnv = {AWS_ACCESS_KEY_ID: 'a', AWS_REGION: 'us-east-1', AWS_SECRET_ACCESS_KEY: 'b', NO_COLOR: '1'}

describe('a command waiting on AWS', () => {
  it('stops waiting on Ctrl-C, exits 130, and says what keeps running in AWS', async () => {
    const rds = await startStallingRds()
    try {
      const child = spawn(
        process.execPath,
        [cliPath, 'snapshot', 'create', '--cluster', 'stalled', '--id', 'slow-one', '--endpoint-url', rds.url],
        {
          env: {...process.env, ...awsEnv},
        },
      )
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const exited = new Promise<null | number>((resolve) => {
        child.on('exit', (code) => resolve(code))
      })
      // Wait until the snapshot was requested and the command is polling it.
      for (let i = 0; i < 100 && !stderr.includes('creating'); i++) await sleep(100)
      expect(rds.creates()).toBe(1)
      child.kill('SIGINT')
      expect(await exited).toBe(130)
      expect(stderr).toContain(
        'Error: Interrupted while waiting for snapshot slow-one to become available. The snapshot keeps being created in AWS',
      )
    } finally {
      await rds.close()
    }
  })

  it('gives up after --timeout with exit 5', async () => {
    const rds = await startStallingRds()
    try {
      const result = await runCli(
        ['snapshot', 'create', '--cluster', 'stalled', '--id', 'slow-two', '--endpoint-url', rds.url, '--timeout', '12s'],
        {env: awsEnv},
      )
      expect(result.exitCode).toBe(5)
      expect(result.stderr).toContain('Error: Gave up after 12s waiting for snapshot slow-two to become available.')
      expect(result.stderr).toContain('Hint: Raise --timeout')
    } finally {
      await rds.close()
    }
  })
})
