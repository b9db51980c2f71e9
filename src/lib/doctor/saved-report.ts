import {readFile} from 'node:fs/promises'
import {z} from 'zod'

import type {ComparableReport} from './compare.js'
import type {DoctorReport} from './run.js'

import {AuroraError, badInput} from '../cli/errors.js'
import {writeFileAtomically} from '../cli/output-path.js'

/**
 * `doctor --save` and `--compare`: the report as --json prints it, with who made it and when; read back,
 * it must look like one before any check runs. Older reports without the metadata (a plain `doctor --json`
 * output) still compare.
 */
export interface SavedDoctorReport extends DoctorReport {
  auroractlVersion: string
  /** When the checks ran (ISO 8601, UTC). */
  checkedAt: string
  clusterId: string
}

const savedReportSchema = z.object({
  auroractlVersion: z.string().optional(),
  checkedAt: z.string().optional(),
  checks: z.array(
    z.object({
      detail: z.string(),
      id: z.string().min(1),
      status: z.enum(['fail', 'ok', 'skip', 'warn']),
      value: z.number().optional(),
    }),
  ),
  clusterId: z.string().optional(),
  summary: z.object({fail: z.number(), ok: z.number(), skip: z.number(), warn: z.number()}),
})

/** Reads the report --compare names, refusing (exit 2, naming the flag) one that is missing, not JSON, or not a doctor report. */
export async function readSavedReport(file: string, flag = '--compare'): Promise<ComparableReport> {
  const howToSave = `Save one with \`auroractl doctor --save ${file}\` (or \`auroractl doctor --json > ${file}\`).`
  if (!file.trim()) throw badInput(`${flag} is empty: give the path of a report saved with --save.`)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    throw badInput(
      `${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`}; nothing was checked.`,
      howToSave,
    )
  }

  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw badInput(`${flag} ${file} is not JSON, so not a saved doctor report; nothing was checked.`, howToSave)
  }

  const parsed = savedReportSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.join('.') || '(top level)'
    throw badInput(`${flag} ${file} is not a doctor report (${where}: ${issue.message}); nothing was checked.`, howToSave)
  }

  return parsed.data
}

/** Writes the report for a later --compare, whole or not at all. */
export async function writeSavedReport(file: string, report: SavedDoctorReport): Promise<void> {
  try {
    await writeFileAtomically(file, `${JSON.stringify(report, null, 2)}\n`)
  } catch (error) {
    throw new AuroraError(
      'UNEXPECTED',
      `--save ${file} could not be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      {
        hint: 'The checks ran (see above); write the report somewhere else with --save.',
      },
    )
  }
}
