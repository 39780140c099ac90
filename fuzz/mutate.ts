/**
 * Mutation arbitraries: valid seeds (real CIDs, real blocks, real CARs) damaged a few edits at a
 * time. Purely random bytes rarely get past a decoder's first check; a valid message with one
 * length prefix, one varint or one character changed reaches the code behind it.
 *
 * The edits are generated as data (kind, position, bytes) and applied with `map`, so fast-check
 * shrinks a failing input towards fewer and smaller edits of the same seed.
 */
import * as fc from 'fast-check'

/** Bytes that sit on the edges of the formats: varint continuation, sign bits, CBOR majors. */
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x22, 0x9f, 0xbf, 0xd8, 0x2a, 0xf6, 0xfb]

/** Byte runs that break length fields: a 10-byte varint, 2^31, 2^53, CBOR indefinite length. */
const INTERESTING_RUNS: readonly number[][] = [
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x08],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
  [0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x9f, 0x9f, 0x9f, 0x9f],
  [0x00, 0x00, 0x00, 0x00]
]

/** One edit, positions as fractions of the current length so they stay valid as the input shrinks. */
type ByteEdit =
  | { kind: 'flip', at: number, bit: number }
  | { kind: 'set', at: number, byte: number }
  | { kind: 'insert', at: number, bytes: number[] }
  | { kind: 'delete', at: number, length: number }
  | { kind: 'truncate', at: number }
  | { kind: 'duplicate', at: number, length: number }

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.oneof(fc.constantFrom(...INTERESTING_RUNS), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }))
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 64 }) })
)

function applyByteEdit (bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const at = Math.floor(edit.at * bytes.length)
  switch (edit.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes
      const out = bytes.slice()
      out[at] ^= 1 << edit.bit
      return out
    }
    case 'set': {
      if (bytes.length === 0) return Uint8Array.of(edit.byte)
      const out = bytes.slice()
      out[at] = edit.byte
      return out
    }
    case 'insert': {
      const out = new Uint8Array(bytes.length + edit.bytes.length)
      out.set(bytes.subarray(0, at))
      out.set(edit.bytes, at)
      out.set(bytes.subarray(at), at + edit.bytes.length)
      return out
    }
    case 'delete': {
      const out = new Uint8Array(bytes.length - Math.min(edit.length, bytes.length - at))
      out.set(bytes.subarray(0, at))
      out.set(bytes.subarray(at + edit.length), at)
      return out
    }
    case 'truncate':
      return bytes.slice(0, at)
    case 'duplicate': {
      const piece = bytes.subarray(at, at + edit.length)
      const out = new Uint8Array(bytes.length + piece.length)
      out.set(bytes.subarray(0, at + piece.length))
      out.set(piece, at + piece.length)
      out.set(bytes.subarray(at + piece.length), at + 2 * piece.length)
      return out
    }
  }
}

/** Seeds with 1 to `maxEdits` byte edits applied. */
export function mutatedBytes (seeds: readonly Uint8Array[], maxEdits = 6): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('mutatedBytes needs at least one seed')
  return fc.tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: maxEdits }))
    .map(([seed, edits]) => edits.reduce(applyByteEdit, seed))
}

/**
 * The usual byte input of a target: the seeds as they are, mutated seeds (most inputs), and
 * random bytes.
 */
export function bytesFrom (seeds: readonly Uint8Array[], options: { maxRandomLength?: number } = {}): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
    { arbitrary: mutatedBytes(seeds), weight: 8 },
    { arbitrary: fc.uint8Array({ maxLength: options.maxRandomLength ?? 256 }), weight: 2 }
  )
}

/** Characters that matter to the text formats here: separators, escapes, controls, lone surrogates. */
const INTERESTING_CHARS = ['/', '%', '.', '..', '\\', '\u0000', '\r\n', ';', '=', ',', '"', ' ', '-', ':', '?', '#', '\ud800', '\udfff', 'é', '💥', '%00', '%ff', '%2f', 'ı', 'K']

type CharEdit =
  | { kind: 'set', at: number, text: string }
  | { kind: 'insert', at: number, text: string }
  | { kind: 'delete', at: number, length: number }
  | { kind: 'truncate', at: number }
  | { kind: 'repeat', at: number, length: number, times: number }

const someText = fc.oneof(fc.constantFrom(...INTERESTING_CHARS), fc.string({ maxLength: 4, unit: 'binary' }), fc.string({ maxLength: 4 }))

const charEdit: fc.Arbitrary<CharEdit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: position, text: someText }),
  fc.record({ kind: fc.constant('insert' as const), at: position, text: someText }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('repeat' as const), at: position, length: fc.integer({ min: 1, max: 8 }), times: fc.integer({ min: 2, max: 64 }) })
)

function applyCharEdit (text: string, edit: CharEdit): string {
  const at = Math.floor(edit.at * text.length)
  switch (edit.kind) {
    case 'set': return text.slice(0, at) + edit.text + text.slice(at + 1)
    case 'insert': return text.slice(0, at) + edit.text + text.slice(at)
    case 'delete': return text.slice(0, at) + text.slice(at + edit.length)
    case 'truncate': return text.slice(0, at)
    case 'repeat': return text.slice(0, at) + text.slice(at, at + edit.length).repeat(edit.times) + text.slice(at + edit.length)
  }
}

/** Seeds with 1 to `maxEdits` character edits applied. */
export function mutatedString (seeds: readonly string[], maxEdits = 4): fc.Arbitrary<string> {
  if (seeds.length === 0) throw new Error('mutatedString needs at least one seed')
  return fc.tuple(fc.constantFrom(...seeds), fc.array(charEdit, { minLength: 1, maxLength: maxEdits }))
    .map(([seed, edits]) => edits.reduce(applyCharEdit, seed))
}

/** The usual text input: the seeds, mutated seeds (most inputs), and random strings. */
export function stringsFrom (seeds: readonly string[], options: { maxRandomLength?: number } = {}): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
    { arbitrary: mutatedString(seeds), weight: 8 },
    { arbitrary: fc.string({ maxLength: options.maxRandomLength ?? 64, unit: 'binary' }), weight: 2 }
  )
}
