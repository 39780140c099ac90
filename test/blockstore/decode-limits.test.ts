import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { MAX_DECODE_DEPTH, checkCborNesting, checkJsonNesting } from '../../blockstore/index.ts'

/** A value `depth` lists deep, with maps, strings with brackets, bytes and a CID at each level. */
function nested (depth: number): unknown {
  let value: unknown = 'leaf ]]}}'
  for (let i = 0; i < depth; i++) {
    value = i % 2 === 0
      ? [value, { k: 'v[', b: new Uint8Array([0x9f, 0x81]), l: CID.parse('bafkqabtimvwgy3zk') }]
      : { deeper: value, n: 2 ** 40, s: '\\"[' }
  }
  return value
}

describe('decode limits', () => {
  it('counts the nesting of real dag-cbor and dag-json values exactly: the limit passes, one more does not', () => {
    for (const encode of [dagCbor.encode, dagJson.encode]) {
      const check = encode === dagCbor.encode ? checkCborNesting : checkJsonNesting
      // nested(n) is n + 1 levels deep (the innermost list holds a map); dag-json writes bytes as
      // two more map levels ({"/":{"bytes":…}})
      const levels = (n: number): number => n + 1 + (encode === dagJson.encode ? 2 : 0)
      const extra = levels(0)
      const ok = encode(nested(MAX_DECODE_DEPTH - extra))
      expect(check(ok)).toBe(ok)
      expect(() => check(encode(nested(MAX_DECODE_DEPTH - extra + 1)))).toThrow(expect.objectContaining({ name: 'NestingTooDeepError' }))
      expect(() => check(encode(nested(20)), levels(20))).not.toThrow()
      expect(() => check(encode(nested(20)), levels(20) - 1)).toThrow(expect.objectContaining({ name: 'NestingTooDeepError' }))
    }
  })

  it('leaves malformed input to the decoder', () => {
    for (const bytes of [new Uint8Array([0x9f, 0x9f]), new Uint8Array([0x5a, 0xff, 0xff, 0xff, 0xff]), new Uint8Array([0x1c])]) {
      expect(checkCborNesting(bytes)).toBe(bytes)
    }
    expect(checkJsonNesting(new TextEncoder().encode('"[[[[[[[[[['))).toBeInstanceOf(Uint8Array)
  })
})
