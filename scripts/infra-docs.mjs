// Writes the input and output tables of infra/modules/rds/README.md from variables.tf and outputs.tf,
// so the README cannot drift from the code. `--check` compares instead of writing (the infra tests run it).
import {parse} from '@cdktf/hcl2json'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const moduleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../infra/modules/rds')
const readmePath = path.join(moduleDir, 'README.md')
const begin = '<!-- BEGIN GENERATED TABLES (npm run docs:infra) -->'
const end = '<!-- END GENERATED TABLES -->'

/** `${number}` -> number; `${list(string)}` -> list(string) */
const unwrap = (expression) => String(expression).replace(/^\$\{([\s\S]*)\}$/, '$1')

function formatDefault(value) {
  if (value === null) return '`null`'
  return `\`${JSON.stringify(value).replaceAll(',', ', ')}\``
}

const cell = (text) =>
  String(text)
    .replaceAll('|', String.raw`\|`)
    .replaceAll('\n', ' ')

export async function renderTables() {
  const variables = (await parse('variables.tf', await readFile(path.join(moduleDir, 'variables.tf'), 'utf8'))).variable
  const outputs = (await parse('outputs.tf', await readFile(path.join(moduleDir, 'outputs.tf'), 'utf8'))).output
  const required = []
  const optional = []
  for (const [name, [variable]] of Object.entries(variables)) {
    const row = {description: variable.description, name, sensitive: variable.sensitive === true, type: unwrap(variable.type)}
    if ('default' in variable) optional.push({...row, default: variable.default})
    else required.push(row)
  }

  const lines = ['### Required inputs', '', '| Name | Description | Type | Sensitive |', '|------|-------------|------|-----------|']
  for (const row of required)
    lines.push(`| \`${row.name}\` | ${cell(row.description)} | \`${row.type}\` | ${row.sensitive ? 'yes' : 'no'} |`)
  lines.push('', '### Optional inputs', '', '| Name | Description | Type | Default |', '|------|-------------|------|---------|')
  for (const row of optional) lines.push(`| \`${row.name}\` | ${cell(row.description)} | \`${row.type}\` | ${formatDefault(row.default)} |`)
  lines.push('', '### Outputs', '', '| Name | Description | Sensitive |', '|------|-------------|-----------|')
  for (const [name, [output]] of Object.entries(outputs))
    lines.push(`| \`${name}\` | ${cell(output.description ?? '')} | ${output.sensitive ? 'yes' : 'no'} |`)
  return lines.join('\n')
}

export function spliceTables(readme, tables) {
  const start = readme.indexOf(begin)
  const stop = readme.indexOf(end)
  if (start === -1 || stop === -1) throw new Error(`${readmePath} lacks the markers ${begin} ... ${end}`)
  return `${readme.slice(0, start + begin.length)}\n${tables}\n${readme.slice(stop)}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = await readFile(readmePath, 'utf8')
  const updated = spliceTables(readme, await renderTables())
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      console.error(`${path.relative(process.cwd(), readmePath)} is out of date: run \`npm run docs:infra\`.`)
      process.exitCode = 1
    }
  } else {
    await writeFile(readmePath, updated)
  }
}
