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
 * Destructive actions are confirmed by typing the resource's name, as Heroku does: `--confirm NAME`
 * must match exactly; otherwise a prompt asks for it; a non-interactive run without it is refused.
 */
export async function confirmByTypedName(options: TypedConfirmation): Promise<void> {
  const {action, confirmFlag, expected, interactive} = options
  if (confirmFlag !== undefined) {
    if (confirmFlag === expected) return
    throw badInput(`--confirm "${confirmFlag}" does not match "${expected}"; nothing was changed.`, `To ${action}, pass --confirm ${expected}.`)
  }

  if (!interactive) {
    throw badInput(`Refusing to ${action} without confirmation in a non-interactive run; nothing was changed.`, `Pass --confirm ${expected} to go ahead.`)
  }

  const {input} = await import('@inquirer/prompts')
  const typed = await input({message: `This will ${action}. Type ${expected} to confirm:`}, {output: process.stderr})
  if (typed.trim() !== expected) {
    throw new AuroraError('BAD_INPUT', `Typed "${typed.trim()}", not "${expected}"; nothing was changed.`)
  }
}

/** A yes/no question for risky but non-destructive changes (lowering max capacity): --yes, a prompt, or a refusal. */
export async function confirmYes(options: {action: string; interactive: boolean; question: string; yes: boolean}): Promise<void> {
  if (options.yes) return
  if (!options.interactive) {
    throw badInput(`Refusing to ${options.action} without confirmation in a non-interactive run; nothing was changed.`, 'Pass --yes to go ahead.')
  }

  const {confirm} = await import('@inquirer/prompts')
  if (!(await confirm({default: false, message: options.question}, {output: process.stderr}))) {
    throw new AuroraError('BAD_INPUT', 'Not confirmed; nothing was changed.')
  }
}
