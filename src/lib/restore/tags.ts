import type {Tag} from '@aws-sdk/client-rds'

import {badInput} from '../cli/errors.js'

/** The tag every resource auroractl creates carries, so `snapshot prune` and `drill cleanup` can find them. */
export const createdByTag = {Key: 'created-by', Value: 'auroractl'} as const

/** Parses repeated `--tag KEY=VALUE` flags with AWS's tag rules. */
export function parseTags(values: string[] | undefined, flag = '--tag'): Tag[] {
  return (values ?? []).map((value) => {
    const separator = value.indexOf('=')
    const key = separator === -1 ? '' : value.slice(0, separator).trim()
    const tagValue = separator === -1 ? '' : value.slice(separator + 1)
    if (!key) throw badInput(`${flag} "${value}" is not KEY=VALUE (e.g. ${flag} commit=3f2a9c1).`)
    if (key.length > 128) throw badInput(`${flag} key "${key.slice(0, 20)}…" is longer than 128 characters.`)
    if (tagValue.length > 256) throw badInput(`${flag} value for "${key}" is longer than 256 characters.`)
    if (key.toLowerCase().startsWith('aws:')) throw badInput(`${flag} key "${key}" uses the reserved aws: prefix.`)
    return {Key: key, Value: tagValue}
  })
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value
}

export function hasTags(tags: Tag[] | undefined, wanted: Tag[]): boolean {
  return wanted.every((want) => tagValue(tags, want.Key!) === want.Value)
}

/**
 * Tags that say who owns or provisioned a resource, not what it holds. A restored cluster is not managed by
 * the source's Terraform stack (a `terraform plan` finding it would try to adopt or destroy it), so these
 * are never copied onto it. The rule, on the key lower-cased: a prefix of aws:, auroractl:, terraform,
 * tf:/tf-/tf_, cloudformation, pulumi, cdk or crossplane; or, with separators removed, one of managedby,
 * createdby, provisionedby, deployedby, restoredfrom. Everything else (Project, Environment, Owner,
 * CostCenter ...) describes the data and is copied.
 */
export function isOwnershipTag(key: string): boolean {
  const lower = key.toLowerCase()
  if (/^(aws:|auroractl:|terraform|tf[:_-]|cloudformation|pulumi|cdk[:_-]|crossplane)/.test(lower)) return true
  return ['createdby', 'deployedby', 'managedby', 'provisionedby', 'restoredfrom'].includes(lower.replaceAll(/[^a-z0-9]/g, ''))
}

/** The tags a restored cluster takes from its source: everything but ownership tags (see isOwnershipTag). */
export function inheritableTags(tags: Tag[] | undefined): Tag[] {
  return (tags ?? []).filter((tag) => tag.Key && !isOwnershipTag(tag.Key))
}

/** Where a restored cluster came from: created-by=auroractl, restored-from, and the source cluster and snapshot (or time). */
export function provenanceTags(from: {cluster?: string; snapshot?: string; time?: string}): Tag[] {
  const restoredFrom = from.snapshot ?? `${from.cluster ?? '?'} (point in time)`
  return [
    createdByTag,
    {Key: 'restored-from', Value: restoredFrom.slice(0, 256)},
    ...(from.cluster ? [{Key: 'auroractl:source-cluster', Value: from.cluster}] : []),
    ...(from.snapshot ? [{Key: 'auroractl:source-snapshot', Value: from.snapshot.slice(0, 256)}] : []),
    ...(from.time ? [{Key: 'auroractl:source-time', Value: from.time}] : []),
  ]
}
