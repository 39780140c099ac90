/**
 * Multihash functions by Kubo's names and by multicodec code, and the check that a block's bytes
 * hash to its CID.
 *
 * sha2-256 is the hot path (every block added, imported or fetched) and goes through
 * `node:crypto`; the pure-JS @noble sha256 is ~8× slower and is never used for it. The rarer
 * functions come from @noble/hashes. All hashers are synchronous.
 *
 * @see https://github.com/multiformats/multicodec/blob/master/table.csv
 */
import { createHash } from 'node:crypto'
import { blake2b } from '@noble/hashes/blake2.js'
import { sha3_256 as nobleSha3256, sha3_512 as nobleSha3512 } from '@noble/hashes/sha3.js'
import * as Digest from 'multiformats/hashes/digest'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest, SyncMultihashHasher } from 'multiformats/hashes/interface'
import { BlockCorruptError, InvalidArgumentError, UnsupportedHashError } from '../errors/index.ts'
import { matchesMultihash } from '../blockstore/index.ts'
import { MAX_IDENTITY_DIGEST_SIZE, checkIdentityDigest } from './decode-limits.ts'

/** Multicodec codes of the supported multihash functions. */
export const IDENTITY = 0x00
export const SHA2_256 = 0x12
export const SHA2_512 = 0x13
export const SHA3_512 = 0x14
export const SHA3_256 = 0x16
export const BLAKE2B_256 = 0xb220

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

function nodeHash (algorithm: string): (bytes: Uint8Array) => Uint8Array<ArrayBuffer> {
  return bytes => {
    const out = createHash(algorithm).update(bytes).digest()
    // own the 32/64 bytes rather than keep a view into a pooled Buffer slab
    return new Uint8Array(out)
  }
}

function makeHasher (name: string, code: number, size: number | undefined, encode: (bytes: Uint8Array) => Uint8Array<ArrayBuffer>): Hasher {
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

const HASHERS: readonly Hasher[] = [
  makeHasher('identity', IDENTITY, undefined, bytes => bytes.slice()),
  makeHasher('sha2-256', SHA2_256, 32, nodeHash('sha256')),
  makeHasher('sha2-512', SHA2_512, 64, nodeHash('sha512')),
  makeHasher('sha3-256', SHA3_256, 32, bytes => nobleSha3256(bytes)),
  makeHasher('sha3-512', SHA3_512, 64, bytes => nobleSha3512(bytes)),
  makeHasher('blake2b-256', BLAKE2B_256, 32, bytes => blake2b(bytes, { dkLen: 32 }))
]

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
