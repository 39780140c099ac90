/**
 * One MFS directory in memory while it is edited: its entries (name → CID and Tsize), its
 * UnixFS mode and mtime, and the CID version and hash its node is written with. Loaded from a
 * basic or HAMT-sharded directory node, and written back through the one UnixFS directory
 * builder (`buildDirectory` in `dag/`), which shards it when it grows past the HAMT threshold
 * and un-shards it when it shrinks back under — as boxo's `DynamicDirectory` does in Kubo's MFS.
 */
import type { CID } from 'multiformats/cid'
import { buildDirectory, hasherByCode, loadNode, ls, type DirectoryEntry, type DirectoryOptions, type Mtime } from '../dag/index.ts'
import { NotADirectoryError } from '../errors/index.ts'
import type { AbortOptions, BlockGetter, BlockSink } from '../blockstore/index.ts'

/** A directory being edited. */
export interface DirectoryState {
  entries: Map<string, DirectoryEntry>
  /** Permission bits, when the node stores a mode. */
  mode?: number
  mtime?: Mtime
  /** CID version of the directory's node (its children keep their own). */
  cidVersion: 0 | 1
  /** Multihash code of the directory's node. */
  hashCode: number
}

/** What loading and storing a directory reads from and writes to. */
export interface DirectoryIO {
  blocks: BlockGetter
  sink: BlockSink
}

/** A fresh, empty directory written with `cidVersion` and `hashCode`. */
export function emptyDirectory (cidVersion: 0 | 1, hashCode: number): DirectoryState {
  return { entries: new Map(), cidVersion, hashCode }
}

/**
 * Reads the directory at `cid` into memory: every entry with the Tsize its parent recorded (a
 * HAMT's entries come from all of its shards).
 *
 * @throws NotADirectoryError when `cid` is not a UnixFS directory (`path` names it in the message)
 */
export async function loadDirectory (cid: CID, io: DirectoryIO, path: string, options: AbortOptions = {}): Promise<DirectoryState> {
  const node = await loadNode(io.blocks, cid, options)
  if (node.kind !== 'unixfs' || (node.unixfs.type !== 'directory' && node.unixfs.type !== 'hamt-sharded-directory')) {
    throw new NotADirectoryError(`${path} is not a directory`)
  }
  const entries = new Map<string, DirectoryEntry>()
  if (node.unixfs.type === 'directory') {
    for (const link of node.pb.Links) {
      const name = link.Name ?? ''
      // a name given twice: the first link wins, as path resolution reads it
      if (!entries.has(name)) entries.set(name, { name, cid: link.Hash, size: link.Tsize ?? 0 })
    }
  } else {
    for await (const entry of ls(cid, io.blocks, { signal: options.signal, resolveType: false })) {
      entries.set(entry.name, { name: entry.name, cid: entry.cid, size: entry.tsize ?? 0 })
    }
  }
  const state: DirectoryState = {
    entries,
    cidVersion: cid.version === 0 ? 0 : 1,
    hashCode: cid.multihash.code
  }
  if (node.extra.hasMode) state.mode = (node.unixfs.mode ?? 0) & 0o7777
  if (node.unixfs.mtime != null) state.mtime = { secs: node.unixfs.mtime.secs, nsecs: node.unixfs.mtime.nsecs }
  return state
}

/**
 * Writes `state` as a UnixFS directory (basic or HAMT, by `shape`'s threshold, fanout and size
 * estimation) and returns its CID and cumulative size.
 */
export async function storeDirectory (state: DirectoryState, io: DirectoryIO, shape: DirectoryOptions, options: AbortOptions = {}): Promise<{ cid: CID, size: number }> {
  const built = await buildDirectory([...state.entries.values()], io.sink, {
    ...shape,
    cidVersion: state.cidVersion,
    hasher: hasherByCode(state.hashCode),
    mode: state.mode,
    mtime: state.mtime
  }, { signal: options.signal })
  return { cid: built.cid, size: built.size }
}
