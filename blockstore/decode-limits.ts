/**
 * Limits on what outside bytes may make this node decode: the nesting depth of dag-cbor, cbor,
 * dag-json and json values, and the size of an identity CID's digest.
 *
 * ## Nesting depth
 *
 * Their decoders (and the encoders, walkers and printers that take the decoded value) recurse
 * once per level, so a block of a few kilobytes nested ten thousand deep overflows the stack: a
 * `RangeError` that surfaced as a 500. The check here runs before decoding, as one linear scan
 * of the bytes that keeps only a counter per open level (no recursion, no allocation per item),
 * and refuses a value nested deeper than {@link MAX_DECODE_DEPTH} with `NestingTooDeepError`.
 *
 * Anything else malformed is left for the decoder to refuse with its own message.
 */
import type { CID } from 'multiformats/cid'
import { InvalidCIDError, NestingTooDeepError } from '../errors/index.ts'

/**
 * The largest identity multihash digest accepted, as Kubo's `verifcid` (128 bytes): an identity
 * CID carries its block inside it, and a bigger one is a block smuggled past every size check.
 */
export const MAX_IDENTITY_DIGEST_SIZE = 128

/** The multihash code of the identity "hash". */
const IDENTITY_CODE = 0x00

/**
 * The one identity-digest check: CIDs parsed from text (CLI and RPC arguments, gateway paths),
 * blocks of an imported CAR, and identity CIDs met while reading a DAG all go through it.
 *
 * @throws InvalidCIDError for an identity CID whose digest is over {@link MAX_IDENTITY_DIGEST_SIZE}
 */
export function checkIdentityDigest (cid: CID): CID {
  const { code, digest } = cid.multihash
  if (code === IDENTITY_CODE && digest.length > MAX_IDENTITY_DIGEST_SIZE) {
    throw new InvalidCIDError(`identity CID digest is ${digest.length} bytes, over the ${MAX_IDENTITY_DIGEST_SIZE}-byte limit (a bigger block must be hashed)`)
  }
  return cid
}

/**
 * How deep lists and maps may nest in a decoded value. The decoders and `@ipld/dag-json`'s
 * encoder overflow Node's default stack at about 5,000 levels; real data rarely passes 50.
 */
export const MAX_DECODE_DEPTH = 1024

function tooDeep (codec: string, limit: number): NestingTooDeepError {
  return new NestingTooDeepError(`the ${codec} value is nested more than ${limit} levels deep, which this node does not decode`)
}

/**
 * Checks the nesting depth of a CBOR (dag-cbor) item and returns the bytes unchanged.
 *
 * @throws NestingTooDeepError when lists and maps nest deeper than `limit`
 */
export function checkCborNesting (bytes: Uint8Array, limit = MAX_DECODE_DEPTH, codec = 'dag-cbor'): Uint8Array {
  // items still expected at each open list or map
  const open: number[] = []
  let i = 0
  while (i < bytes.length) {
    const head = bytes[i++]
    const major = head >> 5
    const info = head & 0x1f
    let argument: number
    if (info < 24) {
      argument = info
    } else if (info === 24) {
      argument = bytes[i]
      i += 1
    } else if (info === 25) {
      argument = (bytes[i] << 8) | bytes[i + 1]
      i += 2
    } else if (info === 26) {
      argument = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3]
      i += 4
    } else if (info === 27) {
      argument = (((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3]) * 2 ** 32 +
        ((bytes[i + 4] << 24) >>> 0) + (bytes[i + 5] << 16) + (bytes[i + 6] << 8) + bytes[i + 7]
      i += 8
    } else {
      // indefinite lengths and reserved values: the decoder refuses them
      return bytes
    }
    if (major === 6) continue // a tag annotates the item after it
    if (open.length > 0) open[open.length - 1]--
    if (major === 2 || major === 3) {
      i += argument
    } else if ((major === 4 || major === 5) && argument > 0) {
      open.push(major === 5 ? argument * 2 : argument)
      if (open.length > limit) throw tooDeep(codec, limit)
      continue
    }
    while (open.length > 0 && open[open.length - 1] <= 0) open.pop()
  }
  return bytes
}

const OPEN_ARRAY = 0x5b
const OPEN_OBJECT = 0x7b
const CLOSE_ARRAY = 0x5d
const CLOSE_OBJECT = 0x7d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Checks the nesting depth of a JSON (dag-json) document and returns the bytes unchanged.
 *
 * @throws NestingTooDeepError when arrays and objects nest deeper than `limit`
 */
export function checkJsonNesting (bytes: Uint8Array, limit = MAX_DECODE_DEPTH, codec = 'dag-json'): Uint8Array {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (inString) {
      if (byte === BACKSLASH) i++
      else if (byte === QUOTE) inString = false
      continue
    }
    if (byte === QUOTE) {
      inString = true
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) throw tooDeep(codec, limit)
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--
    }
  }
  return bytes
}
