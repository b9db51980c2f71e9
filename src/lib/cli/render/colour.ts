import ansis, {Ansis} from 'ansis'

export type Palette = Ansis

/**
 * Colour only when it helps a person: off for `--no-color`, `--json`, NO_COLOR, TERM=dumb and
 * output that is not a terminal (ansis itself checks NO_COLOR, FORCE_COLOR, TERM and the TTY).
 */
export function createPalette(options: {json: boolean; noColorFlag: boolean}): Palette {
  if (options.json || options.noColorFlag) return new Ansis(0)
  return ansis
}
