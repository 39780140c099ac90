/**
 * The sha2-256 worker the blockstore checks large blocks on: same digests as node:crypto, the
 * bytes come back whole, and closing fails what is in flight.
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Sha256Worker, ownsBuffer } from '../../blockstore/hash-worker.ts'
import { waitFor } from '../helpers/wait.ts'

describe('Sha256Worker', () => {
  let worker: Sha256Worker | undefined

  afterEach(async () => { await worker?.close() })

  it('starts on first use, then hashes buffers it is lent and gives them back', async () => {
    worker = new Sha256Worker()
    const w = worker
    await waitFor(() => w.available)
    for (const size of [64 * 1024, 256 * 1024 + 3, 1024 * 1024]) {
      const data = new Uint8Array(randomBytes(size))
      const copy = Uint8Array.from(data)
      expect(ownsBuffer(data)).toBe(true)
      const pending = w.digest(data)
      expect(data.byteLength).toBe(0) // moved to the worker
      const { bytes, digest } = await pending
      expect(Buffer.from(bytes).equals(copy)).toBe(true)
      expect(Buffer.from(digest).equals(createHash('sha256').update(copy).digest())).toBe(true)
    }
    expect(w.pending).toBe(0)
  })

  it('only buffers that hold exactly their bytes may be lent', () => {
    const whole = new Uint8Array(16)
    expect(ownsBuffer(whole)).toBe(true)
    expect(ownsBuffer(whole.subarray(1))).toBe(false)
    expect(ownsBuffer(whole.subarray(0, 8))).toBe(false)
  })

  it('close fails the jobs in flight and refuses new ones', async () => {
    worker = new Sha256Worker()
    const w = worker
    await waitFor(() => w.available)
    const jobs = Array.from({ length: 4 }, async () => await w.digest(new Uint8Array(randomBytes(1024 * 1024))))
    const settled = Promise.allSettled(jobs)
    await w.close()
    for (const result of await settled) {
      // each either finished before the close or failed with it; none hangs
      if (result.status === 'rejected') expect(result.reason).toHaveProperty('name', 'CairnError')
    }
    expect(w.available).toBe(false)
    await expect(w.digest(new Uint8Array(8))).rejects.toHaveProperty('name', 'CairnError')
  })
})
