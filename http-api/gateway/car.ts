/**
 * CAR responses of the trustless gateway (specs: trustless-gateway.md, IPIP-402, IPIP-412):
 * the blocks that verify the path, then the blocks `dag-scope` and `entity-bytes` select below
 * its end, in depth-first order, each once (`dups=n`) or every time it is met (`dups=y`), never
 * an identity block. Blocks come from the one DAG walker (bounded read-ahead; nothing is held
 * beyond its window and pending steps, plus the set of CIDs seen, for `dups=n`) and are framed by
 * the one CAR writer (`writeCar`).
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { DAG_PB, IDENTITY, RAW, linksOf, loadBlockBytes, walkDag } from '../../blockstore/index.ts'
import type { Block, BlockGetter, WalkNode } from '../../blockstore/index.ts'
import { InvalidArgumentError, NotAcceptableError } from '../../errors/index.ts'
import { writeCar } from '../../dag/index.ts'
import { CAR_READ_AHEAD_BLOCKS, CAR_WRITE_CHUNK_BYTES } from './constants.ts'

/** How much of the DAG below the path a CAR carries (`dag-scope`). */
export type DagScope = 'block' | 'entity' | 'all'

/** `entity-bytes=from:to`: inclusive; negative values count from the end; `to` may be `*`. */
export interface EntityBytes {
  from: number
  /** `undefined` for `*` (the end of the entity). */
  to?: number
  /** The parameter as given, for the Etag. */
  text: string
}

/** The CAR parameters of a request, after `?car-*` params override `Accept` params. */
export interface CarParams {
  scope: DagScope
  entityBytes?: EntityBytes
  /** Always `dfs` in answers (the only order produced). */
  order: 'dfs'
  dups: boolean
}

/**
 * Reads the CAR parameters: `dag-scope`, `entity-bytes`, and `version`/`order`/`dups` from the
 * query (`car-version`, `car-order`, `car-dups`) or else from the `Accept` media type parameters.
 *
 * @returns the parameters and which of them came from `Accept` (for `Content-Location`)
 * @throws InvalidArgumentError (400) for values that do not parse, NotAcceptableError (406) for
 *   a CAR version other than 1
 */
export function parseCarParams (query: URLSearchParams, accept: Record<string, string>): { params: CarParams, fromAccept: Record<string, string> } {
  const fromAccept: Record<string, string> = {}
  const pick = (name: string): string | undefined => {
    const q = query.get(`car-${name}`)
    if (q != null && q !== '') return q
    const a = accept[name]
    if (a != null && a !== '') fromAccept[`car-${name}`] = a
    return a
  }
  const version = pick('version')
  if (version != null && version !== '1') {
    throw new NotAcceptableError(`CAR version ${version} is not supported: this gateway writes CARv1 (version=1)`)
  }
  const order = pick('order')
  if (order != null && order !== 'dfs' && order !== 'unk') {
    throw new InvalidArgumentError(`unknown CAR order "${order}": use dfs or unk`)
  }
  const dups = pick('dups')
  if (dups != null && dups !== 'y' && dups !== 'n') {
    throw new InvalidArgumentError(`unknown CAR dups "${dups}": use y or n`)
  }
  const scopeText = query.get('dag-scope') ?? 'all'
  if (scopeText !== 'block' && scopeText !== 'entity' && scopeText !== 'all') {
    throw new InvalidArgumentError(`unknown dag-scope "${scopeText}": use block, entity or all`)
  }
  let scope: DagScope = scopeText
  const bytesText = query.get('entity-bytes')
  let entityBytes: EntityBytes | undefined
  if (bytesText != null) {
    const m = /^(-?\d+):(\*|-?\d+)$/.exec(bytesText)
    if (m == null) throw new InvalidArgumentError(`invalid entity-bytes "${bytesText}": use from:to with integers, to may be *`)
    const from = Number(m[1])
    const to = m[2] === '*' ? undefined : Number(m[2])
    if (!Number.isSafeInteger(from) || (to != null && !Number.isSafeInteger(to))) {
      throw new InvalidArgumentError(`invalid entity-bytes "${bytesText}": the offsets are too large`)
    }
    if (from >= 0 && to != null && to >= 0 && to < from) {
      throw new InvalidArgumentError(`invalid entity-bytes "${bytesText}": the range ends before it starts`)
    }
    entityBytes = { from, to, text: bytesText }
    scope = 'entity'
  }
  return { params: { scope, entityBytes, order: 'dfs', dups: dups === 'y' }, fromAccept }
}

/** The `Content-Type` of a CAR answer (its parameters say what it holds). */
export function carContentType (params: CarParams): string {
  return `application/vnd.ipld.car; version=1; order=${params.order}; dups=${params.dups ? 'y' : 'n'}`
}

/** A file byte span `[start, end)` and a requested range `[from, to)`. */
interface FileMeta {
  start: number
  end: number
  from: number
  to: number
}

type Meta = { kind: 'all' } | { kind: 'none' } | { kind: 'hamt', prefixLength: number } | ({ kind: 'file' } & FileMeta)

type Next = WalkNode<Meta>

function unixfsOf (pb: dagPb.PBNode): UnixFS | undefined {
  if (pb.Data == null) return undefined
  try {
    return UnixFS.unmarshal(pb.Data)
  } catch {
    // not UnixFS data: the caller treats the node as plain dag-pb
    return undefined
  }
}

/** The links of a block in any codec the node reads; none for codecs it cannot decode. */
function allLinks (cid: CID, bytes: Uint8Array): CID[] {
  try {
    return linksOf(cid, bytes)
  } catch (err) {
    if ((err as Error).name === 'UnsupportedCodecError') return []
    throw err
  }
}

/** The children a block contributes to the walk, by what it is and what the walk wants of it. */
function childrenOf (cid: CID, bytes: Uint8Array, meta: Meta): Next[] {
  switch (meta.kind) {
    case 'none':
      return []
    case 'all':
      return allLinks(cid, bytes).map(link => ({ cid: link, meta }))
    case 'hamt': {
      // a HAMT's own shards; its entries are below the entity
      if (cid.code !== DAG_PB) return []
      return dagPb.decode(bytes).Links
        .filter(link => (link.Name ?? '').length === meta.prefixLength)
        .map(link => ({ cid: link.Hash, meta }))
    }
    case 'file': {
      if (cid.code !== DAG_PB) return []
      const pb = dagPb.decode(bytes)
      const unixfs = unixfsOf(pb)
      if (unixfs == null || pb.Links.length !== unixfs.blockSizes.length) return []
      const out: Next[] = []
      let start = meta.start + (unixfs.data?.length ?? 0)
      pb.Links.forEach((link, i) => {
        const end = start + Number(unixfs.blockSizes[i])
        if (start < meta.to && end > meta.from) out.push({ cid: link.Hash, meta: { ...meta, start, end } })
        start = end
      })
      return out
    }
  }
}

/**
 * What the walk below the path's last block takes from it, for a scope: the whole DAG (`all`),
 * the entity (a file's blocks — those of the byte range when given; a HAMT directory's shards),
 * or nothing more (`block`; `entity` of anything else).
 */
function rootMeta (cid: CID, bytes: Uint8Array, params: CarParams): Meta {
  if (params.scope === 'block') return { kind: 'none' }
  if (params.scope === 'all') return { kind: 'all' }
  if (cid.code === RAW) return { kind: 'none' }
  if (cid.code !== DAG_PB) return { kind: 'none' }
  const unixfs = unixfsOf(dagPb.decode(bytes))
  if (unixfs == null) return { kind: 'none' }
  if (unixfs.type === 'hamt-sharded-directory') {
    const fanout = Number(unixfs.fanout ?? 256n)
    return { kind: 'hamt', prefixLength: (fanout - 1).toString(16).length }
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') return { kind: 'none' }
  const size = Number(unixfs.fileSize())
  let from = 0
  let to = size
  const range = params.entityBytes
  if (range != null) {
    from = range.from < 0 ? Math.max(0, size + range.from) : range.from
    const last = range.to == null ? size - 1 : range.to < 0 ? size + range.to : Math.min(range.to, size - 1)
    to = last + 1
    // a range of no bytes, or outside the file: the root block alone says why (spec)
    if (from >= size || to <= from) return { kind: 'none' }
  }
  return { kind: 'file', start: 0, end: size, from, to }
}

/**
 * The blocks of a CAR answer, in order: `pathBlocks` (all but the last, which starts the walk),
 * then the walk from the last one. With `dups` false each block is written once.
 */
export async function * carBlocks (pathBlocks: Block[], getter: BlockGetter, params: CarParams, signal: AbortSignal): AsyncGenerator<Block> {
  const seen = new Set<string>()
  // identity blocks are never written, so they are never "seen" either
  const key = (cid: CID): string | undefined => cid.multihash.code === IDENTITY ? undefined : cid.toString()
  const emit = (block: Block): boolean => {
    if (block.cid.multihash.code === IDENTITY) return false
    if (params.dups) return true
    const k = key(block.cid) as string
    if (seen.has(k)) return false
    seen.add(k)
    return true
  }
  for (const block of pathBlocks) {
    if (emit(block)) yield block
  }
  const last = pathBlocks[pathBlocks.length - 1]
  const walk = walkDag(childrenOf(last.cid, last.bytes, rootMeta(last.cid, last.bytes, params)), {
    signal,
    readAhead: CAR_READ_AHEAD_BLOCKS,
    dedupe: params.dups ? undefined : { seen, key },
    load: async (cid, options) => await loadBlockBytes(cid, getter, options),
    children: childrenOf
  })
  for await (const { cid, bytes } of walk) {
    if (cid.multihash.code !== IDENTITY) yield { cid, bytes }
  }
}

/** A CARv1 stream (header, then one section per block), in chunks of about {@link CAR_WRITE_CHUNK_BYTES}. */
export function encodeCar (roots: CID[], blocks: AsyncIterable<Block>): AsyncGenerator<Uint8Array> {
  return writeCar(roots, blocks, { chunkSize: CAR_WRITE_CHUNK_BYTES })
}
