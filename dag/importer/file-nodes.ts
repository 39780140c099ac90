/**
 * Builds the blocks of one file's DAG (leaves and parents) and queues them on a BlockWriter.
 * The layouts decide the shape; this decides the bytes.
 */
import * as dagPb from '@ipld/dag-pb'
import { DAG_PB_CODE, RAW_CODE, cidFromDigest, cidOf, inlineCid, isInlined } from './hashing.ts'
import { UNIXFS_FILE, encodeLeafBlock, encodeUnixFSData } from './unixfs-data.ts'
import type { BlockWriter } from './block-writer.ts'
import type { Hasher } from './hashing.ts'
import type { UnixFSMtime } from './unixfs-data.ts'
import type { CID } from 'multiformats/cid'

/** A node of a file DAG as its parent links to it. */
export interface FileLink {
  cid: CID
  /** cumulative size of the sub-DAG: its block's bytes plus its children's `tsize` (dag-pb `Tsize`) */
  tsize: number
  /** bytes of file content under this node (UnixFS `blocksizes` entry) */
  fileSize: number
}

/** A leaf block whose digest is still being computed. */
export interface PreparedLeaf {
  bytes: Uint8Array
  raw: boolean
  fileSize: number
  digest: Uint8Array | Promise<Uint8Array>
}

/** Leaves at least this big are hashed off the main thread when the hash allows it. */
export const ASYNC_HASH_MIN_BYTES = 64 * 1024

/** UnixFS 1.5 metadata, stored on a file's root node only. */
export interface FileMetadata {
  mode?: number
  mtime?: UnixFSMtime
}

/** How a file's nodes are encoded. */
export interface FileNodesInit {
  cidVersion: 0 | 1
  hasher: Hasher
  /** raw blocks for leaves instead of dag-pb UnixFS nodes */
  rawLeaves: boolean
  /** UnixFS type of dag-pb leaves: File for the balanced layout, Raw for trickle (as boxo) */
  leafType: number
}

export class FileNodes {
  private readonly writer: BlockWriter
  private readonly cidVersion: 0 | 1
  private readonly hasher: Hasher
  private readonly rawLeaves: boolean
  private readonly leafType: number

  constructor (writer: BlockWriter, init: FileNodesInit) {
    this.writer = writer
    this.cidVersion = init.cidVersion
    this.hasher = init.hasher
    this.rawLeaves = init.rawLeaves
    this.leafType = init.leafType
  }

  /**
   * Encodes the leaf holding `chunk` (a raw block, or a dag-pb UnixFS node) and starts hashing
   * it; {@link commitLeaf} turns it into a block once the digest is known.
   */
  prepareLeaf (chunk: Uint8Array): PreparedLeaf {
    const raw = this.rawLeaves
    const bytes = raw ? chunk : encodeLeafBlock(chunk, this.leafType)
    const { hasher } = this
    const digest = hasher.digestAsync != null && bytes.length >= ASYNC_HASH_MIN_BYTES
      ? hasher.digestAsync(bytes)
      : hasher.digest(bytes)
    return { bytes, raw, fileSize: chunk.length, digest }
  }

  /** Queues a prepared leaf's block, given its digest. Raw leaves are always CIDv1. */
  commitLeaf (leaf: PreparedLeaf, digest: Uint8Array): FileLink {
    const codec = leaf.raw ? RAW_CODE : DAG_PB_CODE
    const cid = isInlined(leaf.bytes, this.hasher)
      ? inlineCid(leaf.bytes, codec)
      : cidFromDigest(digest, leaf.raw ? 1 : this.cidVersion, codec, this.hasher)
    this.writer.put({ cid, bytes: leaf.bytes })
    return { cid, tsize: leaf.bytes.length, fileSize: leaf.fileSize }
  }

  /** A leaf holding `chunk`, hashed synchronously. */
  leaf (chunk: Uint8Array): FileLink {
    const bytes = this.rawLeaves ? chunk : encodeLeafBlock(chunk, this.leafType)
    return this.commitLeaf({ bytes, raw: this.rawLeaves, fileSize: chunk.length, digest: EMPTY }, this.hasher.digest(bytes))
  }

  /** A single-node file carrying metadata: a dag-pb File node with the data inline. */
  leafWithMetadata (chunk: Uint8Array, metadata: FileMetadata): FileLink {
    const Data = encodeUnixFSData({ type: UNIXFS_FILE, data: chunk, fileSize: chunk.length, ...metadata })
    const bytes = dagPb.encode({ Data, Links: [] })
    return { cid: this.pb(bytes), tsize: bytes.length, fileSize: chunk.length }
  }

  /** An empty file: an empty raw block, or a dag-pb File node with filesize 0 (boxo `NewLeafNode(nil)`). */
  empty (metadata: FileMetadata | undefined, allowRaw: boolean): FileLink {
    if (allowRaw && this.rawLeaves) {
      return this.leaf(new Uint8Array(0))
    }
    return this.parent([], metadata)
  }

  /** A parent File node linking `children` in order. */
  parent (children: readonly FileLink[], metadata?: FileMetadata): FileLink {
    let fileSize = 0
    let tsize = 0
    const blockSizes = new Array<number>(children.length)
    const Links = new Array<dagPb.PBLink>(children.length)
    for (let i = 0; i < children.length; i++) {
      const child = children[i]
      fileSize += child.fileSize
      tsize += child.tsize
      blockSizes[i] = child.fileSize
      Links[i] = { Hash: child.cid, Name: '', Tsize: child.tsize }
    }
    const Data = encodeUnixFSData({ type: UNIXFS_FILE, fileSize, blockSizes, ...metadata })
    const bytes = dagPb.encode({ Data, Links })
    return { cid: this.pb(bytes), tsize: tsize + bytes.length, fileSize }
  }

  private pb (bytes: Uint8Array): CID {
    const cid = cidOf(bytes, this.cidVersion, DAG_PB_CODE, this.hasher)
    this.writer.put({ cid, bytes })
    return cid
  }
}

const EMPTY = new Uint8Array(0)
