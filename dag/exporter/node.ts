/**
 * Reading one block and decoding it into what the exporter works with: a raw block, a UnixFS
 * dag-pb node, a dag-pb node without UnixFS data, or an IPLD value (dag-cbor, dag-json).
 */

import * as dagPb from '@ipld/dag-pb'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import type { PBLink, PBNode } from '@ipld/dag-pb'
import { raceSignal, throwIfAborted } from '../../errors/abort.ts'
import {
  BlockCorruptError, InvalidCIDError, NestingTooDeepError, UnsupportedCodecError, messageOf
} from '../../errors/index.ts'
import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { checkCborNesting, checkIdentityDigest, checkJsonNesting } from '../../blockstore/index.ts'
import { readExtraFields, type UnixFSExtraFields } from './unixfs-fields.ts'
import type { EntryInfo, EntryType } from './types.ts'

/** Multicodec codes the exporter reads (the one table is blockstore/codes.ts). */
import {
  RAW as CODEC_RAW, DAG_PB as CODEC_DAG_PB, DAG_CBOR as CODEC_DAG_CBOR, DAG_JSON as CODEC_DAG_JSON, IDENTITY
} from '../../blockstore/index.ts'
export { CODEC_RAW, CODEC_DAG_PB, CODEC_DAG_CBOR, CODEC_DAG_JSON }
/** The highest UnixFS `Type` defined (HAMTShard). */
const MAX_UNIXFS_TYPE = 5n

/** A raw-codec block: the bytes are file content. */
export interface RawNode {
  kind: 'raw'
  cid: CID
  bytes: Uint8Array
}

/** A dag-pb node whose Data is UnixFS. */
export interface UnixFSNode {
  kind: 'unixfs'
  cid: CID
  pb: PBNode
  unixfs: UnixFS
  extra: UnixFSExtraFields
}

/** A dag-pb node without (decodable) UnixFS data: only its links mean anything. */
export interface PlainPBNode {
  kind: 'dag-pb'
  cid: CID
  pb: PBNode
}

/** A dag-cbor or dag-json block: an IPLD data model value whose CIDs are links. */
export interface IPLDNode {
  kind: 'ipld'
  cid: CID
  codec: 'dag-cbor' | 'dag-json'
  value: unknown
}

export type DecodedNode = RawNode | UnixFSNode | PlainPBNode | IPLDNode

/**
 * Reads one block. Identity CIDs are answered from the CID itself. Honours `signal` even when the
 * getter does not.
 *
 * @throws BlockNotFoundError (from the getter), AbortedError / TimeoutError when `signal` fires
 */
export async function fetchBlock (getter: BlockGetter, cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
  const { signal } = options
  throwIfAborted(signal)
  if (cid.multihash.code === IDENTITY) {
    return checkIdentityDigest(cid).multihash.digest
  }
  if (signal == null) {
    return getter.get(cid, options)
  }
  return raceSignal(getter.get(cid, options), signal)
}

/** Reads and decodes one block. */
export async function loadNode (getter: BlockGetter, cid: CID, options: AbortOptions = {}): Promise<DecodedNode> {
  return decodeNode(cid, await fetchBlock(getter, cid, options))
}

/**
 * Decodes a block by its CID's codec.
 *
 * @throws UnsupportedCodecError for codecs other than raw, dag-pb, dag-cbor and dag-json
 * @throws BlockCorruptError when the bytes are not valid for the codec
 */
export function decodeNode (cid: CID, bytes: Uint8Array): DecodedNode {
  switch (cid.code) {
    case CODEC_RAW:
      return { kind: 'raw', cid, bytes }
    case CODEC_DAG_PB: {
      const pb = decodeWith(cid, 'dag-pb', () => dagPb.decode(bytes))
      const read = readUnixFS(pb.Data)
      if (read == null) {
        // dag-pb is also used for things that are not UnixFS; only its links can be followed
        return { kind: 'dag-pb', cid, pb }
      }
      return { kind: 'unixfs', cid, pb, ...read }
    }
    case CODEC_DAG_CBOR:
      return { kind: 'ipld', cid, codec: 'dag-cbor', value: decodeWith(cid, 'dag-cbor', () => dagCbor.decode(checkCborNesting(bytes))) }
    case CODEC_DAG_JSON:
      return { kind: 'ipld', cid, codec: 'dag-json', value: decodeWith(cid, 'dag-json', () => dagJson.decode(checkJsonNesting(bytes))) }
    default:
      throw new UnsupportedCodecError(
        `cannot read ${cid}: codec 0x${cid.code.toString(16)} is not supported (raw, dag-pb, dag-cbor and dag-json are)`
      )
  }
}

/** The UnixFS message in a dag-pb node's Data, or undefined when Data is absent or not UnixFS. */
function readUnixFS (data: Uint8Array | undefined): { unixfs: UnixFS, extra: UnixFSExtraFields } | undefined {
  if (data == null) return undefined
  try {
    const extra = readExtraFields(data)
    const known = extra.type != null && extra.type <= MAX_UNIXFS_TYPE
    return known ? { unixfs: UnixFS.unmarshal(data), extra } : undefined
  } catch {
    // not UnixFS data: the caller treats the node as plain dag-pb
    return undefined
  }
}

function decodeWith<T> (cid: CID, codec: string, decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if ((err as Error).name === NestingTooDeepError.name) throw err
    // an identity CID's block is the client's own text, not something this node stored
    if (cid.multihash.code === IDENTITY) throw new InvalidCIDError(`identity CID ${cid} does not hold valid ${codec}: ${messageOf(err)}`, { cause: err })
    throw new BlockCorruptError(`block ${cid} is not valid ${codec}: ${messageOf(err)}`, { cause: err })
  }
}

/** A DAG that decodes but breaks a UnixFS rule (the message says which). */
export function malformed (cid: CID, what: string): Error {
  return new BlockCorruptError(`malformed UnixFS node ${cid}: ${what}`)
}

/** The entry type of a decoded node. */
export function typeOf (node: DecodedNode): EntryType {
  switch (node.kind) {
    case 'raw': return 'raw'
    case 'unixfs':
      switch (node.unixfs.type) {
        case 'file':
        case 'raw': return 'file'
        case 'directory':
        case 'hamt-sharded-directory': return 'directory'
        case 'symlink': return 'symlink'
        default: return 'object'
      }
    default: return 'object'
  }
}

/** Describes a decoded node as an {@link EntryInfo}. */
export function describe (node: DecodedNode, name: string): EntryInfo {
  const info: EntryInfo = { cid: node.cid, name, type: typeOf(node) }
  if (node.kind === 'raw') {
    info.size = node.bytes.length
  } else if (node.kind === 'unixfs') {
    const { unixfs, extra } = node
    if (info.type === 'file') {
      info.size = toSafeNumber(node.cid, unixfs.fileSize(), 'file size')
    } else if (info.type === 'symlink') {
      info.target = symlinkTarget(node)
    } else if (unixfs.type === 'hamt-sharded-directory') {
      info.sharded = true
    }
    if (extra.hasMode && unixfs.mode != null) {
      info.mode = unixfs.mode
    }
    if (unixfs.mtime != null) {
      info.mtime = { secs: unixfs.mtime.secs, ...(unixfs.mtime.nsecs != null ? { nsecs: unixfs.mtime.nsecs } : {}) }
    }
  }
  return info
}

/** The target text of a UnixFS symlink. */
export function symlinkTarget (node: UnixFSNode): string {
  return new TextDecoder().decode(node.unixfs.data ?? new Uint8Array(0))
}

/** The link's name, with an absent name read as empty (spec: treat "" and absent alike). */
export function linkName (link: PBLink): string {
  return link.Name ?? ''
}

/** A bigint size as a number, refusing sizes past 2^53 (no real file is that big). */
export function toSafeNumber (cid: CID, value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw malformed(cid, `${what} ${value} is out of range`)
  }
  return Number(value)
}
