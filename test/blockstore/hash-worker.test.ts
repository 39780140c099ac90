/**
 * The sha2-256 worker the blockstore checks large blocks on: same digests as node:crypto, the
 * bytes come back whole, and closing fails what is in flight.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  it('leaves the process\'s stdout alone: a pipe on fd 1 stays blocking', async () => {
    // Node pipes a worker's stdio into the parent's process.stdout unless told not to, and
    // creating that stream makes a pipe non-blocking; the CLI's cat then loses its thread-pool
    // writes (daemon/cli/output.ts). The child reports fd 1's flags without touching process.stdout.
    const script = `
      import { readFileSync, writeSync } from 'node:fs'
      import { Sha256Worker } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'blockstore', 'hash-worker.ts'))}
      import { waitFor } from ${JSON.stringify(join(import.meta.dirname, '..', 'helpers', 'wait.ts'))}
      const worker = new Sha256Worker()
      await waitFor(() => worker.available)
      await worker.digest(new Uint8Array(1024))
      const flags = /flags:\\s*([0-7]+)/.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'))[1]
      writeSync(1, String(parseInt(flags, 8) & 0o4000))
      await worker.close()
    `
    const dir = await mkdtemp(join(tmpdir(), 'cairn-hash-worker-'))
    try {
      await writeFile(join(dir, 'child.mjs'), script)
      const child = spawn(process.execPath, [join(dir, 'child.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
      const out: Buffer[] = []
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
      const [code] = await once(child, 'close')
      expect(code).toBe(0)
      expect(Buffer.concat(out).toString()).toBe('0')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
