import Table from 'cli-table3'

import type {KillResult, RefusedSession} from '../../oncall/kill.js'
import type {LockForest, LockNode, LockRoot, LockWait} from '../../oncall/locks.js'
import type {Relief} from '../../oncall/relief.js'
import type {Session} from '../../oncall/sessions.js'
import type {Palette} from './colour.js'

import {formatDuration} from '../duration.js'
import {oneLine} from '../terminal.js'
import {cut, fold} from './text.js'

const borderless = {
  bottom: '',
  'bottom-left': '',
  'bottom-mid': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  middle: '  ',
  right: '',
  'right-mid': '',
  top: '',
  'top-left': '',
  'top-mid': '',
  'top-right': '',
}

/** A query for reading on its own lines: no blank lines before or after it. */
const queryLines = (query: string) =>
  query
    .replace(/^(\s*\n)+/, '')
    .trimEnd()
    .split('\n')

/** "4243,4244", or when that is wider than `width`, "4243 +2": the first pid and how many more. */
function pidList(pids: number[], width: number): string {
  const all = pids.join(',')
  return all.length <= width || pids.length === 0 ? all : `${pids[0]} +${pids.length - 1}`
}

const elapsed = (ms: null | number) => (ms === null ? '' : formatDuration(ms))

const shortStates: Record<string, string> = {
  'fastpath function call': 'fastpath',
  'idle in transaction': 'idle in tx',
  'idle in transaction (aborted)': 'aborted tx',
}

function stateOf(session: Session): string {
  if (session.state === null) return ''
  return shortStates[session.state] ?? session.state
}

/** The application name, or for a background process its kind in brackets. */
function appOf(session: Session): string {
  if (session.application) return session.application
  return session.backendType && session.backendType !== 'client backend' ? `[${session.backendType}]` : ''
}

interface Column {
  cap: number
  head: string
  value: (session: Session) => string
}

const columns: Column[] = [
  {cap: 8, head: 'PID', value: (session) => String(session.pid)},
  {cap: 16, head: 'USER', value: (session) => session.user ?? ''},
  {cap: 20, head: 'APP', value: appOf},
  {cap: 21, head: 'CLIENT', value: (session) => session.client ?? ''},
  {cap: 11, head: 'STATE', value: stateOf},
  {cap: 22, head: 'WAIT', value: (session) => [session.waitEventType, session.waitEvent].filter(Boolean).join(':')},
  {cap: 10, head: 'RUNNING', value: (session) => elapsed(session.queryMs)},
  {cap: 10, head: 'IN XACT', value: (session) => elapsed(session.transactionMs)},
  {cap: 14, head: 'BLOCKED BY', value: (session) => pidList(session.blockedBy, 14)},
  {cap: 14, head: 'BLOCKS', value: (session) => pidList(session.blocking, 14)},
]

/** Given up in this order when the terminal is too narrow for the query to keep `minimumQuery` characters. */
const droppedFirst = ['CLIENT', 'WAIT', 'USER', 'APP', 'IN XACT']
const minimumQuery = 20

/**
 * Sessions as a borderless table fitted to `width`: the fixed columns as wide as their content (capped), the
 * query in what is left on one line, cut with "…". With `full`, the query column gives way to the whole
 * queries under the table. On a narrow terminal, columns are given up (CLIENT first) to keep the query readable.
 */
export function renderSessionTable(sessions: Session[], options: {full?: boolean; width: number}): string {
  let shown = columns
  const widthOf = (column: Column) => Math.min(column.cap, Math.max(column.head.length, ...sessions.map((s) => column.value(s).length)))
  const fixedWidth = (list: Column[]) => list.reduce((sum, column) => sum + widthOf(column) + 2, 0)
  // With --full the queries go under the table, which then only has to fit; else the query keeps minimumQuery.
  const room = options.full ? 0 : minimumQuery
  for (const head of droppedFirst) {
    if (options.width - fixedWidth(shown) + (options.full ? 2 : 0) >= room) break
    shown = shown.filter((column) => column.head !== head)
  }

  const queryWidth = Math.max(8, options.width - fixedWidth(shown))
  const table = new Table({
    chars: borderless,
    colWidths: [...shown.map((column) => widthOf(column)), ...(options.full ? [] : [queryWidth])],
    head: [...shown.map((column) => column.head), ...(options.full ? [] : ['QUERY'])],
    style: {border: [], head: [], 'padding-left': 0, 'padding-right': 0},
    wordWrap: false,
  })
  for (const session of sessions) {
    table.push([...shown.map((column) => column.value(session)), ...(options.full ? [] : [oneLine(session.query)])])
  }

  const lines = table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
  if (options.full) {
    lines.push('')
    for (const session of sessions.filter((item) => item.query)) {
      lines.push(`pid ${session.pid}:`, ...queryLines(session.query!).map((line) => `  ${line}`))
    }
  }

  return lines.join('\n')
}

function describeLock(wait: LockWait): string {
  const relation = wait.relation ? ` of ${wait.relation}` : ''
  if (wait.locktype === 'relation') return `${wait.mode} on ${wait.relation ?? 'a relation'}`
  if (wait.locktype === 'transactionid') return `a row${relation} (${wait.mode} on transaction ${wait.transactionId})`
  if (wait.locktype === 'tuple') return `a row${relation} (${wait.mode})`
  return `${wait.mode} (${wait.locktype} lock)${relation ? ` on ${wait.relation}` : ''}`
}

function describeBlocker(wait: LockWait, blocker: number): string {
  if (wait.blockerModes.length === 0) return `pid ${blocker} holds a conflicting lock`
  if (wait.blockerModes.every((mode) => mode.startsWith('waiting for')))
    return `queued behind pid ${blocker}, ${wait.blockerModes.join(', ')}`
  return `pid ${blocker} holds ${wait.blockerModes.filter((mode) => !mode.startsWith('waiting for')).join(', ')}`
}

/** "nbatracker · psql · idle in transaction for 2m5s (transaction 2m6s)". */
function who(session: Session): string {
  const state =
    session.state === 'active'
      ? `active${session.queryMs === null ? '' : ` for ${elapsed(session.queryMs)}`}`
      : `${session.state ?? 'no state'}${session.stateMs === null ? '' : ` for ${elapsed(session.stateMs)}`}`
  // An autocommit statement's transaction is the statement: say it only when it says more.
  const sameAsQuery = session.state === 'active' && elapsed(session.transactionMs) === elapsed(session.queryMs)
  const transaction = session.transactionMs === null || sameAsQuery ? '' : ` (transaction ${elapsed(session.transactionMs)})`
  return [session.user ?? '?', appOf(session) || '-', `${state}${transaction}`].join(' · ')
}

interface Place {
  last: boolean
  parentPid: number
  prefix: string
  width: number
}

function renderNode(node: LockNode, place: Place): string[] {
  const {last, parentPid, prefix, width} = place
  const wait = node.waitsFor
  const waiting = wait
    ? `waits${wait.waitingMs === null ? '' : ` ${elapsed(wait.waitingMs)}`} for ${describeLock(wait)}; ${describeBlocker(wait, parentPid)}`
    : 'waits for a lock'
  const branch = last ? '└─ ' : '├─ '
  const below = `${prefix}${last ? '   ' : '│  '}`
  if (node.repeated) return [cut(`${prefix}${branch}pid ${node.pid} (also waits for another blocker, shown above) ${waiting}`, width)]
  const under = `${below}${node.waiters.length > 0 ? '│ ' : '  '}`
  const lines = [
    cut(`${prefix}${branch}pid ${node.pid} · ${who(node.session)}`, width),
    ...fold(under, waiting, width),
    cut(`${under}${oneLine(node.session.query)}`, width),
  ]
  for (const [index, waiter] of node.waiters.entries())
    lines.push(...renderNode(waiter, {last: index === node.waiters.length - 1, parentPid: node.pid, prefix: below, width}))
  return lines
}

function renderRoot(root: LockRoot, options: {first: boolean; width: number}): string[] {
  const chain = `blocks ${root.blockedCount} session${root.blockedCount === 1 ? '' : 's'}${root.depth > 1 ? ` (a chain ${root.depth} deep)` : ''}`
  const mark = options.first ? ' ← kill --root-blocker ends this' : ''
  const lines = [
    cut(`pid ${root.pid} · ${who(root.session)}`, options.width),
    ...fold('│ ', `${root.cycle ? 'in a wait cycle (a deadlock), ' : ''}${chain}${mark}`, options.width),
    cut(`│ ${oneLine(root.session.query)}`, options.width),
  ]
  for (const [index, waiter] of root.waiters.entries())
    lines.push(...renderNode(waiter, {last: index === root.waiters.length - 1, parentPid: root.pid, prefix: '', width: options.width}))
  return lines
}

/** Each root blocker with the sessions waiting on it, indented; the one `kill --root-blocker` would end first. */
export function renderLockForest(forest: LockForest, options: {width: number}): string {
  if (forest.roots.length === 0) return 'No session is waiting for a lock.'
  const header = `${forest.blockedSessions} session${forest.blockedSessions === 1 ? '' : 's'} waiting for locks, behind ${forest.roots.length} root blocker${forest.roots.length === 1 ? '' : 's'}:`
  return [header, '', ...forest.roots.flatMap((root, index) => [...renderRoot(root, {first: index === 0, width: options.width}), ''])]
    .join('\n')
    .trimEnd()
}

const outcomeText: Record<KillResult['outcome'], string> = {
  'already-gone': 'already gone',
  cancelled: 'query cancelled',
  'no-longer-matches': 'left alone: it no longer matches (it changed since it was listed)',
  'not-permitted': 'not permitted',
  'still-running': 'still running',
  terminated: 'session ended',
}

/** One line per pid: what happened to it. */
export function renderKillResults(results: KillResult[], colour: Palette): string {
  return results
    .map((result) => {
      const text = `${outcomeText[result.outcome]}${result.detail ? `: ${result.detail}` : ''}`
      const painted = result.outcome === 'not-permitted' || result.outcome === 'still-running' ? colour.red(text) : text
      return `pid ${String(result.pid).padEnd(7)} ${painted}`
    })
    .join('\n')
}

/** Sessions a command will not end, with why. */
export function renderRefusals(refused: RefusedSession[]): string {
  return refused.map((item) => `  ${item.text}`).join('\n')
}

/** "No longer waiting 1s later: 3 of the 3 sessions that waited.", and who still does. */
export function renderRelief(relief: Relief): string {
  const line = `No longer waiting ${formatDuration(relief.afterMs)} later: ${relief.released} of the ${relief.waited} session${relief.waited === 1 ? '' : 's'} that waited`
  if (relief.stillWaiting.length === 0) return `${line}.`
  return `${line}; still waiting: pid ${relief.stillWaiting.join(', ')} (see \`auroractl locks\`).`
}
