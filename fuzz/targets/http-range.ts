/**
 * `Range` headers on the gateway: parseRange (http-api/gateway/request.ts) against bodies of any
 * size. Property: every range it returns lies inside the body, starts before it ends, and there
 * are at most MAX_RANGES of them.
 */
import * as fc from 'fast-check'
import { MAX_RANGES } from '../../http-api/gateway/constants.ts'
import { parseRange, type RangeRequest } from '../../http-api/gateway/request.ts'
import { stringsFrom } from '../mutate.ts'
import { defineTarget, expectThat, FuzzCheckError } from '../target.ts'

const SEEDS = ['bytes=0-99', 'bytes=-500', 'bytes=9500-', 'bytes=0-0,-1', 'bytes=500-600,601-999', 'bytes = 1 - 2 , 3-4', 'BYTES=0-', 'bytes=0-,0-,0-']

const specs = fc.oneof(
  fc.tuple(fc.option(fc.bigInt({ min: 0n, max: 2n ** 70n }), { nil: undefined }), fc.option(fc.bigInt({ min: 0n, max: 2n ** 70n }), { nil: undefined }))
    .map(([a, b]) => `${a ?? ''}-${b ?? ''}`),
  fc.tuple(fc.nat(2000), fc.nat(2000)).map(([a, b]) => `${a}-${b}`)
)

export default defineTarget({
  name: 'http-range',
  description: 'parseRange (http-api/gateway/request.ts): Range headers against a body size',
  arbitrary: fc.record({
    header: fc.oneof(
      stringsFrom(SEEDS),
      fc.array(specs, { minLength: 1, maxLength: 20 }).map(s => `bytes=${s.join(',')}`),
      fc.constant(undefined)
    ),
    size: fc.oneof(fc.nat(2000), fc.constantFrom(0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER))
  }),
  run: ({ header, size }) => parseRange(header, size),
  check (output, { size }) {
    const request = output as RangeRequest
    if (request.kind !== 'ranges') return
    expectThat(request.ranges.length <= MAX_RANGES, `${request.ranges.length} ranges, over MAX_RANGES`)
    let total = 0
    for (const { start, end } of request.ranges) {
      expectThat(Number.isSafeInteger(start) && Number.isSafeInteger(end), `range ${start}-${end} is not made of safe integers`)
      expectThat(start >= 0 && start <= end && end < size, `range ${start}-${end} is not inside a ${size}-byte body`)
      total += end - start + 1
    }
    if (total > size) throw new RangeOverlap(`ranges add up to ${total} bytes of a ${size}-byte body`)
  }
})

/** Overlapping ranges: the gateway would send more than the body. */
class RangeOverlap extends FuzzCheckError {}
