import {constants, rmSync} from 'node:fs'
import {access, open, rename, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {badInput} from './errors.js'

/**
 * Refuses (exit 2) a file a command will write only at the end (a manifest, a drill report), before any
 * AWS call: its folder must exist and be writable, and the path must not be a folder (nor, when it
 * exists, a file we cannot write). Finding that out after a snapshot or a restore is too late.
 */
export async function checkOutputFile(file: string, flag: string): Promise<string> {
  if (!file.trim()) throw badInput(`${flag} is empty: give the path of a file to write.`)
  const resolved = path.resolve(file)
  const folder = path.dirname(resolved)
  const existing = await stat(resolved).catch(() => null)
  if (existing?.isDirectory())
    throw badInput(`${flag} ${file} is a folder: give the path of a file to write in it (e.g. ${path.join(file, 'out.json')}).`)
  const folderStat = await stat(folder).catch((error: NodeJS.ErrnoException) => error)
  if (folderStat instanceof Error) {
    throw badInput(
      `${flag} ${file}: the folder ${folder} ${folderStat.code === 'ENOENT' ? 'does not exist' : `cannot be read (${folderStat.code})`}; nothing was done.`,
      `Create it first (mkdir -p ${folder}), or write somewhere else.`,
    )
  }

  if (!folderStat.isDirectory()) throw badInput(`${flag} ${file}: ${folder} is not a folder; nothing was done.`)
  try {
    await access(existing ? resolved : folder, constants.W_OK)
  } catch {
    throw badInput(
      `${flag} ${file}: ${existing ? 'the file' : `the folder ${folder}`} is not writable; nothing was done.`,
      'Write somewhere you can write to, or fix the permissions.',
    )
  }

  return file
}

/** checkOutputFile for each flag that was given. */
export async function checkOutputFiles(files: Record<string, string | undefined>): Promise<void> {
  for (const [flag, file] of Object.entries(files)) {
    // eslint-disable-next-line no-await-in-loop
    if (file !== undefined) await checkOutputFile(file, flag)
  }
}

/**
 * Writes a file whole or not at all: into a temporary file beside it, then renamed over it, so a reader (or
 * the next run's --compare) never sees half a file, and an interrupted write leaves the old one in place.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const resolved = path.resolve(file)
  const temporary = path.join(path.dirname(resolved), `.${path.basename(resolved)}.${process.pid}.${Date.now()}.tmp`)
  try {
    await writeFile(temporary, text, {flag: 'wx'})
    await rename(temporary, resolved)
  } catch (error) {
    await rm(temporary, {force: true})
    throw error
  }
}

/**
 * checkOutputFile, and an existing file refused unless `force` (exit 2): a download must not replace what is
 * there by surprise.
 */
export async function checkNewOutputFile(file: string, flag: string, force: boolean): Promise<string> {
  await checkOutputFile(file, flag)
  if (!force && (await stat(path.resolve(file)).catch(() => null))) {
    throw badInput(`${flag} ${file} exists; nothing was done.`, 'Pass --force to replace it, or write somewhere else.')
  }

  return file
}

/**
 * A file written piece by piece, whole or not at all: `work` writes into a private (0600) temporary file beside it,
 * renamed over `file` only when work succeeds; on a failure, Ctrl-C or the process exiting, the temporary file is
 * removed and `file` (if it existed) is left as it was.
 */
export async function writeFileWholeOrNothing<T>(file: string, work: (write: (text: string) => Promise<void>) => Promise<T>): Promise<T> {
  const resolved = path.resolve(file)
  const temporary = path.join(path.dirname(resolved), `.${path.basename(resolved)}.${process.pid}.${Date.now()}.part`)
  const handle = await open(temporary, 'wx', 0o600)
  // A second Ctrl-C exits at once (process.exit): 'exit' hooks still run, synchronously.
  const removeOnExit = () => rmSync(temporary, {force: true})
  process.once('exit', removeOnExit)
  try {
    const result = await work(async (text) => {
      await handle.write(text, null, 'utf8')
    })
    await handle.close()
    await rename(temporary, resolved)
    return result
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(temporary, {force: true})
    throw error
  } finally {
    process.removeListener('exit', removeOnExit)
  }
}
