import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import Module from 'node:module'
import path from 'node:path'
import vm from 'node:vm'

import {cacheDir} from './cache-dir.js'

/**
 * V8's compiled code for the CommonJS modules a run loads (oclif, the AWS SDK and their dependencies), kept between
 * runs. Compiling them is a large share of a short command's start: about 80 ms of `status`'s 510 ms on the 2-core
 * machine (bench/startup.mjs). Node 22 does this itself (`module.enableCompileCache`), and is asked to where it can;
 * Node 20 cannot, and the v8-compile-cache package breaks any module that calls `import()` (oclif loads every command
 * that way). So on Node 20 `Module.prototype._compile` compiles through `vm.Script` with the cached data, as Node's
 * own loader would without it, and leaves to Node every module whose source holds `import(`: on Node 20 a script
 * built from cached data loses its dynamic-import callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
 *
 * A cache must never break a run: anything unexpected (an unreadable or corrupt store, a read-only directory, data
 * V8 rejects) means compiling as if there were no cache. Cached code is used only for the very source it was made
 * from (SHA-1 of the text), and V8 refuses data from another V8 version or flag set. AURORACTL_DISABLE_COMPILE_CACHE=1
 * turns it all off.
 */

/** Cached code for one module file, and the digest of the source it was compiled from. */
export interface CachedCode {
  data: Buffer
  sourceDigest: string
}

/** The store on disk: entries by file name. Stale ones are replaced when their file is next loaded. */
export type CodeStore = Map<string, CachedCode>

const MAGIC = 'auroractl-code-cache-1\n'
/** Past this the store keeps only what the current run loaded, so modules of packages long gone do not pile up. */
const MAX_STORE_BYTES = 64 * 1024 * 1024

type CompileFunction = (this: Module, content: string, filename: string, format?: string) => unknown
interface ModuleInternals {
  _cache: NodeJS.Require['cache']
  _extensions: NodeJS.RequireExtensions
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: {paths?: string[]}): string
  _resolveLookupPaths(request: string, parent: Module): null | string[]
  prototype: {_compile: CompileFunction}
}

/** Turns the cache on for this process, unless the user turned it off or it is already on. Never throws. */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (env.AURORACTL_DISABLE_COMPILE_CACHE === '1' || env.AURORACTL_DISABLE_COMPILE_CACHE === 'true') return
  try {
    const directory = path.join(cacheDir(env), 'compile-cache')
    const nodeOwn = (Module as unknown as {enableCompileCache?: (directory: string) => unknown}).enableCompileCache
    if (nodeOwn) {
      nodeOwn(directory)
      return
    }

    installCompileHook(path.join(directory, `node-${process.version}-${process.arch}.bin`))
  } catch {
    // No cache: every module compiles as usual.
  }
}

let installed = false

function installCompileHook(storeFile: string): void {
  if (installed) return
  installed = true
  const store = readStore(storeFile)
  const fresh = new Map<string, {script: vm.Script; sourceDigest: string}>()
  const used = new Set<string>()
  const internals = Module as unknown as ModuleInternals
  const compileAsNode = internals.prototype._compile

  internals.prototype._compile = function (this: Module, content: string, filename: string, format?: string) {
    if ((format !== undefined && format !== 'commonjs') || content.includes('import(')) {
      return compileAsNode.call(this, content, filename, format)
    }

    const sourceDigest = createHash('sha1').update(content).digest('hex')
    const cached = store.get(filename)
    const cachedData = cached?.sourceDigest === sourceDigest ? cached.data : undefined
    let script: vm.Script
    try {
      script = new vm.Script(Module.wrap(content), {cachedData, filename})
    } catch {
      // Whatever this is (ESM syntax Node would detect, a real syntax error), Node's own loader handles it.
      return compileAsNode.call(this, content, filename, format)
    }

    used.add(filename)
    if (cachedData === undefined || script.cachedDataRejected) fresh.set(filename, {script, sourceDigest})
    const moduleWrapper = script.runInThisContext({displayErrors: true}) as (...args: unknown[]) => unknown
    return moduleWrapper.call(this.exports, this.exports, requireFunctionFor(this, internals), this, filename, path.dirname(filename))
  }

  // At exit, not at compile time: by then V8 has compiled the functions the run called, and they are cached too.
  // Added to the store as it is now on disk, so what runs alongside this one wrote meanwhile is kept.
  process.once('exit', () => {
    if (fresh.size === 0) return
    try {
      const latest = readStore(storeFile)
      for (const [filename, {script, sourceDigest}] of fresh) latest.set(filename, {data: script.createCachedData(), sourceDigest})
      writeStore(storeFile, latest, used)
    } catch {
      // The next run compiles again.
    }
  })
}

/** The `require` Node hands a module: resolving from it, with the shared cache and extensions. */
function requireFunctionFor(module: Module, internals: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require
  const resolve = ((request: string, options?: {paths?: string[]}) =>
    internals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve
  resolve.paths = (request: string) => internals._resolveLookupPaths(request, module)
  require.resolve = resolve
  require.main = process.mainModule
  require.extensions = internals._extensions
  require.cache = internals._cache
  return require
}

/** The store in `file`, or an empty one when it is missing, unreadable or not in this format. */
export function readStore(file: string): CodeStore {
  try {
    return parseStore(readFileSync(file))
  } catch {
    return new Map()
  }
}

/** Parses a store; throws on anything that is not one, whole. */
export function parseStore(buffer: Buffer): CodeStore {
  const store: CodeStore = new Map()
  if (buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a code cache store')
  let offset = MAGIC.length
  const take = (length: number): Buffer => {
    if (offset + length > buffer.length) throw new Error('truncated code cache store')
    const part = buffer.subarray(offset, offset + length)
    offset += length
    return part
  }

  const count = take(4).readUInt32LE()
  for (let i = 0; i < count; i++) {
    const filename = take(take(4).readUInt32LE()).toString('utf8')
    const sourceDigest = take(40).toString('latin1')
    const data = take(take(4).readUInt32LE())
    store.set(filename, {data, sourceDigest})
  }

  if (offset !== buffer.length) throw new Error('trailing bytes in code cache store')
  return store
}

/** The bytes of a store: the magic line, a count, then per entry its file name, source digest and data. */
export function serializeStore(store: CodeStore): Buffer {
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), uint32(store.size)]
  for (const [filename, {data, sourceDigest}] of store) {
    const name = Buffer.from(filename, 'utf8')
    parts.push(uint32(name.length), name, Buffer.from(sourceDigest, 'latin1'), uint32(data.length), data)
  }

  return Buffer.concat(parts)
}

/**
 * Writes the store through a temporary file renamed into place, so a run reading it meanwhile (or another run
 * writing it) sees one whole store or the other. Over `maxBytes` only the entries `used` this run are kept.
 */
export function writeStore(file: string, store: CodeStore, used: ReadonlySet<string>, maxBytes = MAX_STORE_BYTES): void {
  let bytes = serializeStore(store)
  if (bytes.length > maxBytes) bytes = serializeStore(new Map([...store].filter(([filename]) => used.has(filename))))
  mkdirSync(path.dirname(file), {mode: 0o700, recursive: true})
  const temporary = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, bytes, {mode: 0o600})
    renameSync(temporary, file)
  } finally {
    rmSync(temporary, {force: true})
  }
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32LE(value)
  return buffer
}
