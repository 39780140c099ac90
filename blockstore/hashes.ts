/**
 * The one multihash registry: every hash function Cairn can compute, by multicodec code and by
 * name, and the check that bytes match a multihash. The blockstore verifies blocks with it; `dag/`
 * builds its hashers (the names `add`, `dag put` and `block put` accept) from it.
 *
 * sha2-256 (nearly every CID) and the other functions Node ships go through `node:crypto`; the
 * pure-JS `@noble/hashes` sha256 is ~8× slower and is never used for them. keccak, blake3 and the
 * sized blake2 variants come from `@noble/hashes`. All functions are synchronous.
 *
 * @see https://github.com/multiformats/multicodec/blob/master/table.csv
 */
import { createHash } from 'node:crypto'
import { blake2b, blake2s } from '@noble/hashes/blake2.js'
import { blake3 } from '@noble/hashes/blake3.js'
import { keccak_224, keccak_256, keccak_384, keccak_512 } from '@noble/hashes/sha3.js'
import { UnsupportedHashError } from '../errors/index.ts'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import {
  BLAKE2B_MAX, BLAKE2B_MIN, BLAKE2S_MAX, BLAKE2S_MIN, BLAKE3, IDENTITY, KECCAK_224, KECCAK_256, KECCAK_384,
  KECCAK_512, SHA1, SHA2_256, SHA2_384, SHA2_512, SHA3_224, SHA3_256, SHA3_384, SHA3_512
} from './codes.ts'

/** A hash function of the registry. */
export interface HashFunction {
  /** Its multicodec name, e.g. `sha2-256` (Kubo spells them the same). */
  readonly name: string
  /** Its multicodec code. */
  readonly code: number
  /** The length of a full digest in bytes; `undefined` for identity (the input's length). */
  readonly size: number | undefined
  /** The digest of `bytes` (no multihash prefix); `size` bytes of it for extendable outputs (blake3). */
  digest(bytes: Uint8Array, size?: number): Uint8Array
}

function nodeHash (name: string, code: number, size: number, algorithm: string): HashFunction {
  return { name, code, size, digest: bytes => createHash(algorithm).update(bytes).digest() }
}

function nobleHash (name: string, code: number, size: number, fn: (bytes: Uint8Array) => Uint8Array): HashFunction {
  return { name, code, size, digest: bytes => fn(bytes) }
}

const FIXED: readonly HashFunction[] = [
  { name: 'identity', code: IDENTITY, size: undefined, digest: bytes => bytes.slice() },
  nodeHash('sha1', SHA1, 20, 'sha1'),
  nodeHash('sha2-256', SHA2_256, 32, 'sha256'),
  nodeHash('sha2-512', SHA2_512, 64, 'sha512'),
  nodeHash('sha2-384', SHA2_384, 48, 'sha384'),
  nodeHash('sha3-512', SHA3_512, 64, 'sha3-512'),
  nodeHash('sha3-384', SHA3_384, 48, 'sha3-384'),
  nodeHash('sha3-256', SHA3_256, 32, 'sha3-256'),
  nodeHash('sha3-224', SHA3_224, 28, 'sha3-224'),
  nobleHash('keccak-224', KECCAK_224, 28, keccak_224),
  nobleHash('keccak-256', KECCAK_256, 32, keccak_256),
  nobleHash('keccak-384', KECCAK_384, 48, keccak_384),
  nobleHash('keccak-512', KECCAK_512, 64, keccak_512),
  { name: 'blake3', code: BLAKE3, size: 32, digest: (bytes, size = 32) => blake3(bytes, { dkLen: size }) },
  nodeHash('blake2b-512', BLAKE2B_MAX, 64, 'blake2b512'),
  nodeHash('blake2s-256', BLAKE2S_MAX, 32, 'blake2s256')
]

const BY_CODE = new Map(FIXED.map(fn => [fn.code, fn]))
const BY_NAME = new Map(FIXED.map(fn => [fn.name, fn]))

/** blake2b-8 … blake2b-512 and blake2s-8 … blake2s-256: one code per digest byte. */
function blake2 (code: number): HashFunction | undefined {
  if (code >= BLAKE2B_MIN && code < BLAKE2B_MAX) {
    const dkLen = code - BLAKE2B_MIN + 1
    return { name: `blake2b-${dkLen * 8}`, code, size: dkLen, digest: bytes => blake2b(bytes, { dkLen }) }
  }
  if (code >= BLAKE2S_MIN && code < BLAKE2S_MAX) {
    const dkLen = code - BLAKE2S_MIN + 1
    return { name: `blake2s-${dkLen * 8}`, code, size: dkLen, digest: bytes => blake2s(bytes, { dkLen }) }
  }
  return undefined
}

/** The hash function with multicodec code `code`, or undefined when the registry has none. */
export function hashFunctionByCode (code: number): HashFunction | undefined {
  return BY_CODE.get(code) ?? blake2(code)
}

/** The hash function named `name` (multicodec spelling, e.g. `sha2-256`), or undefined. */
export function hashFunctionByName (name: string): HashFunction | undefined {
  const fixed = BY_NAME.get(name)
  if (fixed != null) return fixed
  const m = /^blake2([bs])-(\d+)$/.exec(name)
  if (m == null || Number(m[2]) % 8 !== 0) return undefined
  const fn = hashFunctionByCode((m[1] === 'b' ? BLAKE2B_MIN : BLAKE2S_MIN) + Number(m[2]) / 8 - 1)
  return fn?.name === name ? fn : undefined
}

/** True when blocks addressed with this multihash code can be verified (identity included). */
export function isSupportedHash (code: number): boolean {
  return hashFunctionByCode(code) != null
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
  if (multihash.code === IDENTITY) {
    return Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)
      .equals(bytes)
  }
  const fn = hashFunctionByCode(multihash.code)
  if (fn == null) {
    assertSupportedHash(multihash)
    return false
  }
  const actual = fn.digest(bytes, expected.byteLength)
  if (actual.byteLength < expected.byteLength) return false
  return Buffer.from(actual.buffer, actual.byteOffset, expected.byteLength)
    .equals(expected)
}
