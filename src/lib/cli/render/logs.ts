import Table from 'cli-table3'

import type {LogFile} from '../../logs/files.js'

import {formatAge, formatBytes} from './text.js'

/** The files as a table, oldest first as listed; the last (the one being written) marked. */
export function renderLogFiles(files: LogFile[], context: {instanceId: string; now: Date}): string {
  const table = new Table({head: ['File', 'Size', 'Last written (UTC)', ''], style: {border: [], head: []}})
  for (const [index, file] of files.entries()) {
    const hours = (context.now.getTime() - Date.parse(file.lastWritten)) / 3_600_000
    table.push([
      file.name,
      {content: formatBytes(file.size), hAlign: 'right'},
      `${file.lastWritten.slice(0, 19).replace('T', ' ')}  ${formatAge(hours)}`,
      index === files.length - 1 ? 'newest' : '',
    ])
  }

  const total = files.reduce((sum, file) => sum + file.size, 0)
  return `${table.toString()}\n${files.length} file${files.length === 1 ? '' : 's'} on ${context.instanceId}, ${formatBytes(total)} in all.`
}
