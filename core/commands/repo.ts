import { readdir, lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { BlockCorruptError, InvalidArgumentError } from '../../errors/index.ts'
import { readDatastore, REPO_VERSION } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import { dagModule } from './dag-module.ts'

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
    { name: 'stream-errors', type: 'boolean', default: false, description: 'accepted for Kubo compatibility' }
  ],
  output: 'stream',
  text (value, options) {
    if (options.silent === true) return undefined
    if (value.Error != null) return `error: ${value.Error}`
    if (value.Unreported != null) {
      return options.quiet === true ? undefined : `removed ${value.Unreported} more blocks, not listed: the output was read too slowly to list them all`
    }
    return options.quiet === true ? value.Key?.['/'] : `removed ${value.Key?.['/']}`
  },
  async * run ({ node, signal }) {
    const run = node.gc.collect({ signal })
    let step = await run.next()
    while (step.done !== true) {
      yield { Key: { '/': step.value.toString() } }
      step = await run.next()
    }
    if (step.value.unreported > 0) yield { Unreported: step.value.unreported }
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

export const refs = defineCommand<{ Ref: string, Err: string }>({
  path: 'refs',
  description: 'List the links of a DAG',
  args: [{ name: 'path', required: true, variadic: true, description: 'CIDs or /ipfs/ paths' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: false, description: 'all links, recursively' },
    { name: 'unique', short: 'u', type: 'boolean', default: false, description: 'each link once' },
    { name: 'max-depth', type: 'number', default: -1, description: 'how deep to go (-1: no limit)' },
    { name: 'edges', short: 'e', type: 'boolean', default: false, description: 'print "parent -> child"' }
  ],
  output: 'stream',
  text: (value) => value.Err !== '' ? `error: ${value.Err}` : value.Ref,
  async * run ({ node, args, options, signal }) {
    const maxDepth = options['max-depth'] as number
    const recursive = options.recursive === true || maxDepth > 1
    for (const path of args) {
      const root = (await node.resolvePath(path, { signal })).cid
      for await (const ref of (await dagModule()).refs(root, node.blocks, {
        recursive,
        unique: options.unique === true,
        maxDepth: maxDepth >= 0 ? maxDepth : undefined,
        signal
      })) {
        const text = options.edges === true ? `${ref.parent.toString()} -> ${ref.cid.toString()}` : ref.cid.toString()
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

export const dagStat = defineCommand<DagStatOutput>({
  path: 'dag stat',
  description: 'Count the blocks and bytes of DAGs',
  args: [{ name: 'path', required: true, variadic: true, description: 'CIDs or /ipfs/ paths' }],
  options: [
    { name: 'progress', short: 'p', type: 'boolean', default: false, description: 'accepted for Kubo compatibility' }
  ],
  output: 'value',
  text (value) {
    const lines = ['CID\tBlocks\tSize']
    for (const stat of value.DagStats) lines.push(`${stat.Cid}\t${stat.NumBlocks}\t${stat.Size}`)
    if (value.DagStats.length > 1) {
      lines.push('', 'Summary', `Total Size: ${value.TotalSize}`, `Unique Blocks: ${value.UniqueBlocks}`,
        `Shared Size: ${value.SharedSize}`, `Ratio: ${value.Ratio.toFixed(6)}`)
    }
    return lines.join('\n')
  },
  async run ({ node, args, signal }) {
    if (args.length === 0) throw new InvalidArgumentError('dag stat needs at least one CID')
    const roots = []
    for (const path of args) roots.push((await node.resolvePath(path, { signal })).cid)
    return await (await dagModule()).dagStat(roots, node.blocks, { signal }) as DagStatOutput
  }
})
