import { CID } from 'multiformats/cid'
import { throwIfAborted } from '../../errors/abort.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { readImport, type ImportConfig } from '../../repo/index.ts'
import type { HashName, ImporterOptions } from '../../dag/index.ts'
import { dagModule } from './dag-module.ts'
import type { Block, BlockSink } from '../../blockstore/index.ts'
import { defineCommand } from '../command.ts'
import { CID_BASE_OPTION, cidEncoder } from './cid-base.ts'

/** Kubo's `--inline-limit` default: blocks of at most 32 bytes are inlined with `--inline`. */
export const DEFAULT_INLINE_LIMIT = 32

/** One `add` event, Kubo's `AddEvent`: progress lines carry Bytes, results carry Hash and Size. */
export interface AddEvent {
  Name: string
  Hash?: string
  Size?: string
  Bytes?: number
}

/** The importer settings from the config's `Import` section, then the command's flags on top. */
export function importOptions (imports: ImportConfig, flags: Record<string, unknown>): Partial<ImporterOptions> {
  const flag = <T>(name: string): T | undefined => {
    const value = flags[name]
    return value == null ? undefined : value as T
  }
  const options: Partial<ImporterOptions> = {}
  const hash = flag<string>('hash') ?? imports.HashFunction
  let cidVersion = flag<number>('cid-version') ?? imports.CidVersion
  if (hash != null && hash !== 'sha2-256') {
    if (flags['cid-version'] === 0) {
      throw new InvalidArgumentError(`CIDv0 only supports sha2-256; use --cid-version=1 with --hash=${hash}`)
    }
    cidVersion = 1
  }
  if (cidVersion != null) {
    if (cidVersion !== 0 && cidVersion !== 1) throw new InvalidArgumentError(`--cid-version must be 0 or 1, not ${cidVersion}`)
    options.cidVersion = cidVersion
  }
  if (hash != null) options.hash = hash as HashName
  // Kubo: the flag, else the config's value when set; with neither, CIDv1 turns raw leaves on
  // (the importer applies that rule, which also lets mode/mtime use dag-pb leaves)
  const rawLeaves = flag<boolean>('raw-leaves') ?? imports.UnixFSRawLeaves
  if (rawLeaves != null) options.rawLeaves = rawLeaves
  const chunker = flag<string>('chunker') ?? imports.UnixFSChunker
  if (chunker != null) options.chunker = chunker
  const trickle = flags.trickle === true || (flags.trickle == null && imports.UnixFSDAGLayout === 'trickle')
  options.layout = trickle ? 'trickle' : 'balanced'
  const maxLinks = flag<number>('max-file-links') ?? imports.UnixFSFileMaxLinks
  if (maxLinks != null) options.maxLinks = maxLinks
  const maxDirectoryLinks = flag<number>('max-directory-links') ?? imports.UnixFSDirectoryMaxLinks
  if (maxDirectoryLinks != null) options.maxDirectoryLinks = maxDirectoryLinks
  const fanout = flag<number>('max-hamt-fanout') ?? imports.UnixFSHAMTDirectoryMaxFanout
  if (fanout != null) options.hamtFanout = fanout
  if (imports.UnixFSHAMTDirectorySizeThreshold != null) options.hamtThreshold = imports.UnixFSHAMTDirectorySizeThreshold
  if (imports.UnixFSHAMTDirectorySizeEstimation != null) options.hamtSizeEstimation = imports.UnixFSHAMTDirectorySizeEstimation
  if (imports.BatchMaxNodes != null) options.batchMaxBlocks = imports.BatchMaxNodes
  if (imports.BatchMaxSize != null) options.batchMaxBytes = imports.BatchMaxSize
  if (flags['wrap-with-directory'] === true) options.wrapWithDirectory = true
  if (flags.inline === true) options.inlineLimit = flag<number>('inline-limit') ?? DEFAULT_INLINE_LIMIT
  return options
}

/** How often `add` reports progress, in bytes. */
const PROGRESS_STEP = 256 * 1024

/** A sink that only counts: `--only-hash` computes CIDs without storing anything. */
const DISCARD: BlockSink = { async putMany (_blocks: Block[]) {} }

export const add = defineCommand<AddEvent>({
  path: 'add',
  description: 'Add files and directories; prints the CID of each',
  args: [{ name: 'path', variadic: true, description: 'files or directories to add (stdin when absent or -)' }],
  input: 'entries',
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: false, description: 'add directories recursively' },
    { name: 'wrap-with-directory', short: 'w', type: 'boolean', default: false, description: 'wrap the files in a directory' },
    { name: 'hidden', short: 'H', type: 'boolean', default: false, description: 'include files whose names start with a dot' },
    { name: 'dereference-symlinks', type: 'boolean', default: false, description: 'add what symlinks point to instead of the links' },
    { name: 'quiet', short: 'q', type: 'boolean', default: false, description: 'print only CIDs' },
    { name: 'quieter', short: 'Q', type: 'boolean', default: false, description: 'print only the final CID' },
    { name: 'silent', type: 'boolean', default: false, description: 'print nothing' },
    { name: 'progress', short: 'p', type: 'boolean', description: 'show a progress bar (default: when stderr is a terminal)' },
    { name: 'only-hash', short: 'n', type: 'boolean', default: false, description: 'compute CIDs without storing anything' },
    { name: 'pin', type: 'boolean', default: true, description: 'pin what was added (--pin=false to skip)' },
    { name: 'pin-name', type: 'string', description: 'a name for the pin' },
    { name: 'trickle', short: 't', type: 'boolean', description: 'use the trickle DAG layout' },
    { name: 'chunker', short: 's', type: 'string', description: 'chunking: size-N or rabin-min-avg-max (default from Import.UnixFSChunker, size-262144)' },
    { name: 'raw-leaves', type: 'boolean', description: 'store file data in raw leaves (default: on with --cid-version=1)' },
    { name: 'cid-version', type: 'number', description: 'CID version, 0 or 1 (default from Import.CidVersion, 0)' },
    { name: 'hash', type: 'string', description: 'multihash function (default sha2-256)' },
    { name: 'max-file-links', type: 'number', description: 'links per file node (default 174)' },
    { name: 'max-directory-links', type: 'number', description: 'links per basic directory (default: no limit)' },
    { name: 'max-hamt-fanout', type: 'number', description: 'HAMT fanout (default 256)' },
    { name: 'stdin-name', type: 'string', description: 'the name of a file read from stdin' },
    { name: 'to-files', type: 'string', description: 'also put what was added at this MFS path (a path ending in / keeps the names)' },
    { name: 'inline', type: 'boolean', default: false, description: 'give blocks of at most --inline-limit bytes identity CIDs (the bytes in the CID)' },
    { name: 'inline-limit', type: 'number', default: DEFAULT_INLINE_LIMIT, description: 'the largest block --inline inlines, at most 128' },
    CID_BASE_OPTION
  ],
  output: 'stream',
  progress: (event) => event.Hash == null ? event.Bytes : undefined,
  text (event, options) {
    if (options.silent === true) return undefined
    if (options.quiet === true || options.quieter === true) return event.Hash
    return `added ${event.Hash} ${event.Name}`.trimEnd()
  },
  async * run ({ node, input, options, signal }) {
    if (input.entries == null) throw new InvalidArgumentError('add needs files, directories or stdin')
    const importerOptions = importOptions(readImport(node.repo.config), options)
    const encode = cidEncoder(options)
    const onlyHash = options['only-hash'] === true
    const stdinName = typeof options['stdin-name'] === 'string' ? options['stdin-name'] : undefined
    const results: Array<{ path: string, cid: CID }> = []
    let bytes = 0
    let done = 0
    let currentPath: string | undefined
    let currentBytes = 0
    let lastReported = 0
    const progress: AddEvent[] = []
    const quieter = options.quieter === true
    let last: AddEvent | undefined
    const lease = onlyHash ? undefined : await node.gc.lease({ signal })
    try {
      const sink: BlockSink = onlyHash ? DISCARD : node.blockstore
      const named = (async function * () {
        for await (const entry of input.entries!) {
          yield entry.path === '' && stdinName != null ? { ...entry, path: stdinName } : entry
        }
      })()
      const { importer } = await dagModule()
      for await (const result of importer(named, sink, {
        ...importerOptions,
        signal,
        onProgress: options.progress === true
          ? (event) => {
              // events count bytes per file: keep a running total across files
              if (event.path !== currentPath) {
                done += currentBytes
                currentPath = event.path
              }
              currentBytes = event.bytes
              bytes = done + currentBytes
              if (bytes - lastReported >= PROGRESS_STEP) {
                lastReported = bytes
                progress.push({ Name: event.path, Bytes: bytes })
              }
            }
          : undefined
      })) {
        yield * progress.splice(0)
        const hash = encode(result.cid)
        const name = result.path === '' ? hash : result.path
        results.push({ path: result.path, cid: result.cid })
        last = { Name: name, Hash: hash, Size: String(result.size) }
        if (!quieter) yield last
      }
      if (options.progress === true) yield { Name: '', Bytes: bytes }
      if (quieter && last != null) yield last
      // the roots: the wrapping directory (or stdin's nameless file), else every top-level entry
      const wrapped = results.filter(r => r.path === '')
      const roots = wrapped.length > 0 ? wrapped : results.filter(r => !r.path.includes('/'))
      const toFiles = typeof options['to-files'] === 'string' && options['to-files'] !== '' ? options['to-files'] : undefined
      if (toFiles != null && !onlyHash) {
        const { linkIntoMfs } = await import('./files-mfs.ts')
        await linkIntoMfs(node, roots, toFiles, { signal, lease })
      }
      if (options.pin === true && !onlyHash) {
        const name = typeof options['pin-name'] === 'string' ? options['pin-name'] : undefined
        for (const root of roots) {
          throwIfAborted(signal)
          await node.pins.add(root.cid, { recursive: true, name, signal, complete: true })
        }
      }
    } finally {
      lease?.release()
    }
  }
})
