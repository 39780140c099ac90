/** Byte streams for the streaming parsers: one input cut into chunks where a network might cut it. */
import * as fc from 'fast-check'

/** Cut points, as fractions of the input's length. */
export const cuts: fc.Arbitrary<number[]> = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 })

/** Yields `bytes` split at `fractions` (empty chunks included: a stream may yield them). */
export async function * chunked (bytes: Uint8Array, fractions: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (const cut of [...fractions.map(c => Math.floor(c * bytes.length)).sort((a, b) => a - b), bytes.length]) {
    if (cut < at) continue
    yield bytes.subarray(at, cut)
    at = cut
  }
}
