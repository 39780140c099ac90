/**
 * IPLD codecs by name and code, and the helpers behind `dag put`, `dag get` and `block put`.
 *
 * Supported codecs: `dag-pb`, `raw`, `dag-cbor`, `dag-json`, and the plain `json` and `cbor`
 * (no links, no bytes in `json`). Behaviour follows Kubo: `dag put` decodes the input with the
 * input codec into the IPLD data model and encodes it with the store codec (a dag-pb store codec
 * needs a dag-pb shaped node); `block put` hashes the bytes as they are. `dag get` (resolving a
 * path through links and fields) is in `ipld-path.ts`.
 *
 * @see https://ipld.io/docs/codecs/
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import type { Block } from '../blockstore/types.ts'
import { MAX_BLOCK_SIZE } from '../blockstore/types.ts'
import {
  BlockCorruptError, BlockTooBigError, InvalidArgumentError, InvalidCIDError, NestingTooDeepError, UnsupportedCodecError, messageOf
} from '../errors/index.ts'
import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, IDENTITY, JSON_CODE, RAW, SHA2_256 } from '../blockstore/index.ts'
import { hashBytes, hasherByName } from './hashes.ts'
import { MAX_DECODE_DEPTH, checkCborNesting, checkJsonNesting } from '../blockstore/index.ts'


/** An encoder's output as bytes, whatever array type it came back as. */
function asBytes (out: Uint8Array | ArrayLike<number>): Uint8Array {
  return out instanceof Uint8Array ? out : Uint8Array.from(out)
}

/** Multicodec codes of the supported codecs (from the one table, `blockstore/codes.ts`). */
export { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODE, RAW }

/** A codec: its multicodec name and code, and its data-model encoder and decoder. */
export interface Codec {
  readonly name: string
  readonly code: number
  /** Encodes an IPLD data-model value; throws when the value cannot be expressed in this codec. */
  encode(value: unknown): Uint8Array
  /** Decodes bytes into an IPLD data-model value (CIDs for links, Uint8Array for bytes). */
  decode(bytes: Uint8Array): unknown
}

const CODECS: readonly Codec[] = [
  {
    name: 'dag-pb',
    code: DAG_PB,
    encode: value => dagPb.encode(toPBNode(value)),
    decode: bytes => dagPb.decode(bytes)
  },
  {
    name: 'raw',
    code: RAW,
    encode: value => {
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(`raw can only encode bytes, not ${kindOf(value)}`)
      }
      return raw.encode(value)
    },
    decode: bytes => raw.decode(bytes)
  },
  {
    name: 'dag-cbor',
    code: DAG_CBOR,
    encode: value => dagCbor.encode(value),
    decode: bytes => dagCbor.decode(checkCborNesting(bytes))
  },
  {
    name: 'dag-json',
    code: DAG_JSON,
    // @ipld/dag-json hands some huge top-level integers back as a plain number array
    encode: value => asBytes(dagJson.encode(value)),
    decode: bytes => dagJson.decode(checkJsonNesting(bytes))
  },
  {
    name: 'json',
    code: JSON_CODE,
    encode: value => {
      assertPlain(value, 'json', true)
      return asBytes(json.encode(value))
    },
    decode: bytes => json.decode(checkJsonNesting(bytes, MAX_DECODE_DEPTH, 'json'))
  },
  {
    // Plain CBOR is read and written through the dag-cbor codec without links: every dag-cbor
    // block is valid CBOR; CBOR outside dag-cbor's strict subset is refused when decoded.
    name: 'cbor',
    code: CBOR,
    encode: value => {
      assertPlain(value, 'cbor', false)
      return dagCbor.encode(value)
    },
    decode: bytes => dagCbor.decode(checkCborNesting(bytes, MAX_DECODE_DEPTH, 'cbor'))
  }
]

const BY_NAME = new Map(CODECS.map(c => [c.name, c]))
const BY_CODE = new Map(CODECS.map(c => [c.code, c]))

/** Names of the supported codecs. */
export const CODEC_NAMES: readonly string[] = CODECS.map(c => c.name)

/** The codec named `name` (multicodec spelling); throws `UnsupportedCodecError` naming the valid ones. */
export function codecByName (name: string): Codec {
  const codec = BY_NAME.get(name)
  if (codec == null) {
    throw new UnsupportedCodecError(`unknown codec ${JSON.stringify(name)}: valid codecs are ${CODEC_NAMES.join(', ')}`)
  }
  return codec
}

/** The codec with multicodec code `code`; throws `UnsupportedCodecError`. */
export function codecByCode (code: number): Codec {
  const codec = BY_CODE.get(code)
  if (codec == null) {
    throw new UnsupportedCodecError(`unsupported codec 0x${code.toString(16)}: valid codecs are ${CODEC_NAMES.join(', ')}`)
  }
  return codec
}

/**
 * Decodes a block with the codec of its CID. Throws `UnsupportedCodecError` for an unknown codec
 * and `BlockCorruptError` when the bytes are not valid for it.
 */
export function decodeBlock (block: Block): unknown {
  const codec = codecByCode(block.cid.code)
  try {
    return codec.decode(block.bytes)
  } catch (err) {
    if ((err as Error).name === NestingTooDeepError.name) throw err
    // an identity CID's block is the client's own text, not something this node stored
    const Corrupt = block.cid.multihash.code === IDENTITY ? InvalidCIDError : BlockCorruptError
    throw new Corrupt(`block ${block.cid.toString()} is not valid ${codec.name}: ${messageOf(err)}`, { cause: err })
  }
}

/** Options of {@link dagPut} (Kubo's `dag put`). */
export interface DagPutOptions {
  /** Codec the input is written in. Default `dag-json`. */
  inputCodec?: string
  /** Codec the stored block is encoded with. Default `dag-cbor`. */
  storeCodec?: string
  /** Multihash function (Kubo name). Default `sha2-256` (the core passes `Import.HashFunction`). */
  hash?: string
  /** Accept a block over {@link MAX_BLOCK_SIZE}. Default false. */
  allowBigBlock?: boolean
}

/**
 * Parses `input` with the input codec and encodes it with the store codec into a CIDv1 block.
 * Invalid input → `InvalidArgumentError` carrying the parser's message; a value the store codec
 * cannot express (e.g. a non dag-pb shaped node for `dag-pb`) → `InvalidArgumentError`.
 */
export function dagPut (input: Uint8Array, options: DagPutOptions = {}): Block {
  const inputCodec = codecByName(options.inputCodec ?? 'dag-json')
  const storeCodec = codecByName(options.storeCodec ?? 'dag-cbor')
  const hasher = hasherByName(options.hash ?? 'sha2-256')

  let value: unknown
  try {
    value = inputCodec.decode(input)
  } catch (err) {
    if ((err as Error).name === NestingTooDeepError.name) throw err
    throw new InvalidArgumentError(`invalid ${inputCodec.name} input: ${messageOf(err)}`, { cause: err })
  }
  let bytes: Uint8Array
  try {
    bytes = storeCodec.encode(value)
  } catch (err) {
    throw new InvalidArgumentError(`cannot encode the input as ${storeCodec.name}: ${messageOf(err)}`, { cause: err })
  }
  checkBlockSize(bytes.length, options.allowBigBlock)
  return { cid: CID.createV1(storeCodec.code, hashBytes(bytes, hasher)), bytes }
}

/** Options of {@link blockPut} (Kubo's `block put`). */
export interface BlockPutOptions {
  /** Codec named in the returned CID (the bytes are not checked against it). Default `raw`. */
  cidCodec?: string
  /** Multihash function (Kubo name). Default `sha2-256` (the core passes `Import.HashFunction`). */
  mhtype?: string
  /** Digest length in bytes, truncating the hash; -1 for the full digest. Default -1. */
  mhlen?: number
  /**
   * Deprecated legacy format: `v0` gives a CIDv0 (dag-pb, sha2-256); `protobuf` means dag-pb and
   * `cbor` dag-cbor; any other value is a codec name. Cannot be combined with a `cidCodec` other
   * than `raw`.
   */
  format?: string
  /** Accept a block over {@link MAX_BLOCK_SIZE}. Default false. */
  allowBigBlock?: boolean
}

/** Hashes `bytes` as they are into a block (CIDv1 `raw` by default). */
export function blockPut (bytes: Uint8Array, options: BlockPutOptions = {}): Block {
  let version: 0 | 1 = 1
  let codecName = options.cidCodec ?? 'raw'
  const mhlen = options.mhlen ?? -1
  if (options.format != null && options.format !== '') {
    if (options.cidCodec != null && options.cidCodec !== '' && options.cidCodec !== 'raw') {
      throw new InvalidArgumentError('unable to use "format" (deprecated) and a custom "cid-codec" at the same time')
    }
    const format = options.format
    version = format === 'v0' ? 0 : 1
    codecName = format === 'v0' || format === 'protobuf' ? 'dag-pb' : format === 'cbor' ? 'dag-cbor' : format
  }
  const codec = codecByName(codecName)
  const hasher = hasherByName(options.mhtype ?? 'sha2-256')
  if (version === 0 && (hasher.code !== SHA2_256 || (mhlen !== -1 && mhlen !== 32))) {
    throw new InvalidArgumentError('only sha2-256 with a 32-byte digest is allowed with CIDv0 (--format=v0)')
  }
  checkBlockSize(bytes.length, options.allowBigBlock)
  const digest = hashBytes(bytes, hasher, mhlen)
  const cid = version === 0 ? CID.createV0(digest as Parameters<typeof CID.createV0>[0]) : CID.createV1(codec.code, digest)
  return { cid, bytes }
}

function checkBlockSize (size: number, allowBigBlock = false): void {
  if (!allowBigBlock && size > MAX_BLOCK_SIZE) {
    throw new BlockTooBigError(`produced block is ${size} bytes, over the ${MAX_BLOCK_SIZE}-byte limit: big blocks can't be exchanged with other peers. Use UnixFS (add) to chunk large data, or pass --allow-big-block to override`)
  }
}

// --- data-model helpers ---

/** True for a data-model map (not a list, bytes or a link). */
export function isMap (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array) && CID.asCID(value) == null
}

/** The data-model kind of a value, as error messages name it. */
export function kindOf (value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return 'bytes'
  if (CID.asCID(value) != null) return 'a link'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  return `a ${typeof value}`
}

function assertPlain (value: unknown, codec: string, noBytes: boolean): void {
  if (CID.asCID(value) != null) {
    throw new TypeError(`${codec} cannot encode links; use dag-${codec}`)
  }
  if (value instanceof Uint8Array) {
    if (noBytes) throw new TypeError(`${codec} cannot encode bytes; use dag-${codec}`)
    return
  }
  if (Array.isArray(value)) {
    for (const v of value) assertPlain(v, codec, noBytes)
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) assertPlain(v, codec, noBytes)
  }
}

/**
 * Checks that a data-model value has dag-pb's shape — a map with optional `Data` (bytes) and
 * `Links` (a list of maps with `Hash` (link), optional `Name` (string), optional `Tsize` (int)) —
 * and returns it as a PBNode with its links in dag-pb's canonical (name) order.
 */
function toPBNode (value: unknown): dagPb.PBNode {
  if (!isMap(value)) {
    throw new TypeError(`a dag-pb node must be a map with Data and Links, not ${kindOf(value)}`)
  }
  for (const key of Object.keys(value)) {
    if (key !== 'Data' && key !== 'Links') {
      throw new TypeError(`a dag-pb node has only Data and Links fields, not ${JSON.stringify(key)}`)
    }
  }
  const node: { Data?: Uint8Array, Links: dagPb.PBLink[] } = { Links: [] }
  if (value.Data !== undefined) {
    if (!(value.Data instanceof Uint8Array)) {
      throw new TypeError(`dag-pb Data must be bytes, not ${kindOf(value.Data)}`)
    }
    node.Data = value.Data
  }
  if (value.Links !== undefined) {
    if (!Array.isArray(value.Links)) {
      throw new TypeError(`dag-pb Links must be a list, not ${kindOf(value.Links)}`)
    }
    node.Links = value.Links.map((link: unknown, i: number) => toPBLink(link, i))
  }
  return dagPb.prepare(node)
}

function toPBLink (value: unknown, i: number): dagPb.PBLink {
  if (!isMap(value)) throw new TypeError(`dag-pb link ${i} must be a map, not ${kindOf(value)}`)
  for (const key of Object.keys(value)) {
    if (key !== 'Hash' && key !== 'Name' && key !== 'Tsize') {
      throw new TypeError(`dag-pb link ${i} has only Hash, Name and Tsize fields, not ${JSON.stringify(key)}`)
    }
  }
  const hash = CID.asCID(value.Hash)
  if (hash == null) throw new TypeError(`dag-pb link ${i} needs Hash to be a link`)
  const link: dagPb.PBLink = { Hash: hash }
  if (value.Name !== undefined) {
    if (typeof value.Name !== 'string') throw new TypeError(`dag-pb link ${i}: Name must be a string`)
    link.Name = value.Name
  }
  if (value.Tsize !== undefined) {
    const tsize = typeof value.Tsize === 'bigint' ? Number(value.Tsize) : value.Tsize
    if (typeof tsize !== 'number' || !Number.isSafeInteger(tsize) || tsize < 0) {
      throw new TypeError(`dag-pb link ${i}: Tsize must be a non-negative integer`)
    }
    link.Tsize = tsize
  }
  return link
}
