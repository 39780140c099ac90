/**
 * The free lists behind lent reads: a buffer comes back once every block handed out from it is
 * released, never once one is kept, and a run is read into the smallest free buffer that holds it.
 */
import { describe, expect, it } from 'vitest'
import { LentBuffers } from '../../blockstore/lent-buffers.ts'

describe('LentBuffers', () => {
  it('frees a buffer once every block handed out from it is released, and only then', () => {
    const lent = new LentBuffers()
    const buffer = new ArrayBuffer(300)
    lent.lend(buffer, [{ offset: 0, length: 100 }, { offset: 140, length: 100 }])
    // a view inside a block releases that block; one that fits no block releases nothing
    lent.release(new Uint8Array(buffer, 10, 50))
    lent.release(new Uint8Array(buffer, 90, 60))
    expect(lent.take(300)).toBeUndefined()
    lent.release(new Uint8Array(buffer, 140, 100))
    expect(lent.take(300)).toBe(buffer)
    expect(lent.reused).toBe(1)
    // bytes that were never lent are ignored
    lent.release(new Uint8Array(100))
    expect(lent.take(1)).toBeUndefined()
  })

  it('never frees a buffer one of whose blocks is kept', () => {
    const lent = new LentBuffers()
    const buffer = new ArrayBuffer(200)
    lent.lend(buffer, [{ offset: 0, length: 100 }, { offset: 100, length: 100 }])
    lent.keep(new Uint8Array(buffer, 0, 100))
    lent.release(new Uint8Array(buffer, 0, 100))
    lent.release(new Uint8Array(buffer, 100, 100))
    expect(lent.take(200)).toBeUndefined()
  })

  it('hands out the smallest free buffer that is large enough, within its byte budget', () => {
    const lent = new LentBuffers(1000)
    const sizes = [400, 100, 250, 300]
    const buffers = sizes.map(size => new ArrayBuffer(size))
    // a buffer lent with no block handed out (every check failed) is free at once
    for (const buffer of buffers) lent.lend(buffer, [])
    // 400 + 100 + 250 fit in 1000 bytes; the 300 was dropped
    expect(lent.take(260)).toBe(buffers[0])
    expect(lent.take(200)).toBe(buffers[2])
    expect(lent.take(200)).toBeUndefined()
    expect(lent.take(50)).toBe(buffers[1])
    // a buffer the hash worker kept (detached) is not taken back
    const moved = new ArrayBuffer(64)
    structuredClone(moved, { transfer: [moved] })
    lent.lend(moved, [])
    expect(lent.take(1)).toBeUndefined()
  })
})
