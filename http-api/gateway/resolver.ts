/**
 * Resolving a content path for the gateway: the block it names, the logical roots on the way
 * (`X-Ipfs-Roots`: one CID per path segment), and every block read on the way, in order (the
 * blocks a CAR must carry so the client can verify the path, HAMT shards included).
 *
 * Resolution goes one segment at a time through the node's path resolver (`node.resolvePath`,
 * the one every command uses), over a request-local memo of the blocks it reads, so each block
 * on the path is read from the block service once.
 */
import type { CID } from 'multiformats/cid'
import type { Block, BlockGetter } from '../../blockstore/index.ts'
import type { PathResolver } from '../../core/index.ts'
import type { EntryInfo } from '../../dag/index.ts'
import { IDENTITY_CODE } from './cids.ts'

/** Codecs the exporter decodes (raw, dag-pb, dag-cbor, dag-json); other blocks are served as they are. */
const EXPORTER_CODECS = new Set([0x55, 0x70, 0x71, 0x0129])

/**
 * Path segments resolved before the event loop is let turn: each costs up to a millisecond
 * (decoding and verifying its blocks), and a URL may hold thousands of them.
 */
const RESOLVE_SEGMENTS_PER_TURN = 8

/** Where a content path leads. */
export interface ResolvedContent {
  /** The root CID of the path. */
  root: CID
  /** The path's segments below the root (decoded and cleaned). */
  segments: string[]
  /** The last block reached. */
  cid: CID
  /** Its bytes. */
  bytes: Uint8Array
  /** What it is (type, file size, symlink target). */
  entry: EntryInfo
  /** Segments left inside a dag-cbor/dag-json value after the last link (empty at a block). */
  remainder: string[]
  /** One CID per logical path segment, the root first (`X-Ipfs-Roots`). */
  roots: CID[]
  /** Every block read to resolve the path, in order, the last block included. */
  pathBlocks: Block[]
}

/** A getter that remembers what it read, in order. */
class MemoGetter implements BlockGetter {
  readonly blocks = new Map<string, { cid: CID, bytes: Promise<Uint8Array> }>()
  private readonly source: BlockGetter

  constructor (source: BlockGetter) {
    this.source = source
  }

  async get (cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    const key = cid.toString()
    let entry = this.blocks.get(key)
    if (entry == null) {
      entry = { cid, bytes: this.source.get(cid, options) }
      this.blocks.set(key, entry)
    }
    return await entry.bytes
  }
}

/**
 * Resolves `root/segments…`. With `describe` false and no segments the root block is only read,
 * not decoded (raw blocks of any codec).
 *
 * @throws PathNotFoundError (404), BlockNotFoundError (404), TimeoutError (504), and the
 *   exporter's codec errors
 */
export async function resolveContent (resolvePath: PathResolver, root: CID, segments: string[], getter: BlockGetter, signal: AbortSignal, describe = true): Promise<ResolvedContent> {
  const options = { signal }
  if (segments.length === 0 && (!describe || !EXPORTER_CODECS.has(root.code))) {
    // a block asked for as it is (`?format=raw`, json, cbor, unknown codecs): never decoded
    const bytes = root.multihash.code === IDENTITY_CODE ? root.multihash.digest : await getter.get(root, options)
    const entry: EntryInfo = { cid: root, name: root.toString(), type: 'object' }
    return { root, segments, cid: root, bytes, entry, remainder: [], roots: [root], pathBlocks: [{ cid: root, bytes }] }
  }
  const memo = new MemoGetter(getter)
  const roots: CID[] = [root]
  let current = root
  let pending: string[] = []
  let result = await resolvePath(root, { signal, blocks: memo, describe: true })
  for (const [i, segment] of segments.entries()) {
    if (i > 0 && i % RESOLVE_SEGMENTS_PER_TURN === 0) {
      // blocks read from memory resolve in microtasks, which never let the event loop turn
      await new Promise(resolve => setImmediate(resolve))
      signal.throwIfAborted()
    }
    result = await resolvePath({ root: current, segments: [...pending, segment] }, { signal, blocks: memo, describe: true })
    if (result.remainder.length > 0) {
      pending = result.remainder
    } else {
      current = result.cid
      pending = []
    }
    roots.push(current)
  }
  const cid = result.cid
  const bytes = cid.multihash.code === IDENTITY_CODE ? cid.multihash.digest : await memo.get(cid, options)
  const pathBlocks: Block[] = []
  for (const entry of memo.blocks.values()) {
    pathBlocks.push({ cid: entry.cid, bytes: await entry.bytes })
  }
  // identity blocks are never read through the getter; the path must still end at its last block
  if (pathBlocks.length === 0 || !pathBlocks[pathBlocks.length - 1].cid.equals(cid)) pathBlocks.push({ cid, bytes })
  return { root, segments, cid, bytes, entry: result.entry, remainder: pending, roots, pathBlocks }
}
