import {describe, expect, it} from 'vitest'

import {confirmByTypedName} from '../../src/lib/cli/confirm.js'
import {formatDuration, parseDuration, parseIsoTime, seconds} from '../../src/lib/cli/duration.js'

describe('confirmation', () => {
  it('accepts a matching --confirm and refuses a different one (exit 2)', async () => {
    await expect(
      confirmByTypedName({action: 'delete snapshot s1', confirmFlag: 's1', expected: 's1', interactive: false}),
    ).resolves.toBeUndefined()
    await expect(
      confirmByTypedName({action: 'delete snapshot s1', confirmFlag: 's2', expected: 's1', interactive: true}),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: '--confirm "s2" does not match "s1"; nothing was changed.',
    })
  })

  it('refuses without a terminal when nothing confirms', async () => {
    await expect(confirmByTypedName({action: 'delete snapshot s1', expected: 's1', interactive: false})).rejects.toMatchObject({
      exitCode: 2,
      hint: 'Pass --confirm s1 to go ahead.',
    })
    await expect(
      confirmByTypedName({action: 'lower the maximum', confirmFlag: 'c1', expected: 'c1', interactive: false}),
    ).resolves.toBeUndefined()
  })
})

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1.5h', 5_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms)
  })

  it.each(['30', 'm', '5x', '1h 30m', '-5m', '0s', ''])('rejects %j naming the flag (exit 2)', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(`--timeout "${text}" is not a duration`)
  })

  it('enforces limits', () => {
    expect(() => parseDuration('5s', '--timeout', {minMs: 10_000})).toThrow('--timeout "5s" must be from 10s to unlimited.')
    expect(formatDuration(95_000)).toBe('1m35s')
  })
})

describe('times', () => {
  it('reads an ISO 8601 time with a zone (Z or an offset, with or without seconds)', () => {
    expect(parseIsoTime('2026-11-28T02:00:00Z', '--start').toISOString()).toBe('2026-11-28T02:00:00.000Z')
    expect(parseIsoTime('2026-11-28T03:00+01:00', '--start').toISOString()).toBe('2026-11-28T02:00:00.000Z')
    expect(parseIsoTime('2026-11-28T02:00:00.250-0130', '--start').toISOString()).toBe('2026-11-28T03:30:00.250Z')
  })

  it('refuses a time without a zone, and anything else, with exit 2 naming the flag and the form', () => {
    for (const value of ['2026-11-28T02:00:00', '2026-11-28', 'yesterday', '2026-13-45T02:00:00Z']) {
      expect(() => parseIsoTime(value, '--to-time')).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: `--to-time "${value}" is not an ISO 8601 time with a zone, e.g. 2026-11-28T02:00:00Z.`,
        }),
      )
    }
  })
})

describe('elapsed seconds', () => {
  it('are rounded to a tenth', () => {
    expect([seconds(0), seconds(49), seconds(50), seconds(1234.5), seconds(61_960)]).toEqual([0, 0, 0.1, 1.2, 62])
  })
})
