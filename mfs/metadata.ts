/**
 * `files chmod` and `files touch` on a file or symlink: the node's root is re-written with the new
 * mode or mtime in its UnixFS `Data`, its links unchanged. A raw leaf has nowhere to keep
 * metadata, so it becomes a dag-pb file node that holds the same bytes inline (boxo's MFS does
 * the same), with the raw CID's version and hash.
 */
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { decodeNode, encodeUnixFSData, hasherByCode, UNIXFS_FILE, type Mtime } from '../dag/index.ts'
import { InvalidArgumentError } from '../errors/index.ts'
import type { AbortOptions, BlockGetter, BlockSink } from '../blockstore/index.ts'

/** The metadata to set; a field left out keeps the node's. */
export interface MetadataChange {
  mode?: number
  mtime?: Mtime
}

/** Re-writes a file or symlink node with `change` applied; returns its new CID and Tsize. */
export async function setFileMetadata (cid: CID, blocks: BlockGetter, sink: BlockSink, change: MetadataChange, options: AbortOptions = {}): Promise<{ cid: CID, size: number }> {
  const bytes = await blocks.get(cid, options)
  const node = decodeNode(cid, bytes)
  let data: Uint8Array
  let links: dagPb.PBLink[] = []
  if (node.kind === 'raw') {
    data = encodeUnixFSData({ type: UNIXFS_FILE, data: bytes, fileSize: bytes.byteLength, mode: change.mode, mtime: change.mtime })
  } else if (node.kind === 'unixfs') {
    const unixfs = node.unixfs
    const mode = change.mode ?? (node.extra.hasMode ? unixfs.mode : undefined)
    const mtime = change.mtime ?? unixfs.mtime
    const type = Number(node.extra.type ?? BigInt(UNIXFS_FILE))
    const fileSize = node.extra.filesize != null ? Number(node.extra.filesize) : undefined
    data = encodeUnixFSData({
      type,
      data: unixfs.data,
      fileSize,
      blockSizes: unixfs.blockSizes.map(Number),
      mode,
      mtime
    })
    links = node.pb.Links
  } else {
    throw new InvalidArgumentError(`${cid} is not a UnixFS node (dag-pb or raw)`)
  }
  const block = dagPb.encode({ Data: data, Links: links })
  const digest = hasherByCode(cid.multihash.code).digest(block)
  const next = CID.create(cid.version === 0 ? 0 : 1, dagPb.code, digest)
  await sink.putMany([{ cid: next, bytes: block }], { signal: options.signal })
  let size = block.byteLength
  for (const link of links) size += link.Tsize ?? 0
  return { cid: next, size }
}
