/**
 * The multihash functions the importer can use, and block/CID construction.
 *
 * The functions themselves come from the one multihash registry (`blockstore/hashes.ts`, through
 * `dag/hashes.ts`; sha2-256 through `node:crypto`, the hot path).
 *
 * With more than one CPU, SHA-2 digests of large leaves can also run on libuv's thread pool
 * (`crypto.subtle.digest`, still OpenSSL): measured on 2 cores this imports 256 MiB about 1.25×
 * faster than hashing on the main thread, but it costs one more copy of each leaf, so on a
 * single CPU it is about 15% slower and is not offered.
 */
import { webcrypto } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { UnsupportedHashError } from '../../errors/index.ts'
import { hasherByName } from '../hashes.ts'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** Hash function names as Kubo spells them (`ipfs add --hash`). */
export type HashName = 'sha2-256' | 'sha2-512' | 'sha3-256' | 'sha3-512' | 'blake2b-256'

/** A multihash function: its multicodec code and a synchronous digest. */
export interface Hasher {
  name: HashName
  code: number
  digest(bytes: Uint8Array): Uint8Array
  /**
   * The same digest computed on libuv's thread pool (WebCrypto), when available: the calling
   * thread only copies the input, so large leaves hash on other cores while it chunks the next.
   */
  digestAsync?(bytes: Uint8Array): Promise<Uint8Array>
  /**
   * Blocks of at most this many bytes get an identity CID instead (CIDv1, the block's bytes in the
   * CID itself: Kubo's `add --inline`). Absent: never.
   */
  inlineLimit?: number
}

/** Whether this process may use more than one CPU (respects CPU affinity). */
const PARALLEL_HASHING = availableParallelism() > 1

/**
 * The importer's view of a hash function from the one registry in `dag/hashes.ts`, plus a
 * thread-pool digest for the SHA-2 functions WebCrypto offers.
 */
function importerHasher (name: HashName, webCryptoName?: string): Hasher {
  const base = hasherByName(name)
  const hasher: Hasher = { name, code: base.code, digest: (bytes) => base.encode(bytes) }
  if (webCryptoName != null && PARALLEL_HASHING) {
    hasher.digestAsync = async (bytes) => new Uint8Array(await webcrypto.subtle.digest(webCryptoName, bytes))
  }
  return hasher
}

const HASHERS: Record<HashName, Hasher> = {
  'sha2-256': importerHasher('sha2-256', 'SHA-256'),
  'sha2-512': importerHasher('sha2-512', 'SHA-512'),
  'sha3-256': importerHasher('sha3-256'),
  'sha3-512': importerHasher('sha3-512'),
  'blake2b-256': importerHasher('blake2b-256')
}

/** The hash functions the importer supports, by name. */
export const SUPPORTED_HASHES: readonly HashName[] = Object.freeze(Object.keys(HASHERS) as HashName[])

/** Looks up a hash function by its Kubo name; throws `UnsupportedHashError` for anything else. */
export function getHasher (name: string): Hasher {
  const hasher = (HASHERS as Record<string, Hasher | undefined>)[name]
  if (hasher == null) {
    throw new UnsupportedHashError(`unsupported hash function "${name}": use one of ${SUPPORTED_HASHES.join(', ')}`)
  }
  return hasher
}

/** multicodec codes of the two block codecs the importer writes (from the one table) */
export { DAG_PB as DAG_PB_CODE, RAW as RAW_CODE } from '../../blockstore/index.ts'

/** The CID of `bytes` under the given version, codec and hash (an identity CID if it is inlined). */
export function cidOf (bytes: Uint8Array, version: 0 | 1, codec: number, hasher: Hasher): CID {
  if (isInlined(bytes, hasher)) return inlineCid(bytes, codec)
  return cidFromDigest(hasher.digest(bytes), version, codec, hasher)
}

/** True when `bytes` is small enough to be inlined under `hasher.inlineLimit`. */
export function isInlined (bytes: Uint8Array, hasher: Hasher): boolean {
  return hasher.inlineLimit != null && bytes.byteLength <= hasher.inlineLimit
}

/** The identity CID holding `bytes`: always CIDv1 (CIDv0 is sha2-256 only), as Kubo's inline builder makes it. */
export function inlineCid (bytes: Uint8Array, codec: number): CID {
  return CID.createV1(codec, identity.digest(bytes))
}

/** The CID for an already computed digest. */
export function cidFromDigest (digest: Uint8Array, version: 0 | 1, codec: number, hasher: Hasher): CID {
  const multihash = Digest.create(hasher.code, digest)
  return version === 0 ? CID.createV0(multihash as Digest.Digest<0x12, number>) : CID.createV1(codec, multihash)
}

/**
 * The same hash function as a (synchronous) multiformats hasher, for code that expects one; an
 * inlined block's digest is the identity digest (the caller makes its CID a CIDv1).
 */
export function toMultihashHasher (hasher: Hasher): MultihashHasher {
  return {
    name: hasher.name,
    code: hasher.code,
    digest: (input: Uint8Array) => isInlined(input, hasher)
      ? identity.digest(input)
      : Digest.create(hasher.code, hasher.digest(input) as Uint8Array<ArrayBuffer>)
  } as MultihashHasher
}
