import {badInput} from './errors.js'

/**
 * RDS identifier rules, the same for clusters, instances and cluster snapshots apart from length:
 * letters, digits and hyphens; starts with a letter; no trailing hyphen and no two hyphens in a row.
 */
export const identifierKinds = {
  cluster: {label: 'DB cluster identifier', maxLength: 63},
  instance: {label: 'DB instance identifier', maxLength: 63},
  snapshot: {label: 'DB cluster snapshot identifier', maxLength: 255},
} as const

export type IdentifierKind = keyof typeof identifierKinds

/** Returns why `value` breaks the rules, or undefined when it is a valid identifier. */
export function identifierProblem(value: string, kind: IdentifierKind): string | undefined {
  const {maxLength} = identifierKinds[kind]
  if (value.length === 0) return 'is empty'
  if (value.length > maxLength) return `is ${value.length} characters long (at most ${maxLength})`
  if (!/^[A-Za-z]/.test(value)) return 'must start with a letter'
  if (!/^[A-Za-z0-9-]+$/.test(value)) return 'may contain only letters, digits and hyphens'
  if (value.includes('--')) return 'must not contain two consecutive hyphens'
  if (value.endsWith('-')) return 'must not end with a hyphen'
  return undefined
}

/** Validates an identifier given through `flag` and returns it unchanged; throws a BAD_INPUT error naming the flag. */
export function validateIdentifier(value: string, kind: IdentifierKind, flag: string): string {
  const problem = identifierProblem(value, kind)
  if (problem) {
    const {label, maxLength} = identifierKinds[kind]
    throw badInput(
      `${flag} "${value}" ${problem}: a ${label} is 1-${maxLength} letters, digits or hyphens, starts with a letter, and has no trailing or double hyphen.`,
    )
  }

  return value
}

/**
 * A snapshot named by the user to read or restore: a manual id, or an automated one, which AWS
 * names `rds:<cluster>-<date>` (the prefix is not allowed in ids we create).
 */
export function validateSnapshotReference(value: string, flag: string): string {
  validateIdentifier(value.startsWith('rds:') ? value.slice(4) : value, 'snapshot', flag)
  return value
}

/** `HOST:PORT` as given to --via and in endpoint maps; IPv6 hosts go in brackets: `[::1]:5432`. */
export function parseHostPort(value: string, flag: string): {host: string; port: number} {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim())
  const port = match ? Number(match[3]) : Number.NaN
  if (!match || port < 1 || port > 65_535) {
    throw badInput(`${flag} "${value}" is not HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:15432).`)
  }

  return {host: (match[1] ?? match[2])!, port}
}

const regionPattern = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/

/** AWS region names such as us-east-1 or eu-central-2. */
export function validateRegion(value: string, flag: string): string {
  if (!regionPattern.test(value)) {
    throw badInput(`${flag} "${value}" is not an AWS region name (e.g. us-east-1, eu-central-1).`)
  }

  return value
}

/** An http(s) URL for --endpoint-url. */
export function validateEndpointUrl(value: string, flag: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw badInput(`${flag} "${value}" is not a URL (e.g. http://127.0.0.1:5000).`)
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(`${flag} "${value}" must be an http:// or https:// URL.`)
  }

  return value
}

/**
 * An IPv4 address or CIDR (`10.0.1.7`, `10.0.0.0/16`), returned as a CIDR (`/32` for an address):
 * four octets from 0 to 255 without leading zeros, a prefix from 0 to 32.
 */
export function parseIpv4Cidr(value: string, flag: string): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value.trim())
  const octets = match ? match.slice(1, 5) : []
  const prefix = match?.[5]
  const octetOk = (octet: string) => Number(octet) <= 255 && (octet === '0' || !octet.startsWith('0'))
  if (
    !match ||
    !octets.every((octet) => octetOk(octet)) ||
    (prefix !== undefined && (Number(prefix) > 32 || (prefix.length > 1 && prefix.startsWith('0'))))
  ) {
    throw badInput(
      `${flag} "${value}" is not an IPv4 address or CIDR: four numbers from 0 to 255 and an optional prefix from /0 to /32 (e.g. 10.0.1.0/24 or 10.0.1.7).`,
    )
  }

  return `${octets.join('.')}/${prefix ?? '32'}`
}
