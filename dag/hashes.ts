/**
 * The hashers `add`, `dag put` and `block put` offer, by Kubo's names and by multicodec code, and
 * the check that a block's bytes hash to its CID.
 *
 * The hash functions themselves come from the one multihash registry in `blockstore/hashes.ts`
 * (sha2-256 through `node:crypto`, the hot path); this module picks the names a user may choose
 * and wraps them as multiformats hashers with Kubo's truncation and identity rules.
 *
 * @see https://github.com/multiformats/multicodec/blob/master/table.csv
 */
import * as Digest from 'multiformats/hashes/digest'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest, SyncMultihashHasher } from 'multiformats/hashes/interface'
import { BlockCorruptError, InvalidArgumentError, UnsupportedHashError } from '../errors/index.ts'
import { IDENTITY, hashFunctionByName, matchesMultihash } from '../blockstore/index.ts'
import { MAX_IDENTITY_DIGEST_SIZE, checkIdentityDigest } from '../blockstore/index.ts'

export { BLAKE2B_256, IDENTITY, SHA2_256, SHA2_512, SHA3_256, SHA3_512 } from '../blockstore/index.ts'

/** The largest identity multihash digest accepted, as Kubo's `verifcid` (128 bytes). */
export { MAX_IDENTITY_DIGEST_SIZE }

/** The shortest truncated digest accepted for a cryptographic hash, as Kubo's `verifcid`. */
export const MIN_DIGEST_SIZE = 20

/**
 * A synchronous multihash function. It is a multiformats `SyncMultihashHasher`, so it can be
 * handed to libraries that take one (e.g. the UnixFS importer's `hasher` option).
 */
export interface Hasher extends SyncMultihashHasher<number> {
  /** Kubo's name for it, e.g. `sha2-256`. */
  readonly name: string
  /** Its multicodec code. */
  readonly code: number
  /** The length of a full digest in bytes; `undefined` for identity (the input's length). */
  readonly size: number | undefined
  /** The raw digest bytes (no multihash prefix). */
  encode(bytes: Uint8Array): Uint8Array<ArrayBuffer>
  /** The multihash of `bytes`; `truncate` shortens the digest. */
  digest(bytes: Uint8Array, options?: { truncate?: number }): MultihashDigest<number>
}

function makeHasher (name: string): Hasher {
  const fn = hashFunctionByName(name)
  if (fn == null) throw new Error(`the multihash registry has no ${name}`)
  const { code, size } = fn
  // own the digest rather than keep a view into a pooled Buffer slab
  const encode = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(fn.digest(bytes))
  return {
    name,
    code,
    size,
    encode,
    digest (bytes: Uint8Array, options?: { truncate?: number }): MultihashDigest<number> {
      const digest = encode(bytes)
      const truncate = options?.truncate
      return Digest.create(code, truncate != null && truncate < digest.length ? digest.subarray(0, truncate) : digest)
    }
  }
}

/** The functions a user may name (Kubo's `--hash` choices). */
const HASHERS: readonly Hasher[] = ['identity', 'sha2-256', 'sha2-512', 'sha3-256', 'sha3-512', 'blake2b-256'].map(makeHasher)

const BY_NAME = new Map(HASHERS.map(h => [h.name, h]))
const BY_CODE = new Map(HASHERS.map(h => [h.code, h]))

/** Names of the supported multihash functions, in Kubo's spelling. */
export const HASH_NAMES: readonly string[] = HASHERS.map(h => h.name)

/** The hasher with Kubo's name `name` (e.g. `sha2-256`); throws `UnsupportedHashError`. */
export function hasherByName (name: string): Hasher {
  const hasher = BY_NAME.get(name)
  if (hasher == null) {
    throw new UnsupportedHashError(`unrecognized multihash function: ${JSON.stringify(name)}; supported: ${HASH_NAMES.join(', ')}`)
  }
  return hasher
}

/** The hasher for multihash code `code`; throws `UnsupportedHashError`. */
export function hasherByCode (code: number): Hasher {
  const hasher = BY_CODE.get(code)
  if (hasher == null) {
    throw new UnsupportedHashError(`unsupported multihash function 0x${code.toString(16)}; supported: ${HASH_NAMES.join(', ')}`)
  }
  return hasher
}

/**
 * The multihash of `bytes`. `length` truncates the digest (Kubo's `--mhlen`; -1 or undefined
 * means the full digest). Identity digests over {@link MAX_IDENTITY_DIGEST_SIZE} and truncations
 * below {@link MIN_DIGEST_SIZE} are refused, as Kubo refuses them.
 */
export function hashBytes (bytes: Uint8Array, hasher: Hasher | string = 'sha2-256', length = -1): MultihashDigest<number> {
  const h = typeof hasher === 'string' ? hasherByName(hasher) : hasher
  if (h.code === IDENTITY) {
    if (bytes.length > MAX_IDENTITY_DIGEST_SIZE) {
      throw new InvalidArgumentError(`identity digest too large: ${bytes.length} bytes, the limit is ${MAX_IDENTITY_DIGEST_SIZE}`)
    }
    if (length >= 0 && length !== bytes.length) {
      throw new InvalidArgumentError(`identity multihash length must equal the data length (${bytes.length}), got ${length}`)
    }
    return Digest.create(IDENTITY, bytes.slice())
  }
  const full = h.encode(bytes)
  if (length < 0 || length === full.length) {
    return Digest.create(h.code, full)
  }
  if (length > full.length) {
    throw new InvalidArgumentError(`${h.name} digests are ${full.length} bytes; cannot make a ${length}-byte multihash`)
  }
  if (length < MIN_DIGEST_SIZE) {
    throw new InvalidArgumentError(`digest too small: ${length} bytes, the minimum is ${MIN_DIGEST_SIZE}`)
  }
  return Digest.create(h.code, full.subarray(0, length))
}

/**
 * Throws `BlockCorruptError` unless `bytes` hash to the CID's multihash (for identity CIDs: the
 * digest is the bytes). Truncated digests are compared on their length. Throws
 * `UnsupportedHashError` for a hash function we cannot compute, and `InvalidCIDError` for an
 * identity CID over the digest limit (`checkIdentityDigest`). The check itself is the
 * blockstore's, so a block is judged the same way on every path.
 */
export function verifyBlock (cid: CID, bytes: Uint8Array): void {
  checkIdentityDigest(cid)
  const { code, digest } = cid.multihash
  // an empty digest matches nothing, except the identity CID of the empty block
  if ((digest.length === 0 && code !== IDENTITY) || !matchesMultihash(cid.multihash, bytes)) {
    const what = code === IDENTITY ? 'does not match its identity CID' : 'is corrupt: its bytes do not hash to its CID'
    throw new BlockCorruptError(`block ${cid.toString()} ${what}`)
  }
}
