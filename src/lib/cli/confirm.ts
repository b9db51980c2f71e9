import {AuroraError, badInput} from './errors.js'

export interface TypedConfirmation {
  /** What will happen, for the prompt and the refusal: "delete snapshot nba-tracker-dev-20261128". */
  action: string
  /** The value given with --confirm, if any. */
  confirmFlag?: string
  /** The name the user must type: the snapshot or cluster id. */
  expected: string
  /** False under --json or without a terminal: then --confirm is the only way. */
  interactive: boolean
}

/**
 * The one confirmation rule for every destructive action (snapshot delete and prune, migrate --drop-existing,
 * scale lowering --max, drill cleanup), as Heroku does it: `--confirm NAME` must match exactly; otherwise a
 * person at a terminal is asked to type NAME; a run without a terminal (CI, a pipe, --json) without it is
 * refused with exit 2, naming the exact flag to pass. Nothing is changed before this returns.
 */
export async function confirmByTypedName(options: TypedConfirmation): Promise<void> {
  const {action, confirmFlag, expected, interactive} = options
  if (confirmFlag !== undefined) {
    if (confirmFlag === expected) return
    throw badInput(
      `--confirm "${confirmFlag}" does not match "${expected}"; nothing was changed.`,
      `To ${action}, pass --confirm ${expected}.`,
    )
  }

  if (!interactive) {
    throw badInput(
      `Refusing to ${action} without confirmation in a non-interactive run; nothing was changed.`,
      `Pass --confirm ${expected} to go ahead.`,
    )
  }

  const {input} = await import('@inquirer/prompts')
  const typed = await input({message: `This will ${action}. Type ${expected} to confirm:`}, {output: process.stderr})
  if (typed.trim() !== expected) {
    throw new AuroraError('BAD_INPUT', `Typed "${typed.trim()}", not "${expected}"; nothing was changed.`)
  }
}
