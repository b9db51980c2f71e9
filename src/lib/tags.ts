import type {Tag} from '@aws-sdk/client-rds'

import {badInput} from './errors.js'

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
