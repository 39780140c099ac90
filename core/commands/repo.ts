import { readdir, lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { BlockCorruptError, CairnError, InvalidArgumentError, messageOf } from '../../errors/index.ts'
import { isAbortError } from '../../errors/abort.ts'
import { readDatastore, REPO_VERSION } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import { dagModule } from './dag-module.ts'
import { CID_BASE_OPTION, cidEncoder } from './cid-base.ts'
import { humanBytes } from './kubo-format.ts'

async function diskUsage (path: string): Promise<number> {
  let total = 0
  let names: string[]
  try {
    names = await readdir(path)
  } catch {
    // a folder that is absent or unreadable takes no disk space to report
    return 0
  }
  for (const name of names) {
    const child = join(path, name)
    const info = await lstat(child).catch(() => undefined)
    if (info == null) continue
    total += info.isDirectory() ? await diskUsage(child) : info.size
  }
  return total
}

/** Kubo's `repo stat` shape. */
export interface RepoStat {
  RepoSize: number
  StorageMax: number
  NumObjects: number
  RepoPath: string
  Version: string
}

export const repoStat = defineCommand<RepoStat>({
  path: 'repo stat',
  description: 'Show the repo\'s size, object count, path and version',
  args: [],
  options: [
    { name: 'size-only', short: 's', type: 'boolean', default: false, description: 'only report RepoSize and StorageMax' },
    { name: 'human', short: 'H', type: 'boolean', default: false, description: 'print sizes in MiB' }
  ],
  output: 'value',
  text (value, options) {
    const size = (n: number): string => options.human === true ? `${(n / 1024 / 1024).toFixed(1)} MiB` : String(n)
    const lines = [`RepoSize:   ${size(value.RepoSize)}`, `StorageMax: ${size(value.StorageMax)}`]
    if (options['size-only'] !== true) {
      lines.unshift(`NumObjects: ${value.NumObjects}`)
      lines.push(`RepoPath:   ${value.RepoPath}`, `Version:    ${value.Version}`)
    }
    return lines.join('\n')
  },
  async run ({ node, signal }) {
    let count = 0
    for await (const entry of node.blockstore.entries({ signal })) {
      if (entry.size >= 0) count++
    }
    return {
      RepoSize: await diskUsage(node.repo.root),
      StorageMax: readDatastore(node.repo.config).StorageMax,
      NumObjects: count,
      RepoPath: node.repo.root,
      Version: `cairn-repo@${REPO_VERSION}`
    }
  }
})

/** `stats repo`: Kubo's other name for `repo stat`. */
export const statsRepo = defineCommand<RepoStat>({ ...repoStat, path: 'stats repo' })

/**
 * One line of `repo gc`: Kubo's `{Key}` per removed block, or `{Error}`; and, when the client read
 * slower than GC removed, a last line with the count of removed blocks it was not sent (GC never
 * waits for its reader while it holds the repo's exclusive lease).
 */
export interface RepoGcEvent {
  Key?: { '/': string }
  Error?: string
  Unreported?: number
}

export const repoGc = defineCommand<RepoGcEvent>({
  path: 'repo gc',
  description: 'Remove every block that no pin reaches',
  args: [],
  options: [
    { name: 'quiet', short: 'q', type: 'boolean', default: false, description: 'print only CIDs' },
    { name: 'silent', type: 'boolean', default: false, description: 'print nothing' },
    { name: 'stream-errors', type: 'boolean', default: false, description: 'report an error as an output line ({"Error"}), then fail at the end' }
  ],
  output: 'stream',
  text (value, options) {
    if (options.silent === true) return undefined
    if (value.Error != null) return `Error: ${value.Error}`
    if (value.Unreported != null) {
      return options.quiet === true ? undefined : `removed ${value.Unreported} more blocks, not listed: the output was read too slowly to list them all`
    }
    return options.quiet === true ? value.Key?.['/'] : `removed ${value.Key?.['/']}`
  },
  async * run ({ node, options, signal }) {
    const run = node.gc.collect({ signal })
    try {
      let step = await run.next()
      while (step.done !== true) {
        yield { Key: { '/': step.value.toString() } }
        step = await run.next()
      }
      if (step.value.unreported > 0) yield { Unreported: step.value.unreported }
    } catch (err) {
      if (options['stream-errors'] !== true || isAbortError(err)) throw err
      // Kubo's --stream-errors: the error is a line of the output, and the command fails after it
      yield { Error: messageOf(err) }
      throw new CairnError('encountered errors during gc run', { cause: err })
    }
  }
})

export const repoVerify = defineCommand<{ Msg: string, Progress?: number }>({
  path: 'repo verify',
  description: 'Re-hash every block; exits 1 naming each bad CID',
  args: [],
  options: [],
  output: 'stream',
  text: (value) => value.Msg === '' ? undefined : value.Msg,
  async * run ({ node, signal }) {
    let checked = 0
    const bad: string[] = []
    for await (const result of node.blockstore.verify({ signal })) {
      checked++
      if (!result.ok) {
        bad.push(result.cid.toString())
        yield { Msg: `block ${result.cid.toString()} was corrupt (${result.error ?? 'hash mismatch'})` }
      }
    }
    if (bad.length > 0) {
      throw new BlockCorruptError(`verify complete, ${bad.length} of ${checked} blocks were corrupt: ${bad.join(', ')}`)
    }
    yield { Msg: `verify complete, all ${checked} blocks validated.` }
  }
})

/** `refs --format`'s default: the linked CID alone. */
const DEFAULT_REFS_FORMAT = '<dst>'

export const refs = defineCommand<{ Ref: string, Err: string }>({
  path: 'refs',
  description: 'List the links of a DAG',
  args: [{ name: 'path', required: true, variadic: true, description: 'CIDs or /ipfs/ paths' }],
  options: [
    { name: 'format', type: 'string', default: DEFAULT_REFS_FORMAT, description: 'how to print each link; tokens <src> <dst> <linkname>' },
    { name: 'edges', short: 'e', type: 'boolean', default: false, description: 'print "<src> -> <dst>"' },
    { name: 'unique', short: 'u', type: 'boolean', default: false, description: 'each link once' },
    { name: 'recursive', short: 'r', type: 'boolean', default: false, description: 'all links, recursively' },
    { name: 'max-depth', type: 'number', default: -1, description: 'how deep to go (-1: no limit)' },
    CID_BASE_OPTION
  ],
  output: 'stream',
  text: (value) => value.Err !== '' ? `error: ${value.Err}` : value.Ref,
  async * run ({ node, args, options, signal }) {
    const maxDepth = options['max-depth'] as number
    const recursive = options.recursive === true || maxDepth > 1
    let format = options.format as string
    if (options.edges === true) {
      if (format !== DEFAULT_REFS_FORMAT) throw new InvalidArgumentError('refs: --edges and --format cannot be used together (--edges is --format="<src> -> <dst>")')
      format = '<src> -> <dst>'
    }
    const encode = cidEncoder(options)
    for (const path of args) {
      const root = (await node.resolvePath(path, { signal })).cid
      for await (const ref of (await dagModule()).refs(root, node.blocks, {
        recursive,
        unique: options.unique === true,
        maxDepth: maxDepth >= 0 ? maxDepth : undefined,
        signal
      })) {
        const text = format
          .replaceAll('<src>', encode(ref.parent))
          .replaceAll('<dst>', encode(ref.cid))
          .replaceAll('<linkname>', ref.name)
        yield { Ref: text, Err: '' }
      }
    }
  }
})

export const refsLocal = defineCommand<{ Ref: string, Err: string }>({
  path: 'refs local',
  description: 'List every block in the repo',
  args: [],
  options: [],
  output: 'stream',
  text: (value) => value.Ref,
  async * run ({ node, signal }) {
    for await (const multihash of node.blockstore.multihashes({ signal })) {
      yield { Ref: CID.createV1(raw.code, Digest.decode(multihash)).toString(), Err: '' }
    }
  }
})

/** Kubo's `dag stat` shape. */
export interface DagStatOutput {
  UniqueBlocks: number
  TotalSize: number
  SharedSize: number
  Ratio: number
  DagStats: Array<{ Cid: string, Size: number, NumBlocks: number }>
}

/**
 * `dag stat`'s table and summary as Kubo prints them: a blank line, the `CID`/`Blocks`/`Size`
 * table (tab-separated, the CID column padded to the first CID's width and the block counts to
 * 15 characters), then `Summary` with the totals and go-humanize sizes.
 */
export function dagStatText (value: DagStatOutput): string {
  const cidWidth = value.DagStats[0]?.Cid.length ?? 3
  const lines = ['', `${'CID'.padEnd(cidWidth)}\t${'Blocks'.padEnd(15)}\tSize`]
  for (const stat of value.DagStats) lines.push(`${stat.Cid}\t${String(stat.NumBlocks).padEnd(15)}\t${stat.Size}`)
  lines.push('', 'Summary',
    `Total Size: ${value.TotalSize} (${humanBytes(value.TotalSize)})`,
    `Unique Blocks: ${value.UniqueBlocks}`,
    `Shared Size: ${value.SharedSize} (${humanBytes(value.SharedSize)})`,
    `Ratio: ${value.Ratio.toFixed(6)}`, '', '')
  return lines.join('\n')
}

export const dagStat = defineCommand<DagStatOutput>({
  path: 'dag stat',
  description: 'Count the blocks and bytes of DAGs',
  args: [{ name: 'path', required: true, variadic: true, description: 'CIDs or /ipfs/ paths' }],
  options: [
    { name: 'progress', short: 'p', type: 'boolean', default: false, description: 'accepted for Kubo compatibility' },
    CID_BASE_OPTION
  ],
  output: 'value',
  text: dagStatText,
  async run ({ node, args, options, signal }) {
    if (args.length === 0) throw new InvalidArgumentError('dag stat needs at least one CID')
    const encode = cidEncoder(options)
    const roots: CID[] = []
    for (const path of args) {
      const resolved = await node.resolvePath(path, { signal })
      if (resolved.remainder.length > 0) throw new InvalidArgumentError(`dag stat: ${path} ends inside a block's value; give a path to a block (a DAG root)`)
      roots.push(resolved.cid)
    }
    const summary = await (await dagModule()).dagStat(roots, node.blocks, { signal }) as DagStatOutput
    return { ...summary, DagStats: summary.DagStats.map((stat, i) => ({ ...stat, Cid: encode(roots[i]) })) }
  }
})
