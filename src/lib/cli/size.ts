import bytes from 'bytes'

import {badInput} from './errors.js'

/**
 * A size as PostgreSQL writes one: a number and kB, MB, GB or TB, each 1024 times the one before (as `bytes`
 * reads them). The unit is required and checked here: `bytes` alone reads "1GiB" as 1 byte.
 */
export function parseSize(value: string, flag: string, limits: {max: number; min: number}): number {
  const size = /^\d+(\.\d+)?\s*(kb|mb|gb|tb)$/i.test(value.trim()) ? bytes.parse(value.trim()) : null
  if (size === null) throw badInput(`${flag} "${value}" is not a size: use a number and a unit, e.g. 512MB, 1GB, 2TB.`)
  if (size < limits.min || size > limits.max)
    throw badInput(`${flag} "${value}" must be from ${formatSize(limits.min)} to ${formatSize(limits.max)}.`)
  return size
}

/** 16MB, 1GB, 1.5TB: the unit parseSize reads back. */
const formatSize = (size: number): string => (bytes.format(size, {unitSeparator: ''}) ?? String(size)).replace('KB', 'kB')
