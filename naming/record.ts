/**
 * IPNS names and records as the IPNS record spec defines them
 * (https://specs.ipfs.tech/ipns/ipns-record/): parsing and printing names, the DHT routing key,
 * the signed DAG-CBOR `data`, and making a record (V2 signature plus the legacy V1 fields, as
 * Kubo's `--v1compat`). Judging a record is `validator.ts`; choosing among several, `selector.ts`.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { bases } from 'multiformats/basics'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidArgumentError, InvalidIpnsNameError, RecordMalformedError } from '../errors/index.ts'
import { IpnsEntry } from './pb/ipns.js'
import type { PrivateKey } from '@libp2p/interface'
import type { MultibaseCodec } from 'multiformats/bases/interface'

/** The multicodec of a CID that names a key (`libp2p-key`). */
export const LIBP2P_KEY_CODEC = 0x72
/** The largest record the spec allows (boxo `MaxRecordSize`, 10 KiB). */
export const MAX_RECORD_SIZE = 10 << 10
/** What the V2 signature signs before the data bytes. */
export const SIGNATURE_V2_PREFIX = new TextEncoder().encode('ipns-signature:')
/** The DHT namespace of IPNS records. */
export const IPNS_NAMESPACE = '/ipns/'
/** Default record lifetime (Kubo `--lifetime`, boxo `DefaultRecordLifetime`): 48 h. */
export const DEFAULT_RECORD_LIFETIME_MS = 48 * 3600_000
/** Default record TTL (Kubo `--ttl`, boxo `DefaultRecordTTL` since Kubo 0.34): 5 min. */
export const DEFAULT_RECORD_TTL_MS = 5 * 60_000

const IDENTITY = 0x00
const SHA2_256 = 0x12
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const NAMESPACE_BYTES = encoder.encode(IPNS_NAMESPACE)

/** A decoded, not yet validated IPNS record: the signed CBOR data plus the protobuf fields. */
export interface IpnsRecord {
  /** The path the name points at, e.g. `/ipfs/bafy…` (from the signed data). */
  value: string
  /** The EOL as the record writes it (RFC 3339). */
  validity: string
  /** The EOL in nanoseconds since the epoch, for exact comparison. */
  validityNs: bigint
  sequence: bigint
  /** Cache hint, in nanoseconds. */
  ttl: bigint
  /** The embedded public key (protobuf), when the name cannot inline it. */
  pubKey?: Uint8Array
  signatureV2: Uint8Array
  data: Uint8Array
  /** The protobuf entry as decoded (V1 fields included). */
  entry: IpnsEntry
  /** The marshalled record. */
  bytes: Uint8Array
}

/** The printed form of a name: `base36` (default, `k51…`) or any multibase name; `base58btc` prints the peer ID. */
export type NameBase = string

/** The multihash of an IPNS name given as a libp2p-key CID (any multibase) or a peer ID (`12D3…`, `Qm…`). */
export function parseIpnsName (name: string): Uint8Array {
  const text = name.startsWith(IPNS_NAMESPACE) ? name.slice(IPNS_NAMESPACE.length).split('/')[0] : name
  try {
    if (text.startsWith('1') || text.startsWith('Q')) {
      const bytes = base58btc.baseDecode(text)
      Digest.decode(bytes)
      return bytes
    }
    const codec = Object.values(bases).find(b => b.prefix === text[0])
    if (codec == null) throw new Error(`unknown multibase prefix "${text[0]}"`)
    const cid = CID.decode(codec.decode(text))
    if (cid.code !== LIBP2P_KEY_CODEC) throw new Error(`CID codec is 0x${cid.code.toString(16)}, not libp2p-key (0x72)`)
    return cid.multihash.bytes
  } catch (err) {
    throw new InvalidIpnsNameError(`"${text}" is not an IPNS name (a libp2p-key CID or a peer ID): ${(err as Error).message}`, { cause: err })
  }
}

/** True when the multihash is one a key can hash to: identity (inlined key) or sha2-256. */
export function isKeyMultihash (multihash: Uint8Array): boolean {
  try {
    const code = Digest.decode(multihash).code
    return code === IDENTITY || code === SHA2_256
  } catch {
    return false
  }
}

/** Prints a name: CIDv1 libp2p-key in base36 by default; `base58btc` gives the peer-ID form, as Kubo's `--ipns-base`. */
export function formatIpnsName (multihash: Uint8Array, base: NameBase = 'base36'): string {
  if (base === 'base58btc' || base === 'b58mh') return base58btc.baseEncode(multihash)
  const cid = CID.createV1(LIBP2P_KEY_CODEC, Digest.decode(multihash))
  if (base === 'base36') return cid.toString(base36)
  const codec = (bases as Record<string, MultibaseCodec<string>>)[base]
  if (codec == null) throw new InvalidArgumentError(`unknown multibase "${base}" (try base36, base32, base58btc)`)
  return cid.toString(codec.encoder)
}

/** The DHT key of a name: `/ipns/` followed by the binary multihash. */
export function ipnsRoutingKey (multihash: Uint8Array): Uint8Array {
  const key = new Uint8Array(NAMESPACE_BYTES.length + multihash.length)
  key.set(NAMESPACE_BYTES)
  key.set(multihash, NAMESPACE_BYTES.length)
  return key
}

/** The multihash of a `/ipns/` routing key, or undefined when the key is not one. */
export function multihashFromRoutingKey (key: Uint8Array): Uint8Array | undefined {
  if (key.length <= NAMESPACE_BYTES.length) return undefined
  for (let i = 0; i < NAMESPACE_BYTES.length; i++) {
    if (key[i] !== NAMESPACE_BYTES[i]) return undefined
  }
  return key.subarray(NAMESPACE_BYTES.length)
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/

/** Parses an RFC 3339 time with up to nanosecond precision into nanoseconds since the epoch. */
export function parseRfc3339 (text: string): bigint {
  const m = RFC3339.exec(text)
  if (m == null) throw new RecordMalformedError(`validity "${text}" is not an RFC 3339 time`)
  const [, y, mo, d, h, mi, s, frac = '', zone] = m
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000
  }
  if (Number.isNaN(ms)) throw new RecordMalformedError(`validity "${text}" is not a valid time`)
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0'))
}

/** Formats a time as Go's RFC3339Nano does (UTC, trailing zeros of the fraction dropped). */
export function formatRfc3339 (ns: bigint): string {
  const ms = ns / 1_000_000n
  const iso = new Date(Number(ms)).toISOString().slice(0, 19)
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
  return `${iso}${fraction === '' ? '' : '.' + fraction}Z`
}

interface RecordData {
  Value: Uint8Array
  Validity: Uint8Array
  ValidityType: number | bigint
  Sequence: number | bigint
  TTL: number | bigint
}

const isUint = (v: unknown): v is number | bigint => (typeof v === 'bigint' && v >= 0n) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)

/** Decodes and type-checks the signed DAG-CBOR `data` (unknown keys are ignored, as the spec says). */
export function decodeRecordData (data: Uint8Array): RecordData {
  let decoded: unknown
  try {
    decoded = dagCbor.decode(data)
  } catch (err) {
    throw new RecordMalformedError('record data is not DAG-CBOR', { cause: err })
  }
  const d = decoded as Partial<RecordData> | null
  if (d == null || typeof d !== 'object' || !(d.Value instanceof Uint8Array) || !(d.Validity instanceof Uint8Array) ||
    !isUint(d.ValidityType) || !isUint(d.Sequence) || !isUint(d.TTL)) {
    throw new RecordMalformedError('record data lacks Value, Validity, ValidityType, Sequence or TTL of the right types')
  }
  return d as RecordData
}

/** Decodes a marshalled record (protobuf, then its CBOR data) without judging it. */
export function unmarshalRecord (bytes: Uint8Array): IpnsRecord {
  let entry: IpnsEntry
  try {
    entry = IpnsEntry.decode(bytes)
  } catch (err) {
    throw new RecordMalformedError('record is not an IpnsEntry protobuf', { cause: err })
  }
  if (entry.data == null || entry.data.length === 0) {
    throw new RecordMalformedError('record has no data')
  }
  const data = decodeRecordData(entry.data)
  const validity = decoder.decode(data.Validity)
  return {
    value: decoder.decode(data.Value),
    validity,
    validityNs: Number(data.ValidityType) === 0 ? parseRfc3339(validity) : 0n,
    sequence: BigInt(data.Sequence),
    ttl: BigInt(data.TTL),
    pubKey: entry.pubKey,
    signatureV2: entry.signatureV2 ?? new Uint8Array(),
    data: entry.data,
    entry,
    bytes
  }
}

/** Options of {@link createRecord}. */
export interface CreateRecordOptions {
  /** Cache hint in nanoseconds. Default {@link DEFAULT_RECORD_TTL_MS} (5 min). */
  ttlNs?: bigint
  /** Also write the legacy V1 fields and signature (Kubo's `--v1compat`). Default true. */
  v1Compatible?: boolean
  /** The clock, in ms since the epoch (tests). Default `Date.now()`. */
  now?: number
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/**
 * Makes and signs a record pointing `key`'s name at `value` (a path like `/ipfs/bafy…`), valid
 * for `lifetimeMs`. Keys that cannot be inlined in the name (RSA) are embedded in `pubKey`.
 */
export async function createRecord (key: PrivateKey, value: string, sequence: bigint, lifetimeMs: number, options: CreateRecordOptions = {}): Promise<Uint8Array> {
  const ttl = options.ttlNs ?? BigInt(DEFAULT_RECORD_TTL_MS) * 1_000_000n
  const eolNs = BigInt(Math.round((options.now ?? Date.now()) + lifetimeMs)) * 1_000_000n
  const validity = encoder.encode(formatRfc3339(eolNs))
  const valueBytes = encoder.encode(value)
  const data = dagCbor.encode({ Value: valueBytes, Validity: validity, ValidityType: 0, Sequence: sequence, TTL: ttl })
  const entry: Partial<IpnsEntry> = {
    signatureV2: await key.sign(concat(SIGNATURE_V2_PREFIX, data)) as Uint8Array<ArrayBuffer>,
    data: data as Uint8Array<ArrayBuffer>
  }
  if (options.v1Compatible ?? true) {
    entry.value = valueBytes as Uint8Array<ArrayBuffer>
    entry.validity = validity as Uint8Array<ArrayBuffer>
    entry.validityType = IpnsEntry.ValidityType.EOL
    entry.sequence = sequence
    entry.ttl = ttl
    entry.signatureV1 = await key.sign(concat(valueBytes, validity, encoder.encode('EOL'))) as Uint8Array<ArrayBuffer>
  }
  if (key.publicKey.toMultihash().code !== IDENTITY) {
    entry.pubKey = publicKeyToProtobuf(key.publicKey) as Uint8Array<ArrayBuffer>
  }
  return IpnsEntry.encode(entry)
}

/** The name (multihash) of a private key's public half. */
export function nameOfKey (key: PrivateKey): Uint8Array {
  return key.publicKey.toMultihash().bytes
}
