import {afterEach, describe, expect, it, onTestFinished, vi} from 'vitest'

import {oneLine, terminalColumns} from '../../src/lib/cli/terminal.js'

describe('terminal helpers', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('puts a multi-line query on one line', () => {
    expect(oneLine('\n\n  SELECT 1\n\tFROM  t  \n')).toBe('SELECT 1 FROM t')
    expect(oneLine(null)).toBe('')
  })

  it('takes the width from COLUMNS when stdout is not a terminal, else 100', () => {
    const own = Object.getOwnPropertyDescriptor(process.stdout, 'columns')
    Object.defineProperty(process.stdout, 'columns', {configurable: true, value: undefined})
    onTestFinished(() => {
      if (own) Object.defineProperty(process.stdout, 'columns', own)
      else delete (process.stdout as {columns?: number}).columns
    })
    vi.stubEnv('COLUMNS', '80')
    expect(terminalColumns()).toBe(80)
    vi.stubEnv('COLUMNS', '')
    expect(terminalColumns()).toBe(100)
  })
})
