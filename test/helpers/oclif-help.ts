import {Config, Help, run} from '@oclif/core'
import {format} from 'node:util'
import {vi} from 'vitest'

/**
 * oclif's own help for `argv`, rendered in this process by its Help class at `maxWidth` columns: what the fast help
 * (src/lib/cli/help) must equal. A fresh Config each time, because oclif's help rewrites command ids in place.
 */
export async function oclifHelp(root: string, argv: string[], maxWidth: number): Promise<string> {
  const config = await Config.load(root)
  let output = ''
  class CapturedHelp extends Help {
    protected override log(...args: string[]): void {
      // What ux.stdout does with them before console.log.
      output += format(...args) + '\n'
    }
  }

  await new CapturedHelp(config, {maxWidth}).showHelp(argv)
  return output
}

/** What oclif's main.run prints on stdout for a whole command line (its routing included), at its default width. */
export async function oclifRun(root: string, argv: string[]): Promise<string> {
  let output = ''
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    output += format(...args) + '\n'
  })
  try {
    await run(argv, root)
  } finally {
    log.mockRestore()
  }

  return output
}
