/**
 * The multihash functions the blockstore can verify a block with. sha2-256 (nearly every CID)
 * and the other functions Node ships go through `node:crypto`; keccak, blake3 and the sized
 * blake2 variants come from `@noble/hashes`.
 */
import { createHash } from 'node:crypto'
import { blake2b, blake2s } from '@noble/hashes/blake2.js'
import { blake3 } from '@noble/hashes/blake3.js'
import { keccak_224, keccak_256, keccak_384, keccak_512 } from '@noble/hashes/sha3.js'
import { UnsupportedHashError } from '../errors/index.ts'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** Multihash code of the identity "hash": the digest is the block itself. */
export const IDENTITY_CODE = 0x00
/** Multihash code of sha2-256. */
export const SHA2_256_CODE = 0x12

/** A hash function: the full digest of `bytes`, or `size` bytes of it for extendable outputs. */
type HashFn = (bytes: Uint8Array, size: number) => Uint8Array

const nodeHash = (algorithm: string): HashFn =>
  (bytes) => createHash(algorithm).update(bytes).digest()

const FIXED: ReadonlyMap<number, HashFn> = new Map<number, HashFn>([
  [0x11, nodeHash('sha1')],
  [0x12, nodeHash('sha256')],
  [0x13, nodeHash('sha512')],
  [0x20, nodeHash('sha384')],
  [0x14, nodeHash('sha3-512')],
  [0x15, nodeHash('sha3-384')],
  [0x16, nodeHash('sha3-256')],
  [0x17, nodeHash('sha3-224')],
  [0x1a, (bytes) => keccak_224(bytes)],
  [0x1b, (bytes) => keccak_256(bytes)],
  [0x1c, (bytes) => keccak_384(bytes)],
  [0x1d, (bytes) => keccak_512(bytes)],
  [0x1e, (bytes, size) => blake3(bytes, { dkLen: size })],
  [0xb240, nodeHash('blake2b512')],
  [0xb260, nodeHash('blake2s256')]
])

/** blake2b-8 … blake2b-512 are 0xb201…0xb240 and blake2s-8 … blake2s-256 are 0xb241…0xb260. */
function hashFunction (code: number): HashFn | undefined {
  const fixed = FIXED.get(code)
  if (fixed != null) return fixed
  if (code > 0xb200 && code < 0xb240) {
    const dkLen = code - 0xb200
    return (bytes) => blake2b(bytes, { dkLen })
  }
  if (code > 0xb240 && code < 0xb260) {
    const dkLen = code - 0xb240
    return (bytes) => blake2s(bytes, { dkLen })
  }
  return undefined
}

/** True when blocks addressed with this multihash code can be verified (identity included). */
export function isSupportedHash (code: number): boolean {
  return code === IDENTITY_CODE || hashFunction(code) != null
}

/** Throws `UnsupportedHashError` unless blocks with this multihash can be verified. */
export function assertSupportedHash (multihash: MultihashDigest): void {
  if (!isSupportedHash(multihash.code)) {
    throw new UnsupportedHashError(`multihash code 0x${multihash.code.toString(16)} is not supported: ` +
      'blocks hashed with it cannot be verified (use sha2-256, sha2-512, sha3-*, keccak-*, blake2b-*, blake2s-* or blake3)')
  }
}

/**
 * True when `bytes` hash to `multihash`. A digest shorter than the function's output is a
 * truncated hash and compared as a prefix. Throws `UnsupportedHashError` for unknown codes.
 */
export function matchesMultihash (multihash: MultihashDigest, bytes: Uint8Array): boolean {
  const expected = multihash.digest
  if (multihash.code === IDENTITY_CODE) {
    return Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)
      .equals(bytes)
  }
  const fn = hashFunction(multihash.code)
  if (fn == null) {
    assertSupportedHash(multihash)
    return false
  }
  const actual = fn(bytes, expected.byteLength)
  if (actual.byteLength < expected.byteLength) return false
  return Buffer.from(actual.buffer, actual.byteOffset, expected.byteLength)
    .equals(expected)
}
