/**
 * Links of a block and a bounded-concurrency walk over a DAG. Pins and GC read links with the
 * @ipld codecs directly (never through `dag/`): dag-pb, dag-cbor and dag-json have links; raw
 * and libp2p-key blocks are leaves.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { throwIfAborted } from '../errors/abort.ts'
import { UnsupportedCodecError } from '../errors/index.ts'
import { DEFAULT_WALK_CONCURRENCY } from './constants.ts'
import type { AbortOptions } from './types.ts'

const RAW = 0x55
const LIBP2P_KEY = 0x72

/** True when blocks of this codec never link to other blocks. */
export function isLeafCodec (code: number): boolean {
  return code === RAW || code === LIBP2P_KEY
}

/** True when the links of blocks of this codec can be read. */
export function isKnownCodec (code: number): boolean {
  return isLeafCodec(code) || code === dagPb.code || code === dagCbor.code || code === dagJson.code
}

/** The CIDs a block links to, in the order they appear. */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case RAW:
    case LIBP2P_KEY:
      return []
    case dagPb.code:
      return dagPb.decode(bytes).Links.map(link => link.Hash)
    case dagCbor.code: {
      const links: CID[] = []
      collectCids(dagCbor.decode(bytes), links)
      return links
    }
    case dagJson.code: {
      const links: CID[] = []
      collectCids(dagJson.decode(bytes), links)
      return links
    }
    default:
      throw new UnsupportedCodecError(`cannot read the links of ${cid}: codec 0x${cid.code.toString(16)} is ` +
        'not supported (dag-pb, dag-cbor, dag-json, raw and libp2p-key are)')
  }
}

function collectCids (value: unknown, out: CID[]): void {
  if (value == null || typeof value !== 'object') return
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
    return
  }
  if (value instanceof Uint8Array) return
  if (Array.isArray(value)) {
    for (const item of value) collectCids(item, out)
    return
  }
  for (const item of Object.values(value)) collectCids(item, out)
}

/**
 * A key that tells DAG nodes apart: the CIDv1 bytes. A raw and a dag-pb CID of the same
 * multihash are different nodes (one has links, the other not); CIDv0 and its CIDv1 are one.
 */
export function nodeKey (cid: CID): string {
  const bytes = cid.version === 0 ? cid.toV1().bytes : cid.bytes
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** Options of {@link walkDag}. */
export interface WalkOptions extends AbortOptions {
  /**
   * Loads a block. Returns its bytes when its links are wanted, or undefined when they are not
   * (a leaf the caller only needed to check or fetch). Errors stop the walk unless `onError`.
   */
  load(cid: CID, options: AbortOptions): Promise<Uint8Array | undefined>
  /** Nodes (by {@link nodeKey}) not to visit; the walk adds each node it visits. Share it between walks to skip common subgraphs. */
  seen?: Set<string>
  /** Blocks loaded at once. Default {@link DEFAULT_WALK_CONCURRENCY} (8). */
  concurrency?: number
  /** When set, a block that fails to load or decode is reported here and its subgraph skipped, instead of ending the walk. */
  onError?(cid: CID, err: Error): void
}

interface Visit {
  id: number
  cid: CID
  links?: CID[]
  error?: Error
}

/**
 * Visits every node reachable from `root` once, yielding each CID after its block was loaded
 * (the root first). Depth-first with up to `concurrency` loads in flight, so memory is bounded
 * by the DAG's depth × width of its nodes rather than by its size (apart from `seen`).
 */
export async function * walkDag (root: CID, options: WalkOptions): AsyncGenerator<CID> {
  const seen = options.seen ?? new Set<string>()
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_WALK_CONCURRENCY)
  const { signal } = options
  const rootKey = nodeKey(root)
  if (seen.has(rootKey)) return
  seen.add(rootKey)

  const stack: CID[] = [root]
  const inFlight = new Map<number, Promise<Visit>>()
  let nextId = 0
  const start = (cid: CID): void => {
    const id = nextId++
    inFlight.set(id, (async (): Promise<Visit> => {
      try {
        const bytes = await options.load(cid, { signal })
        return { id, cid, links: bytes == null ? [] : linksOf(cid, bytes) }
      } catch (err) {
        return { id, cid, error: err as Error }
      }
    })())
  }

  while (stack.length > 0 || inFlight.size > 0) {
    throwIfAborted(signal)
    while (inFlight.size < concurrency && stack.length > 0) {
      start(stack.pop() as CID)
    }
    const visit = await Promise.race(inFlight.values())
    inFlight.delete(visit.id)
    if (visit.error != null) {
      if (options.onError == null) throw visit.error
      options.onError(visit.cid, visit.error)
      continue
    }
    const links = visit.links ?? []
    // pushed in reverse so the first link is loaded first
    for (let i = links.length - 1; i >= 0; i--) {
      const key = nodeKey(links[i])
      if (seen.has(key)) continue
      seen.add(key)
      stack.push(links[i])
    }
    yield visit.cid
  }
}
