import { rabin as oracleRabin } from 'ipfs-unixfs-importer/chunker'
import { describe, expect, it } from 'vitest'
import { MAX_CHUNK_SIZE, createChunker, fixedSize, parseChunker, rabin } from '../../dag/importer/index.ts'
import { fixedPieces, randomBytes, randomPieces, seededRandom } from './importer-helpers.ts'

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const chunk of source) out.push(chunk)
  return out
}

function concat (chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks))
}

describe('parseChunker', () => {
  it('reads the chunker strings Kubo accepts', () => {
    expect(parseChunker('size-262144')).toEqual({ type: 'size', size: 262144 })
    expect(parseChunker('size-1')).toEqual({ type: 'size', size: 1 })
    expect(parseChunker(`size-${MAX_CHUNK_SIZE}`)).toEqual({ type: 'size', size: 2096896 })
    expect(parseChunker('')).toEqual({ type: 'size', size: 262144 })
    expect(parseChunker('default')).toEqual({ type: 'size', size: 262144 })
    expect(parseChunker('rabin-64-256-1024')).toEqual({ type: 'rabin', min: 64, avg: 256, max: 1024 })
    expect(parseChunker('rabin-min:64-avg:256-max:1024')).toEqual({ type: 'rabin', min: 64, avg: 256, max: 1024 })
    // boxo NewRabin: min = avg/3, max = avg + avg/2
    expect(parseChunker('rabin')).toEqual({ type: 'rabin', min: 87381, avg: 262144, max: 393216 })
    expect(parseChunker('rabin-3000')).toEqual({ type: 'rabin', min: 1000, avg: 3000, max: 4500 })
  })

  const bad: Array<[string, RegExp]> = [
    ['size-', /size-N/],
    ['size-abc', /whole number/],
    ['size-0', /at least 1 byte/],
    ['size--1', /size-N/],
    ['size-1.5', /whole number/],
    ['size-1-2', /size-N/],
    [`size-${MAX_CHUNK_SIZE + 1}`, /may not exceed 2096896/],
    ['size-4194304', /may not exceed 2096896/],
    ['rabin-1-2', /rabin, rabin-AVG or rabin-MIN-AVG-MAX/],
    ['rabin-8-256-1024', /minimum must be at least 16/],
    ['rabin-256-256-1024', /minimum must be smaller than the average/],
    ['rabin-64-1024-1024', /average must be smaller than the maximum/],
    [`rabin-64-256-${MAX_CHUNK_SIZE + 1}`, /maximum may not exceed 2096896/],
    ['rabin-min:64-max:256-avg:1024', /label "avg:"/],
    ['rabin-2000000', /maximum may not exceed/],
    ['buzhash', /buzhash is not supported/],
    ['fastcdc-1', /unknown chunker/]
  ]
  for (const [spec, message] of bad) {
    it(`refuses "${spec}" with InvalidChunkerError`, () => {
      let error: unknown
      try {
        parseChunker(spec)
      } catch (err) {
        error = err
      }
      expect(error).toHaveProperty('name', 'InvalidChunkerError')
      expect((error as Error).message).toMatch(message)
    })
  }

  it('refuses chunk sizes over the limit in the factories too', () => {
    expect(() => fixedSize(MAX_CHUNK_SIZE + 1)).toThrow(expect.objectContaining({ name: 'InvalidChunkerError' }))
    expect(() => fixedSize(0)).toThrow(expect.objectContaining({ name: 'InvalidChunkerError' }))
    expect(() => rabin({ min: 64, avg: 256, max: MAX_CHUNK_SIZE + 1 })).toThrow(expect.objectContaining({ name: 'InvalidChunkerError' }))
  })
})

describe('fixedSize', () => {
  it('cuts exact chunks from pieces of any size and loses nothing', async () => {
    const rng = seededRandom(1)
    for (const size of [1, 7, 256, 4096]) {
      for (const length of [0, 1, size - 1, size, size + 1, 10 * size + 3]) {
        const data = randomBytes(rng, length)
        const chunks = await collect(fixedSize(size)(randomPieces(data, rng, 3 * size)))
        expect(chunks.every(chunk => chunk.length > 0)).toBe(true)
        expect(chunks.slice(0, -1).every(chunk => chunk.length === size)).toBe(true)
        expect(chunks.length).toBe(Math.ceil(length / size))
        expect(Buffer.compare(concat(chunks), data)).toBe(0)
      }
    }
  })

  it('yields views of the input, without copying, when a piece holds whole chunks', async () => {
    const data = randomBytes(seededRandom(2), 10_000)
    const chunks = await collect(fixedSize(1000)(fixedPieces(data, 5000)))
    expect(chunks).toHaveLength(10)
    for (const chunk of chunks) expect(chunk.buffer).toBe(data.buffer)
  })

  it('copies only the chunks that span pieces', async () => {
    const data = randomBytes(seededRandom(3), 3000)
    // pieces of 1500: chunk 2 (bytes 1000-2000) spans two pieces
    const chunks = await collect(fixedSize(1000)(fixedPieces(data, 1500)))
    expect(chunks.map(chunk => chunk.buffer === data.buffer)).toEqual([true, false, true])
  })

  it('yields nothing for an empty input', async () => {
    expect(await collect(fixedSize(10)(fixedPieces(new Uint8Array(0), 1)))).toEqual([])
  })

  it('refuses content that is not made of Uint8Arrays', async () => {
    const strings = (async function * () { yield 'text' as unknown as Uint8Array })()
    await expect(collect(fixedSize(10)(strings))).rejects.toHaveProperty('name', 'InvalidArgumentError')
  })
})

describe('rabin', () => {
  const cases = [
    { min: 16, avg: 32, max: 64, length: 20_000 },
    { min: 64, avg: 256, max: 1024, length: 200_000 },
    { min: 1000, avg: 4096, max: 8000, length: 500_000 },
    { min: 87381, avg: 262144, max: 393216, length: 2_000_000 }
  ]
  for (const { min, avg, max, length } of cases) {
    it(`cuts where ipfs-unixfs-importer's rabin cuts (${min}/${avg}/${max})`, async () => {
      const rng = seededRandom(min)
      const data = randomBytes(rng, length)
      const ours = await collect(rabin({ min, avg, max })(randomPieces(data, rng, 70_000)))
      const theirs = await collect(oracleRabin({ minChunkSize: min, avgChunkSize: avg, maxChunkSize: max })(fixedPieces(data, 65536)))
      expect(ours.map(chunk => chunk.length)).toEqual(theirs.map(chunk => chunk.length))
      expect(ours.length).toBeGreaterThan(1)
      expect(Buffer.compare(concat(ours), data)).toBe(0)
      expect(ours.slice(0, -1).every(chunk => chunk.length >= min && chunk.length <= max)).toBe(true)
    })
  }

  it('does not depend on how the input is split', async () => {
    const rng = seededRandom(9)
    const data = randomBytes(rng, 300_000)
    const whole = await collect(createChunker('rabin-128-512-2048')(fixedPieces(data, data.length)))
    const bytes = await collect(createChunker('rabin-128-512-2048')(fixedPieces(data, 1)))
    expect(bytes.map(chunk => chunk.length)).toEqual(whole.map(chunk => chunk.length))
  })

  it('yields nothing for an empty input', async () => {
    expect(await collect(createChunker('rabin-16-32-64')(fixedPieces(new Uint8Array(0), 1)))).toEqual([])
  })
})
