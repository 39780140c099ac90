/**
 * `files stat` of one node, as Kubo computes it (`statNode` in kubo `core/commands/files.go`):
 * the node's CID, its UnixFS file size, its cumulative size (the block plus the Tsize of every
 * link), its number of links, and its type as MFS sees it (`directory` or `file`; symlinks and
 * raw blocks are files).
 */
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { decodeNode } from '../dag/index.ts'
import { InvalidArgumentError } from '../errors/index.ts'
import type { AbortOptions, BlockGetter } from '../blockstore/index.ts'

/** Kubo's `files stat` answer (its JSON shape: `Mode` as a 4-digit octal string). */
export interface NodeStat {
  Hash: string
  Size: number
  CumulativeSize: number
  Blocks: number
  Type: 'file' | 'directory'
  WithLocality?: boolean
  Local?: boolean
  SizeLocal?: number
  Mode?: string
  Mtime?: number
  MtimeNsecs?: number
}

/** Where `--with-local` looks: only the local store, never the network. */
export interface LocalBlocks {
  has(cid: CID, options?: AbortOptions): Promise<boolean>
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>
}

/** Symlinks without a stored mode report `lrwxrwxrwx`, as Kubo's `os.ModeSymlink | 0777`. */
const SYMLINK_DEFAULT_MODE = 0o777

/**
 * Stats the node at `cid`.
 *
 * @throws InvalidArgumentError when the node is neither raw nor UnixFS dag-pb
 */
export async function statNode (cid: CID, blocks: BlockGetter, options: AbortOptions = {}): Promise<NodeStat> {
  const bytes = await blocks.get(cid, options)
  const node = decodeNode(cid, bytes)
  if (node.kind === 'raw') {
    return { Hash: cid.toString(), Size: bytes.byteLength, CumulativeSize: bytes.byteLength, Blocks: 0, Type: 'file' }
  }
  if (node.kind !== 'unixfs') throw new InvalidArgumentError(`${cid} is not a UnixFS node (dag-pb or raw)`)
  let cumulative = bytes.byteLength
  for (const link of node.pb.Links) cumulative += link.Tsize ?? 0
  const type = node.unixfs.type
  const directory = type === 'directory' || type === 'hamt-sharded-directory'
  const stat: NodeStat = {
    Hash: cid.toString(),
    Size: directory ? 0 : Number(node.unixfs.fileSize()),
    CumulativeSize: cumulative,
    Blocks: node.pb.Links.length,
    Type: directory ? 'directory' : 'file'
  }
  const mode = node.extra.hasMode ? (node.unixfs.mode ?? 0) & 0o7777 : 0
  if (mode !== 0) stat.Mode = formatMode(mode)
  else if (type === 'symlink') stat.Mode = formatMode(SYMLINK_DEFAULT_MODE)
  const mtime = node.unixfs.mtime
  if (mtime != null && mtime.secs !== 0n) {
    stat.Mtime = Number(mtime.secs)
    if (mtime.nsecs != null && mtime.nsecs > 0) stat.MtimeNsecs = mtime.nsecs
  }
  return stat
}

/** A mode as Kubo's JSON writes it: at least four octal digits. */
export function formatMode (mode: number): string {
  return mode.toString(8).padStart(4, '0')
}

/**
 * Kubo's `--with-local`: whether every block of the DAG is in the local store, and how many
 * bytes of it are. Reads only the local store; recursion is by an explicit stack.
 */
export async function localityOf (cid: CID, local: LocalBlocks, options: AbortOptions = {}): Promise<{ local: boolean, sizeLocal: number }> {
  let complete = true
  let size = 0
  const stack: CID[] = [cid]
  while (stack.length > 0) {
    const next = stack.pop() as CID
    if (!(await local.has(next, options))) {
      complete = false
      continue
    }
    const bytes = await local.get(next, options)
    size += bytes.byteLength
    if (next.code === dagPb.code) {
      const links = dagPb.decode(bytes).Links
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i].Hash)
    }
  }
  return { local: complete, sizeLocal: size }
}
