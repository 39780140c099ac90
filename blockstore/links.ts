/**
 * The one way Cairn reads a block's links, for every codec the store accepts. Pins, GC, refs,
 * `dag export`, the gateway's CAR answers and the DAG walker all call it, so a codec the store
 * takes is one they can all follow.
 *
 * - dag-pb: the node's `Links`, in their stored order, named by their `Name`.
 * - dag-cbor and dag-json: every CID inside the node, depth first, in the codec's canonical
 *   map-key order (dag-cbor: shorter keys first, then bytewise; dag-json: bytewise), each named
 *   by its field path (`a/1/deep`).
 * - raw, json, cbor and libp2p-key: none (the plain codecs cannot express a link).
 * - identity CIDs: the block is the digest; its links are those of the CID's codec.
 *
 * @see https://ipld.io/docs/codecs/
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { BlockCorruptError, UnsupportedCodecError, messageOf } from '../errors/index.ts'
import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODE, LIBP2P_KEY, RAW } from './codes.ts'
import { checkCborNesting, checkJsonNesting } from './decode-limits.ts'

/** A link and its name: the dag-pb link name, or the field path inside a dag-cbor/dag-json node. */
export interface NamedLink {
  name: string
  cid: CID
}

/** Codecs whose blocks never link to other blocks: walks need not read them. */
const LEAF_CODECS: ReadonlySet<number> = new Set([RAW, JSON_CODE, CBOR, LIBP2P_KEY])

/** True when blocks of this codec never link to other blocks (raw, json, cbor, libp2p-key). */
export function isLeafCodec (code: number): boolean {
  return LEAF_CODECS.has(code)
}

/** True when {@link linksOf} can read blocks of this codec. */
export function isKnownCodec (code: number): boolean {
  return LEAF_CODECS.has(code) || code === DAG_PB || code === DAG_CBOR || code === DAG_JSON
}

/**
 * The CIDs a block links to, in order. Throws `UnsupportedCodecError` for a codec the store does
 * not know and `BlockCorruptError` when the bytes do not decode.
 */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === DAG_PB) return decode(cid, bytes, 'dag-pb', dagPb.decode).Links.map(link => link.Hash)
  return namedLinksOf(cid, bytes).map(link => link.cid)
}

/** Like {@link linksOf}, with each link's name. */
export function namedLinksOf (cid: CID, bytes: Uint8Array): NamedLink[] {
  switch (cid.code) {
    case DAG_PB:
      return decode(cid, bytes, 'dag-pb', dagPb.decode).Links.map(link => ({ name: link.Name ?? '', cid: link.Hash }))
    case DAG_CBOR: {
      const out: NamedLink[] = []
      // nesting checked first: the decoder (and `collect`) recurse once per level
      collect(decode(cid, bytes, 'dag-cbor', b => dagCbor.decode(checkCborNesting(b))), '', compareCbor, out)
      return out
    }
    case DAG_JSON: {
      const out: NamedLink[] = []
      collect(decode(cid, bytes, 'dag-json', b => dagJson.decode(checkJsonNesting(b))), '', compareUtf8, out)
      return out
    }
    default:
      if (isLeafCodec(cid.code)) return []
      throw new UnsupportedCodecError(`cannot read the links of ${cid}: codec 0x${cid.code.toString(16)} is not ` +
        'supported (dag-pb, dag-cbor, dag-json, raw, json, cbor and libp2p-key are)')
  }
}

function decode<T> (cid: CID, bytes: Uint8Array, codec: string, fn: (bytes: Uint8Array) => T): T {
  try {
    return fn(bytes)
  } catch (err) {
    if ((err as Error).name === 'NestingTooDeepError') throw err
    throw new BlockCorruptError(`block ${cid.toString()} is not valid ${codec}: ${messageOf(err)}`, { cause: err })
  }
}

const utf8 = new TextEncoder()

function compareUtf8 (a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b))
}

/** dag-cbor's canonical key order: shorter (in UTF-8 bytes) first, then bytewise. */
function compareCbor (a: string, b: string): number {
  const ab = utf8.encode(a)
  const bb = utf8.encode(b)
  return ab.length - bb.length || Buffer.compare(ab, bb)
}

function collect (value: unknown, path: string, compare: (a: string, b: string) => number, out: NamedLink[]): void {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push({ name: path, cid })
    return
  }
  const join = (key: string | number): string => path === '' ? String(key) : `${path}/${key}`
  if (Array.isArray(value)) {
    value.forEach((v, i) => { collect(v, join(i), compare, out) })
    return
  }
  // JS objects put integer-like keys first; restore the codec's key order
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record).sort(compare)) {
    collect(record[key], join(key), compare, out)
  }
}
