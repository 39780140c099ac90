/**
 * IPLD path stepping, behind `dag get`: a path like `a/b/0` names map keys and list indexes and,
 * in dag-pb nodes, link names (falling back to the `Data`/`Links` fields); a link met on the way
 * is followed into its block. `dagGet` encodes the value the path lands on with the output codec.
 *
 * This is the data-model path of Kubo's `dag get`; UnixFS paths (HAMT-sharded directories
 * included) are resolved by `path.ts` and the exporter.
 *
 * @see https://ipld.io/docs/data-model/pathing/
 */
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { DAG_PB, IDENTITY, RAW } from '../blockstore/index.ts'
import type { AbortOptions, Block, BlockGetter } from '../blockstore/index.ts'
import { InvalidArgumentError, PathNotFoundError, messageOf } from '../errors/index.ts'
import { checkIdentityDigest } from '../blockstore/index.ts'
import { codecByName, decodeBlock, isMap, kindOf } from './codecs.ts'

/** Options of {@link resolveDagPath} and {@link dagGet}. */
export interface DagPathOptions extends AbortOptions {
  /** Where blocks behind links on the path come from. Needed only when the path crosses a link. */
  getter?: BlockGetter
}

/** Where a path through a DAG ended up. */
export interface ResolvedDagPath {
  /** The block the path ends in (after following every link on it). */
  block: Block
  /** The value the path ends at: the block's whole node, or a value inside it. */
  value: unknown
  /** The segments of the path inside `block` (empty when `value` is the whole node). */
  remainder: string[]
}

/** Splits a path like `a/b/0` (leading and repeated slashes ignored) into segments. */
export function pathSegments (path: string | readonly string[] | undefined): string[] {
  if (path == null) return []
  const parts = typeof path === 'string' ? path.split('/') : [...path]
  return parts.filter(p => p !== '')
}

/**
 * Resolves `path` from `block` as Kubo's resolver does: segments name map keys and list indexes,
 * and, in dag-pb nodes, link names (falling back to the `Data`/`Links` fields); a link on the way —
 * or at the end — is followed into its block. Throws `PathNotFoundError` when a segment is absent.
 * HAMT-sharded directories are not looked into here (that is the UnixFS path resolver's job).
 */
export async function resolveDagPath (block: Block, path: string | readonly string[] | undefined, options: DagPathOptions = {}): Promise<ResolvedDagPath> {
  const segments = pathSegments(path)
  let current = block
  let node = decodeBlock(current)
  let value: unknown = node
  let remainder: string[] = []
  const walked: string[] = []

  for (const segment of segments) {
    const link = CID.asCID(value)
    if (link != null) {
      current = await loadLinked(link, walked, options)
      node = decodeBlock(current)
      value = node
      remainder = []
    }
    value = step(current, node, value, segment, walked)
    walked.push(segment)
    remainder.push(segment)
  }
  const last = CID.asCID(value)
  if (last != null) {
    current = await loadLinked(last, walked, options)
    value = decodeBlock(current)
    remainder = []
  }
  return { block: current, value, remainder }
}

async function loadLinked (cid: CID, walked: readonly string[], options: DagPathOptions): Promise<Block> {
  if (cid.multihash.code === IDENTITY) {
    return { cid, bytes: checkIdentityDigest(cid).multihash.digest }
  }
  if (options.getter == null) {
    throw new InvalidArgumentError(`path ${walked.join('/')} leads to ${cid.toString()} in another block, and no block getter was given`)
  }
  return { cid, bytes: await options.getter.get(cid, { signal: options.signal }) }
}

function step (block: Block, node: unknown, value: unknown, segment: string, walked: readonly string[]): unknown {
  const notFound = (): Error => new PathNotFoundError(`no link named ${JSON.stringify(segment)} under ${[block.cid.toString(), ...walked].join('/')}`)
  if (block.cid.code === DAG_PB && value === node) {
    const links = (node as dagPb.PBNode).Links
    const named = links.find(l => l.Name === segment)
    if (named != null) return named.Hash
    if (segment !== 'Data' && segment !== 'Links') throw notFound()
  }
  if (Array.isArray(value)) {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) throw notFound()
    const index = Number(segment)
    if (index >= value.length) throw notFound()
    return value[index]
  }
  if (isMap(value) && Object.hasOwn(value, segment)) {
    return value[segment]
  }
  throw notFound()
}

/** Options of {@link dagGet} (Kubo's `dag get`). */
export interface DagGetOptions extends DagPathOptions {
  /** Codec the output is encoded with. Default `dag-json`. */
  outputCodec?: string
  /** Path inside the DAG from `block`, e.g. `a/b/0`. */
  path?: string | readonly string[]
}

/**
 * Resolves `path` from `block` and encodes the value it lands on with the output codec. A whole
 * dag-pb or raw node asked for in its own codec is returned byte for byte.
 */
export async function dagGet (block: Block, options: DagGetOptions = {}): Promise<Uint8Array> {
  const codec = codecByName(options.outputCodec ?? 'dag-json')
  const resolved = await resolveDagPath(block, options.path, options)
  if (resolved.remainder.length === 0 && resolved.block.cid.code === codec.code && (codec.code === DAG_PB || codec.code === RAW)) {
    return resolved.block.bytes
  }
  try {
    return codec.encode(resolved.value)
  } catch (err) {
    throw new InvalidArgumentError(`cannot encode ${kindOf(resolved.value)} as ${codec.name}: ${messageOf(err)}`, { cause: err })
  }
}
