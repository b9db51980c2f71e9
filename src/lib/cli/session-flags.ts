import * as Flags from '@oclif/core/flags'

import type {SessionFilter, SessionStateName} from '../oncall/sessions.js'

import {parseDuration} from './duration.js'
import {endpointFlags, tlsFlags, viaFlag} from './flags.js'

/** The states --state takes, as typed (the server's "idle in transaction" is idle-in-transaction). Kept equal to sessions.ts's. */
export const stateNames: SessionStateName[] = [
  'active',
  'idle',
  'idle-in-transaction',
  'idle-in-transaction-aborted',
  'fastpath-function-call',
  'disabled',
]

/** Where the session commands connect: the writer, the reader endpoint, or one instance; through --via or the endpoint map. */
export const sessionConnectionFlags = {
  ...tlsFlags,
  ...endpointFlags,
  database: Flags.string({
    description:
      "Only sessions connected to this database; auroractl connects to it, so locks name its tables (default: every database's sessions, connecting to the secret's)",
  }),
  via: viaFlag,
}

/** Filters shared by ps and killall. */
export const sessionFilterFlags = {
  app: Flags.string({
    description: 'Only sessions of this application_name (repeatable; * matches any characters: "sidekiq*")',
    multiple: true,
  }),
  state: Flags.string({
    delimiter: ',',
    description: 'Only sessions in these states (comma-separated or repeated)',
    multiple: true,
    options: stateNames,
  }),
  user: Flags.string({description: 'Only sessions of this database user (repeatable)', multiple: true}),
}

/** The filter the flags describe; durations are checked here, before anything connects (exit 2 naming the flag). */
export function sessionFilterFrom(flags: {
  app?: string[]
  database?: string
  'idle-in-transaction'?: string
  'min-duration'?: string
  'older-than'?: string
  state?: string[]
  user?: string[]
}): SessionFilter {
  const duration = (flag: 'idle-in-transaction' | 'min-duration' | 'older-than') =>
    flags[flag] === undefined ? undefined : parseDuration(flags[flag]!, `--${flag}`, {maxMs: 365 * 86_400_000, minMs: 1000})
  const minDurations = [duration('min-duration'), duration('older-than')].filter((ms): ms is number => ms !== undefined)
  return {
    apps: flags.app,
    database: flags.database,
    idleInTransactionMs: duration('idle-in-transaction'),
    minDurationMs: minDurations.length > 0 ? Math.max(...minDurations) : undefined,
    states: flags.state as SessionStateName[] | undefined,
    users: flags.user,
  }
}

/** The endpoint a session command read, for its first line: "writer", "reader endpoint", "instance nba-tracker-dev-reader-1". */
export function describeEndpoint(endpoint: {instanceId?: string; kind: 'instance' | 'reader' | 'writer'}): string {
  if (endpoint.kind === 'instance') return `instance ${endpoint.instanceId}`
  return endpoint.kind === 'reader' ? 'the reader endpoint' : 'the writer'
}
