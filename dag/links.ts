/**
 * The links of a block, by the codec of its CID: the `Links` of a dag-pb node (in their stored
 * order), every CID inside a dag-cbor or dag-json node (in the codec's canonical map-key order,
 * depth first), none for raw, json and cbor blocks.
 */
import type { PBNode } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODE, RAW, codecByCode, decodeBlock } from './codecs.ts'

/** A link and its name: the dag-pb link name, or the field path inside a dag-cbor/dag-json node. */
export interface NamedLink {
  name: string
  cid: CID
}

/**
 * The CIDs a block links to, in order. Throws `UnsupportedCodecError` for an unknown codec and
 * `BlockCorruptError` when the bytes do not decode.
 */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  return namedLinksOf(cid, bytes).map(l => l.cid)
}

/** Like {@link linksOf}, with each link's name. */
export function namedLinksOf (cid: CID, bytes: Uint8Array): NamedLink[] {
  switch (cid.code) {
    case RAW:
    case JSON_CODE:
    case CBOR:
      return []
    case DAG_PB: {
      const node = decodeBlock({ cid, bytes }) as PBNode
      return node.Links.map(l => ({ name: l.Name ?? '', cid: l.Hash }))
    }
    case DAG_CBOR:
    case DAG_JSON: {
      const out: NamedLink[] = []
      collect(decodeBlock({ cid, bytes }), '', cid.code === DAG_CBOR ? compareCbor : compareUtf8, out)
      return out
    }
    default:
      codecByCode(cid.code) // throws UnsupportedCodecError
      return []
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
