import os from 'node:os'
import path from 'node:path'

/** Where auroractl keeps files it can rebuild: AURORACTL_CACHE_DIR, else $XDG_CACHE_HOME/auroractl, else ~/.cache/auroractl. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AURORACTL_CACHE_DIR) return path.resolve(env.AURORACTL_CACHE_DIR)
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'auroractl')
}
