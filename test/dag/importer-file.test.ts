/**
 * importFile behaviour: hash functions, CID versions, UnixFS metadata (Kubo's t0047 vectors),
 * batching, progress, cancellation, and leaf order when hashes finish out of order.
 */
import * as dagPb from '@ipld/dag-pb'
import { blake2b } from '@noble/hashes/blake2.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { sha3_256, sha3_512 } from '@noble/hashes/sha3.js'
import { UnixFS } from 'ipfs-unixfs'
import { afterEach, describe, expect, it } from 'vitest'
import { getHasher, importFile } from '../../dag/importer/index.ts'
import { MemorySink, diffBlocks, fixedPieces, once, oracleImport, oracleOptions, randomBytes, reachable, seededRandom, textEncoder } from './importer-helpers.ts'
import type { HashName, Hasher, ImporterOptions } from '../../dag/importer/index.ts'

const none = async function * (): AsyncGenerator<Uint8Array> {}

describe('importFile hashes and CID versions', () => {
  const independent: Record<HashName, { code: number, digest: (bytes: Uint8Array) => Uint8Array }> = {
    'sha2-256': { code: 0x12, digest: bytes => sha256(bytes) },
    'sha2-512': { code: 0x13, digest: bytes => sha512(bytes) },
    'sha3-256': { code: 0x16, digest: bytes => sha3_256(bytes) },
    'sha3-512': { code: 0x14, digest: bytes => sha3_512(bytes) },
    'blake2b-256': { code: 0xb220, digest: bytes => blake2b(bytes, { dkLen: 32 }) }
  }

  for (const [hash, reference] of Object.entries(independent) as Array<[HashName, typeof independent[HashName]]>) {
    it(`hashes every block with ${hash} (checked with @noble/hashes)`, async () => {
      const data = randomBytes(seededRandom(reference.code), 300_000)
      const sink = new MemorySink()
      const root = await importFile(fixedPieces(data, 50_000), sink, { hash, cidVersion: 1, chunker: 'size-70000', rawLeaves: false })
      expect(root.cid.version).toBe(1)
      expect(sink.order).toHaveLength(6)
      for (const cid of sink.order) {
        expect(cid.multihash.code).toBe(reference.code)
        expect(Buffer.compare(cid.multihash.digest, reference.digest(sink.blocks.get(cid.toString()) as Uint8Array))).toBe(0)
      }
    })
  }

  it('makes raw leaves CIDv1 under CIDv0 and keeps the parents CIDv0', async () => {
    const sink = new MemorySink()
    const root = await importFile(once(randomBytes(seededRandom(3), 2500)), sink, { rawLeaves: true, chunker: 'size-1000' })
    expect(root.cid.version).toBe(0)
    const links = dagPb.decode(sink.blocks.get(root.cid.toString()) as Uint8Array).Links
    expect(links.map(link => [link.Hash.version, link.Hash.code])).toEqual([[1, 0x55], [1, 0x55], [1, 0x55]])
    // the oracle agrees on every block
    const oracle = await oracleImport([{ content: once(randomBytes(seededRandom(3), 2500)) }], oracleOptions({ cidVersion: 0, rawLeaves: true, chunker: { type: 'size', size: 1000 }, layout: 'balanced', maxLinks: 174 }))
    expect(diffBlocks(sink.blocks, reachable(root.cid, oracle.blocks))).toBe('')
  })
})

describe('importFile metadata (Kubo t0047-add-mode-mtime vectors, empty files)', () => {
  const vectors: Array<[string, { mode?: number, mtime?: { secs: number, nsecs?: number } }, string]> = [
    ['--preserve-mode 0640', { mode: 0o640 }, 'QmQLgxypSNGNFTuUPGCecq6dDEjb6hNB5xSyVmP3cEuNtq'],
    ['--preserve-mtime', { mtime: { secs: 1604320482 } }, 'QmQ6kErEW8kztQFV8vbwNU8E4dmtGsYpRiboiLxUEwibvj'],
    ['--preserve-mode --preserve-mtime', { mode: 0o640, mtime: { secs: 1604320482 } }, 'QmYkvboLsvLFcSYmqVJRxvBdYRQLroLv9kELf3LRiCqBri'],
    ['--mode=0764', { mode: 0o764 }, 'QmchD3BN8TQ3RW6jPLxSaNkqvfuj7syKhzTRmL4EpyY1Nz'],
    ['--mode=0764 of a regular file (type bits ignored)', { mode: 0o100764 }, 'QmchD3BN8TQ3RW6jPLxSaNkqvfuj7syKhzTRmL4EpyY1Nz'],
    ['--mtime', { mtime: { secs: 1603539720 } }, 'QmT3aY4avDcYXCWpU8CJzqUkW7YEuEsx36S8cTNoLcuK1B'],
    ['--mtime --mtime-nsecs', { mtime: { secs: 1603539720, nsecs: 54321 } }, 'QmaKH8H5rXBUBCX4vdxi7ktGQEL7wejV7L9rX2qpZjwncz'],
    ['--mode --mtime --mtime-nsecs', { mode: 0o764, mtime: { secs: 1603539720, nsecs: 54321 } }, 'QmUkxrtBA8tPjwCYz1HrsoRfDz6NgKut3asVeHVQNH4C8L'],
    ['mode 0 stores nothing', { mode: 0 }, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH']
  ]
  for (const [name, metadata, expected] of vectors) {
    it(name, async () => {
      expect((await importFile(none(), new MemorySink(), {}, metadata)).cid.toString()).toBe(expected)
    })
  }

  it('stores a one-chunk file with metadata as one dag-pb node, even under CIDv1', async () => {
    const sink = new MemorySink()
    const content = textEncoder.encode('hello world')
    const root = await importFile(once(content), sink, { cidVersion: 1 }, { mode: 0o755, mtime: { secs: 5n, nsecs: 7 } })
    expect(root.cid.code).toBe(dagPb.code)
    expect(sink.order).toHaveLength(1)
    // the same node built independently with ipfs-unixfs (which agrees with Kubo for 0755)
    const expected = dagPb.encode({ Data: new UnixFS({ type: 'file', data: content, mode: 0o755, mtime: { secs: 5n, nsecs: 7 } }).marshal(), Links: [] })
    expect(Buffer.compare(sink.blocks.get(root.cid.toString()) as Uint8Array, expected)).toBe(0)
  })

  it('puts metadata on the root only, over dag-pb leaves', async () => {
    const sink = new MemorySink()
    const root = await importFile(once(randomBytes(seededRandom(4), 5000)), sink, { cidVersion: 1, chunker: 'size-1000', maxLinks: 2 }, { mode: 0o600 })
    const modes = [...sink.blocks.entries()].map(([cid, bytes]) => {
      const node = UnixFS.unmarshal(dagPb.decode(bytes).Data as Uint8Array)
      return [cid === root.cid.toString(), (node as unknown as { _originalMode: number })._originalMode]
    })
    expect(sink.order.every(cid => cid.code === dagPb.code)).toBe(true)
    expect(modes.filter(([isRoot]) => isRoot)).toEqual([[true, 0o600]])
    expect(modes.filter(([isRoot]) => !isRoot).every(([, mode]) => mode === 0)).toBe(true)
  })

  it('refuses metadata with raw leaves asked for explicitly, as Kubo does', async () => {
    await expect(importFile(once(new Uint8Array(10)), new MemorySink(), { rawLeaves: true }, { mode: 0o644 }))
      .rejects.toHaveProperty('name', 'InvalidArgumentError')
    await expect(importFile(once(new Uint8Array(10)), new MemorySink(), {}, { mtime: { secs: 1, nsecs: 1e9 } }))
      .rejects.toHaveProperty('name', 'InvalidArgumentError')
  })
})

describe('importFile streaming', () => {
  it('writes in batches of at most batchMaxBlocks, each block once, and reports progress', async () => {
    const sink = new MemorySink()
    const data = randomBytes(seededRandom(5), 100_000)
    const progress: number[] = []
    const root = await importFile(fixedPieces(data, 777), sink, { chunker: 'size-100', batchMaxBlocks: 10 }, {
      onProgress: event => { progress.push(event.bytes) }
    })
    expect(sink.calls).toBeGreaterThanOrEqual(101)
    expect(sink.largestCall).toBeLessThanOrEqual(10)
    expect(sink.order.length).toBe(1000 + 6 + 1)
    expect(new Set(sink.order.map(String)).size).toBe(sink.order.length)
    expect(progress).toHaveLength(1000)
    expect(progress.at(-1)).toBe(100_000)
    expect(progress.every((bytes, i) => i === 0 || bytes > progress[i - 1])).toBe(true)
    expect(root.fileSize).toBe(100_000)
  })

  it('stops promptly when the signal aborts mid-file, without draining the source', async () => {
    const controller = new AbortController()
    let pulled = 0
    const endless = async function * (): AsyncGenerator<Uint8Array> {
      while (true) {
        pulled++
        if (pulled === 50) controller.abort()
        yield new Uint8Array(4096)
      }
    }
    await expect(importFile(endless(), new MemorySink(), {}, { signal: controller.signal })).rejects.toHaveProperty('name', 'AbortedError')
    expect(pulled).toBeLessThan(60)
  })

  it('stops promptly when the signal aborts while the source waits for data', async () => {
    const controller = new AbortController()
    let waiting!: () => void
    const started = new Promise<void>(resolve => { waiting = resolve })
    const stalled = async function * (): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10)
      waiting()
      await new Promise(() => {}) // never resolves
    }
    const result = importFile(stalled(), new MemorySink(), {}, { signal: controller.signal })
    await started
    controller.abort()
    await expect(result).rejects.toHaveProperty('name', 'AbortedError')
  })

  it('refuses to start with an aborted signal and writes nothing', async () => {
    const sink = new MemorySink()
    await expect(importFile(once(new Uint8Array(10)), sink, {}, { signal: AbortSignal.abort() })).rejects.toHaveProperty('name', 'AbortedError')
    expect(sink.calls).toBe(0)
  })

  it('passes the signal to the sink and stops on the sink\'s error', async () => {
    const controller = new AbortController()
    const seen: Array<AbortSignal | undefined> = []
    const failing = {
      async putMany (_blocks: unknown[], options?: { signal?: AbortSignal }) {
        seen.push(options?.signal)
        throw Object.assign(new Error('disk full'), { name: 'DiskFullError' })
      }
    }
    await expect(importFile(fixedPieces(randomBytes(seededRandom(6), 50_000), 1000), failing, { chunker: 'size-100', batchMaxBlocks: 5 }, { signal: controller.signal }))
      .rejects.toHaveProperty('name', 'DiskFullError')
    expect(seen[0]).toBe(controller.signal)
  })
})

describe('importFile leaf order', () => {
  const hasher = getHasher('sha2-256') as Hasher
  const original = hasher.digestAsync
  afterEach(() => { hasher.digestAsync = original })

  it('keeps leaves in file order when their hashes finish in another order', async () => {
    // each off-thread hash finishes later the earlier it was asked for: later windows overtake
    let calls = 0
    hasher.digestAsync = async (bytes: Uint8Array) => {
      const turns = 40 - (calls++ % 40)
      for (let i = 0; i < turns; i++) await new Promise(resolve => setImmediate(resolve))
      return hasher.digest(bytes)
    }
    const data = randomBytes(seededRandom(8), 40 * 65536 + 5)
    const options: ImporterOptions = { cidVersion: 1, chunker: 'size-65536', batchMaxBytes: 4 * 65536 }
    const ours = await importFile(fixedPieces(data, 65536), new MemorySink(), options)
    expect(calls).toBe(40)
    hasher.digestAsync = original
    const oracle = await oracleImport([{ content: once(data) }], oracleOptions({ cidVersion: 1, rawLeaves: true, chunker: { type: 'size', size: 65536 }, layout: 'balanced', maxLinks: 174 }))
    expect(ours.cid.toString()).toBe(oracle.results[0].cid.toString())
  })
})
