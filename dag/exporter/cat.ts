/**
 * Reading UnixFS file content, whole or a byte range, fetching only the blocks the range needs.
 *
 * A dag-pb file node's bytes are its own `Data` followed by its children's bytes, child i holding
 * `blocksizes[i]` bytes (specs:src/unixfs.md, "The sister-lists"). From those sizes each child's
 * byte range in the file is known before it is fetched, so subtrees outside the requested range are
 * never read. Leaves are raw blocks or dag-pb nodes with data and no links; balanced and trickle
 * layouts are read alike. Blocks come in order with bounded read-ahead (see `traversal.ts`).
 */

import type { CID } from 'multiformats/cid'
import type { BlockGetter } from '../../blockstore/types.ts'
import { InvalidRangeError, NotAFileError } from '../../errors/index.ts'
import type { PathLike } from '../path.ts'
import {
  CODEC_DAG_PB, CODEC_RAW, decodeNode, linkName, malformed, toSafeNumber, typeOf, type DecodedNode
} from './node.ts'
import { resolveNode } from './resolve.ts'
import { traverse, type Step } from './traversal.ts'
import type { CatOptions } from './types.ts'

/** The bytes of the file a node covers: [start, end). */
interface Span {
  start: number
  end: number
}

/** A requested byte range: [from, to). */
interface Range {
  from: number
  to: number
}

/**
 * Streams a file's bytes, or the range `offset`…`offset + length`.
 *
 * @param path - a path or CID naming a UnixFS file or a raw block
 * @throws NotAFileError for directories, symlinks and non-UnixFS nodes
 * @throws InvalidRangeError for a negative or non-integer offset or length
 * @throws BlockNotFoundError when a block the range needs is missing
 */
export async function * cat (path: PathLike, getter: BlockGetter, options: CatOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  checkRange(options)
  const { node } = await resolveNode(path, getter, options)
  yield * catNode(node, getter, options)
}

/** Streams the content of an already fetched file node (a `walk` entry's `content`). */
export async function * catNode (node: DecodedNode, getter: BlockGetter, options: CatOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  checkRange(options)
  const size = fileSizeOf(node)
  const from = Math.min(options.offset ?? 0, size)
  const to = options.length == null ? size : Math.min(size, from + options.length)
  if (from >= to) {
    return
  }
  const range: Range = { from, to }
  const expand = (cid: CID, bytes: Uint8Array, span: Span): Array<Step<Span, Uint8Array>> => {
    const decoded = decodeNode(cid, bytes)
    // a lent block comes back with the chunk it yields: one whose links are still to be followed
    // (their CIDs are views of its bytes) must never be read into again
    if (options.lend === true && !(decoded.kind === 'raw' || (decoded.kind === 'unixfs' && decoded.pb.Links.length === 0))) {
      getter.keep?.(bytes)
    }
    return fileSteps(decoded, span, range)
  }
  yield * traverse(fileSteps(node, { start: 0, end: size }, range), getter, expand, options)
}

/** The file size of a node `cat` can read. */
function fileSizeOf (node: DecodedNode): number {
  if (node.kind === 'raw') {
    return node.bytes.length
  }
  const type = typeOf(node)
  if (node.kind === 'unixfs' && type === 'file') {
    return toSafeNumber(node.cid, node.unixfs.fileSize(), 'file size')
  }
  const what = type === 'directory'
    ? 'a directory'
    : type === 'symlink' ? 'a symlink' : node.kind === 'ipld' ? `a ${node.codec} node, not UnixFS` : 'not a UnixFS file'
  throw new NotAFileError(`cannot read ${node.cid} as a file: this dag node is ${what}`)
}

/**
 * The steps that read the part of `range` a file node covers: its own data, then its children
 * whose spans overlap the range. Checks the node against the span its parent gave it.
 */
function fileSteps (node: DecodedNode, span: Span, range: Range): Array<Step<Span, Uint8Array>> {
  const expected = span.end - span.start
  if (node.kind === 'raw') {
    if (node.bytes.length !== expected) {
      throw malformed(node.cid, `raw leaf holds ${node.bytes.length} bytes, its parent says ${expected}`)
    }
    return slice(node.bytes, span.start, range)
  }
  if (node.kind !== 'unixfs' || typeOf(node) !== 'file') {
    throw malformed(node.cid, 'a file links to a node that is not a UnixFS file or raw block')
  }
  const { unixfs, pb, extra } = node
  const data = unixfs.data ?? new Uint8Array(0)
  const links = pb.Links
  if (links.length !== unixfs.blockSizes.length) {
    throw malformed(node.cid, `${links.length} links but ${unixfs.blockSizes.length} blocksizes`)
  }
  const total = toSafeNumber(node.cid, unixfs.fileSize(), 'file size')
  if (total !== expected) {
    throw malformed(node.cid, `data and blocksizes add up to ${total} bytes, its parent says ${expected}`)
  }
  if (extra.filesize != null && extra.filesize !== BigInt(total)) {
    throw malformed(node.cid, `filesize ${extra.filesize} differs from data and blocksizes (${total})`)
  }

  const steps = slice(data, span.start, range)
  let start = span.start + data.length
  for (let i = 0; i < links.length; i++) {
    const link = links[i]
    if (linkName(link) !== '') {
      throw malformed(node.cid, `file chunk link ${i} has a name ("${linkName(link)}")`)
    }
    const end = start + toSafeNumber(node.cid, unixfs.blockSizes[i], 'blocksize')
    if (start < range.to && end > range.from) {
      if (link.Hash.code !== CODEC_RAW && link.Hash.code !== CODEC_DAG_PB) {
        throw malformed(node.cid, `file chunk link ${i} points to codec 0x${link.Hash.code.toString(16)}`)
      }
      steps.push({ fetch: link.Hash, meta: { start, end } })
    }
    start = end
  }
  return steps
}

/** The part of `bytes` (which start at file offset `start`) inside the range, as a value step. */
function slice (bytes: Uint8Array, start: number, range: Range): Array<Step<Span, Uint8Array>> {
  const from = Math.max(range.from, start) - start
  const to = Math.min(range.to, start + bytes.length) - start
  return from < to ? [{ value: bytes.subarray(from, to) }] : []
}

function checkRange (options: CatOptions): void {
  for (const [name, value] of [['offset', options.offset], ['length', options.length]] as const) {
    if (value != null && (!Number.isSafeInteger(value) || value < 0)) {
      throw new InvalidRangeError(`${name} must be a whole number of bytes ≥ 0, not ${value}`)
    }
  }
}
