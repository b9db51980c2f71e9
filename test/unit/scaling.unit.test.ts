import {describe, expect, it} from 'vitest'

import {supportsAutoPause, validateScaling} from '../../src/lib/scaling.js'

describe('validateScaling', () => {
  it.each([
    [{maxAcu: 1, minAcu: 0.5}, '15.14'],
    [{maxAcu: 256, minAcu: 256}, '15.14'],
    [{maxAcu: 4, minAcu: 0}, '15.7'],
    [{maxAcu: 1, minAcu: 0, secondsUntilAutoPause: 300}, '16.3'],
    [{maxAcu: 1, minAcu: 0, secondsUntilAutoPause: 86_400}, '17.1'],
  ])('accepts %j on %s', (config, version) => {
    expect(validateScaling(config, version)).toEqual(config)
  })

  it.each([
    [{maxAcu: 1, minAcu: 0.7}, '15.14', '--min 0.7 is not allowed: capacity goes from 0 to 256 ACU in steps of 0.5.'],
    [{maxAcu: 1, minAcu: -0.5}, '15.14', '--min -0.5 is not allowed'],
    [{maxAcu: 0.5, minAcu: 0.5}, '15.14', '--max 0.5 is not allowed: the maximum goes from 1 to 256 ACU in steps of 0.5.'],
    [{maxAcu: 256.5, minAcu: 1}, '15.14', '--max 256.5 is not allowed'],
    [{maxAcu: 2, minAcu: 4}, '15.14', '--min 4 is above --max 2: the minimum must not exceed the maximum.'],
    [{maxAcu: 1, minAcu: 0}, '15.4', '--min 0 needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or later; this cluster runs 15.4.'],
    [{maxAcu: 1, minAcu: 0.5, secondsUntilAutoPause: 600}, '15.14', '--seconds-until-auto-pause applies only with --min 0'],
    [
      {maxAcu: 1, minAcu: 0, secondsUntilAutoPause: 100},
      '15.14',
      '--seconds-until-auto-pause 100 is not allowed: it goes from 300 to 86400 seconds.',
    ],
    [{maxAcu: Number.NaN, minAcu: 1}, '15.14', '--max NaN is not allowed'],
  ])('rejects %j on %s with exit 2: %s', (config, version, message) => {
    expect(() => validateScaling(config, version)).toThrow(message)
    try {
      validateScaling(config, version)
    } catch (error) {
      expect((error as {exitCode: number}).exitCode).toBe(2)
    }
  })

  it('knows which versions can pause', () => {
    expect(['13.15', '14.12', '15.7', '16.3', '17.0'].map((version) => supportsAutoPause(version))).toEqual([true, true, true, true, true])
    expect(['13.14', '14.11', '15.6', '16.2', '12.22', undefined].map((version) => supportsAutoPause(version))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ])
  })
})
