import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { collectEntries, collectFiles, READ_CHUNK_SIZE } from '../../daemon/cli/input.ts'
import { lentOrOwn } from '../../http-api/lending.ts'

/** The file content of the first entry that has one. */
async function firstContent (entries: AsyncIterable<{ content?: unknown }>): Promise<AsyncIterable<Uint8Array>> {
  for await (const entry of entries) {
    if (entry.content != null) return entry.content as AsyncIterable<Uint8Array>
  }
  throw new Error('no file entry')
}

/** Reads a source, copying every chunk before the next is asked for; also counts distinct buffers. */
async function drain (source: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer, buffers: number, chunks: number }> {
  const copies: Buffer[] = []
  const buffers = new Set<ArrayBufferLike>()
  for await (const chunk of source) {
    buffers.add(chunk.buffer)
    copies.push(Buffer.from(chunk))
  }
  return { bytes: Buffer.concat(copies), buffers: buffers.size, chunks: copies.length }
}

async function openFds (): Promise<number> {
  return (await readdir('/proc/self/fd')).length
}

describe('CLI file input', () => {
  let dir: string
  const data = randomBytes(5 * READ_CHUNK_SIZE + 12345)

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-input-'))
    await writeFile(join(dir, 'big.bin'), data)
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('gives a big file in fresh buffers to the importer, and lends it from two buffers to the RPC client', async () => {
    const path = join(dir, 'big.bin')
    const own = await drain(await firstContent(await collectEntries([path], { recursive: false, hidden: false })))
    expect(own.bytes.equals(data)).toBe(true)
    expect(own.buffers).toBe(own.chunks)

    const lent = await drain(lentOrOwn(await firstContent(await collectEntries([path], { recursive: false, hidden: false }))))
    expect(lent.bytes.equals(data)).toBe(true)
    expect(lent.chunks).toBeGreaterThanOrEqual(6)
    expect(lent.buffers).toBe(2)

    // `block put` and the other file inputs lend the same way
    for await (const file of await collectFiles([path], (async function * () {})())) {
      const viaFiles = await drain(lentOrOwn(file.content))
      expect(viaFiles.bytes.equals(data)).toBe(true)
      expect(viaFiles.buffers).toBe(2)
    }
  })

  it('closes the file when the lending reader is abandoned half way, and reports a vanished file', async () => {
    const path = join(dir, 'big.bin')
    const before = await openFds()
    const content = lentOrOwn(await firstContent(await collectEntries([path], { recursive: false, hidden: false })))
    for await (const chunk of content) {
      expect(chunk.byteLength).toBe(READ_CHUNK_SIZE)
      break
    }
    expect(await openFds()).toBe(before)

    const gone = lentOrOwn(await firstContent(await collectEntries([path], { recursive: false, hidden: false })))
    await rm(path)
    await expect(drain(gone)).rejects.toThrow(/ENOENT/)
    expect(await openFds()).toBe(before)
  })
})
