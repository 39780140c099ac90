import * as dagPb from '@ipld/dag-pb'
import { InvalidPathError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'

/** Kubo's `files stat` answer. */
export interface FilesStat {
  Hash: string
  /** File size (files and raw blocks), symlink target length; 0 for directories. */
  Size: number
  /** The node's block plus the Tsize of each of its links. */
  CumulativeSize: number
  /** Number of links of the node. */
  Blocks: number
  Type: 'file' | 'directory' | 'symlink'
  Mode?: number
  Mtime?: number
  MtimeNsecs?: number
}

/**
 * `files stat` for `/ipfs/` paths, which kubo-rpc-client's `ls` calls. The mutable file system
 * (MFS) does not exist in Cairn yet, so other paths are refused.
 */
export const filesStat = defineCommand<FilesStat>({
  path: 'files stat',
  description: 'Show the CID, size and type of an /ipfs/ path',
  args: [{ name: 'path', required: true, description: 'an /ipfs/ path (MFS paths are not supported yet)' }],
  options: [
    { name: 'hash', type: 'boolean', default: false, description: 'print only the CID' },
    { name: 'size', type: 'boolean', default: false, description: 'print only the cumulative size' }
  ],
  output: 'value',
  text (value, options) {
    if (options.hash === true) return value.Hash
    if (options.size === true) return String(value.CumulativeSize)
    return `${value.Hash}\nSize: ${value.Size}\nCumulativeSize: ${value.CumulativeSize}\nChildBlocks: ${value.Blocks}\nType: ${value.Type}`
  },
  async run ({ node, args, signal }) {
    const path = args[0]
    if (!path.startsWith('/ipfs/')) {
      throw new InvalidPathError(`files stat supports only /ipfs/ paths for now (Cairn has no mutable file system yet), not "${path}"`)
    }
    const resolved = await node.resolvePath(path, { signal, describe: true })
    if (resolved.remainder.length > 0) {
      throw new InvalidPathError(`${path} ends inside a ${resolved.entry.type} node, not at a file or directory`)
    }
    const bytes = await node.blocks.get(resolved.cid, { signal })
    let blocks = 0
    let cumulative = bytes.byteLength
    if (resolved.cid.code === dagPb.code) {
      const links = dagPb.decode(bytes).Links
      blocks = links.length
      for (const link of links) cumulative += link.Tsize ?? 0
    }
    const entry = resolved.entry
    const type = entry.type === 'directory' || entry.type === 'symlink' ? entry.type : 'file'
    const stat: FilesStat = {
      Hash: resolved.cid.toString(),
      Size: type === 'directory' ? 0 : type === 'symlink' ? Buffer.byteLength(entry.target ?? '') : entry.size ?? bytes.byteLength,
      CumulativeSize: cumulative,
      Blocks: blocks,
      Type: type
    }
    if (entry.mode != null) stat.Mode = entry.mode
    if (entry.mtime != null) {
      stat.Mtime = Number(entry.mtime.secs)
      if (entry.mtime.nsecs != null) stat.MtimeNsecs = entry.mtime.nsecs
    }
    return stat
  }
})
