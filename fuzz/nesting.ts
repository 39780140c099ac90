/**
 * Deeply nested inputs for the IPLD codecs: lists, maps and tags nested thousands deep, written
 * directly as bytes (encoding them with the codec under test would overflow the stack first).
 */
import * as fc from 'fast-check'

const utf8 = new TextEncoder()

/** Nesting depths to try: shallow ones the codecs must take, deep ones they must refuse by name. */
export const nestingDepth = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 64, max: 4096 }), fc.integer({ min: 4096, max: 20_000 }))

/** dag-cbor: `depth` one-element lists (0x81) or one-key maps (0xa1 0x61 'a'), or tag 42 chains, around an int. */
export const deepCbor: fc.Arbitrary<Uint8Array> = fc.record({ depth: nestingDepth, kind: fc.constantFrom('list', 'map', 'mixed') })
  .map(({ depth, kind }) => {
    const out: number[] = []
    for (let i = 0; i < depth; i++) {
      if (kind === 'list' || (kind === 'mixed' && i % 2 === 0)) out.push(0x81)
      else out.push(0xa1, 0x61, 0x61)
    }
    out.push(0x01)
    return Uint8Array.from(out)
  })

/** dag-json: `[[[…]]]`, `{"a":{"a":…}}`, or `{"/":…}` wrappers, closed or left open. */
export const deepJson: fc.Arbitrary<Uint8Array> = fc.record({ depth: nestingDepth, kind: fc.constantFrom('list', 'map', 'slash'), closed: fc.boolean() })
  .map(({ depth, kind, closed }) => {
    const open = kind === 'list' ? '[' : kind === 'map' ? '{"a":' : '{"/":'
    const close = kind === 'list' ? ']' : '}'
    return utf8.encode(open.repeat(depth) + '1' + (closed ? close.repeat(depth) : ''))
  })
