// Preloaded with `node --import` by the startup tests: at exit, writes the CommonJS modules the
// process loaded (the AWS SDK packages are CommonJS) to the file named by REPORT_MODULES_FILE.
import {writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
process.on('exit', () => {
  writeFileSync(process.env.REPORT_MODULES_FILE, Object.keys(require.cache).join('\n'))
})
