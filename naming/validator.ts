/**
 * Judges an IPNS record against its name, step by step in the order of the spec's "Record
 * Verification" (https://specs.ipfs.tech/ipns/ipns-record/#record-verification), each failure a
 * named error. The legacy V1 signature is never used to accept a record.
 */
import { publicKeyFromMultihash, publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import * as Digest from 'multiformats/hashes/digest'
import { equals } from 'uint8arrays/equals'
import {
  InvalidRecordError, RecordExpiredError, RecordKeyMismatchError, RecordMalformedError, RecordSignatureError,
  RecordSignatureMissingError, RecordTooLargeError, RecordV1MismatchError
} from '../errors/index.ts'
import { IpnsEntry } from './pb/ipns.js'
import { MAX_RECORD_SIZE, SIGNATURE_V2_PREFIX, decodeRecordData, multihashFromRoutingKey, unmarshalRecord } from './record.ts'
import type { IpnsRecord } from './record.ts'
import type { PublicKey } from '@libp2p/interface'

const IDENTITY = 0x00

/** Options of {@link validateRecord}. */
export interface ValidateOptions {
  /** The clock, in ms since the epoch (tests). Default `Date.now()`. */
  now?: number
}

/** The public key that signs for `name` (a multihash): inlined in the name, or embedded in the record and matching it. */
function publicKeyFor (name: Uint8Array, entry: IpnsEntry): PublicKey {
  let digest
  try {
    digest = Digest.decode(name)
  } catch (err) {
    throw new RecordKeyMismatchError('the IPNS name is not a multihash', { cause: err })
  }
  let embedded: PublicKey | undefined
  if (entry.pubKey != null && entry.pubKey.length > 0) {
    try {
      embedded = publicKeyFromProtobuf(entry.pubKey)
    } catch (err) {
      throw new RecordMalformedError('the record\'s pubKey is not a libp2p public key', { cause: err })
    }
  }
  if (digest.code === IDENTITY) {
    let inlined: PublicKey
    try {
      inlined = publicKeyFromMultihash(digest as Digest.Digest<0, number>)
    } catch (err) {
      throw new RecordKeyMismatchError('the IPNS name does not inline a public key', { cause: err })
    }
    if (embedded != null && !embedded.equals(inlined)) {
      throw new RecordKeyMismatchError('the record\'s embedded pubKey is not the key of the name')
    }
    return inlined
  }
  if (embedded == null) {
    throw new RecordKeyMismatchError('the name does not inline its key and the record embeds none')
  }
  if (!equals(embedded.toMultihash().bytes, name)) {
    throw new RecordKeyMismatchError('the record\'s embedded pubKey is not the key of the name')
  }
  return embedded
}

/** Step 5: every V1 field present must equal its signed CBOR counterpart (absent fields read as Go's zero values). */
function checkV1Fields (entry: IpnsEntry): void {
  if ((entry.signatureV1 == null || entry.signatureV1.length === 0) && (entry.value == null || entry.value.length === 0)) return
  const data = decodeRecordData(entry.data ?? new Uint8Array())
  const mismatch = (field: string): never => {
    throw new RecordV1MismatchError(`the record's V1 ${field} differs from its signed data`)
  }
  if (!equals(entry.value ?? new Uint8Array(), data.Value)) mismatch('value')
  if (!equals(entry.validity ?? new Uint8Array(), data.Validity)) mismatch('validity')
  const validityType = entry.validityType == null || entry.validityType === IpnsEntry.ValidityType.EOL ? 0 : -1
  if (validityType !== Number(data.ValidityType)) mismatch('validityType')
  if ((entry.sequence ?? 0n) !== BigInt(data.Sequence)) mismatch('sequence')
  if ((entry.ttl ?? 0n) !== BigInt(data.TTL)) mismatch('ttl')
}

/**
 * Validates a marshalled record for the name `name` (binary multihash) and returns it decoded.
 * Throws, in the spec's order: `RecordTooLargeError`, `RecordMalformedError` (not a record),
 * `RecordSignatureMissingError` (no V2 signature or data: V1-only), `RecordKeyMismatchError`,
 * `RecordSignatureError`, `RecordV1MismatchError`, `RecordExpiredError`.
 */
export async function validateRecord (name: Uint8Array, bytes: Uint8Array, options: ValidateOptions = {}): Promise<IpnsRecord> {
  if (bytes.length > MAX_RECORD_SIZE) {
    throw new RecordTooLargeError(`record is ${bytes.length} bytes, above the ${MAX_RECORD_SIZE}-byte limit`)
  }
  let entry: IpnsEntry
  try {
    entry = IpnsEntry.decode(bytes)
  } catch (err) {
    throw new RecordMalformedError('record is not an IpnsEntry protobuf', { cause: err })
  }
  if (entry.signatureV2 == null || entry.signatureV2.length === 0 || entry.data == null || entry.data.length === 0) {
    throw new RecordSignatureMissingError('record has no V2 signature or data (V1-only records are refused)')
  }
  const key = publicKeyFor(name, entry)
  const signed = new Uint8Array(SIGNATURE_V2_PREFIX.length + entry.data.length)
  signed.set(SIGNATURE_V2_PREFIX)
  signed.set(entry.data, SIGNATURE_V2_PREFIX.length)
  let verified = false
  try {
    verified = await key.verify(signed, entry.signatureV2)
  } catch {
    verified = false
  }
  if (!verified) throw new RecordSignatureError('the record\'s V2 signature does not verify against the name\'s key')
  checkV1Fields(entry)
  const record = unmarshalRecord(bytes)
  if (Number(decodeRecordData(entry.data).ValidityType) !== 0) {
    throw new RecordMalformedError('record has an unknown validity type (only EOL is defined)')
  }
  const nowNs = BigInt(Math.floor(options.now ?? Date.now())) * 1_000_000n
  if (record.validityNs <= nowNs) {
    throw new RecordExpiredError(`record expired at ${record.validity}`)
  }
  return record
}

/** The DHT's `/ipns/` validator: `key` is `/ipns/` + the binary multihash of the name. */
export async function validateIpnsRoutingRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  const name = multihashFromRoutingKey(key)
  if (name == null) throw new InvalidRecordError('key is not an /ipns/ routing key')
  await validateRecord(name, value)
}
