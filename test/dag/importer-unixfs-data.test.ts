import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
import { fixedSize } from '../../dag/importer/chunker.ts'
import { UNIXFS_FILE, UNIXFS_RAW, UNIXFS_SYMLINK, encodeLeafBlock, encodeUnixFSData } from '../../dag/importer/unixfs-data.ts'
import { fixedPieces, randomBytes, randomInt, seededRandom } from './importer-helpers.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('encodeUnixFSData', () => {
  it('writes what ipfs-unixfs writes wherever ipfs-unixfs agrees with Kubo', () => {
    const rng = seededRandom(7)
    for (let i = 0; i < 300; i++) {
      const type = [UNIXFS_RAW, UNIXFS_FILE, UNIXFS_SYMLINK][i % 3]
      const data = rng() < 0.7 ? randomBytes(rng, randomInt(rng, 1, 300)) : undefined
      const blockSizes = type === UNIXFS_FILE && rng() < 0.5
        ? Array.from({ length: randomInt(rng, 1, 20) }, () => rng() < 0.5 ? randomInt(rng, 1, 300) : randomInt(rng, 1, 2 ** 26))
        : []
      // (ipfs-unixfs mis-encodes uint64 values from 2^31 to 2^32; see the test below)
      if (rng() < 0.1 && type === UNIXFS_FILE) blockSizes.push(randomInt(rng, 2 ** 32, 2 ** 40))
      // ipfs-unixfs leaves out 0o644 for files and writes mode 0; both are covered below
      let mode: number | undefined = rng() < 0.4 ? randomInt(rng, 1, 0o177777) : undefined
      if (mode != null && ((mode & 0xfff) === 0o644 || (mode & 0xfff) === 0)) mode = undefined
      const mtime = rng() < 0.4
        ? { secs: BigInt(randomInt(rng, -(2 ** 31), 2 ** 31 - 1)), nsecs: rng() < 0.5 ? randomInt(rng, 1, 999_999_999) : undefined }
        : undefined
      const typeName = type === UNIXFS_RAW ? 'raw' : type === UNIXFS_FILE ? 'file' : 'symlink'
      const theirs = new UnixFS({ type: typeName, data, blockSizes: blockSizes.map(BigInt), mode, mtime }).marshal()
      const fileSize = type === UNIXFS_SYMLINK ? undefined : blockSizes.reduce((a, b) => a + b, data?.length ?? 0)
      const ours = encodeUnixFSData({ type, data, fileSize, blockSizes, mode, mtime })
      expect(hex(ours), `case ${i}`).toBe(hex(theirs))
    }
  })

  it('writes sizes from 2 GiB to 4 GiB as proper varints (ipfs-unixfs 13 writes undecodable bytes there)', () => {
    // varints computed by hand: 7 bits per byte, low bits first
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 2 ** 31, blockSizes: [2 ** 31] }))).toBe('0802' + '188080808008' + '208080808008')
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 3e9 }))).toBe('0802' + '1880bcc1960b')
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 2 ** 32 - 1 }))).toBe('0802' + '18ffffffff0f')
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 2 ** 53 - 1 }))).toBe('0802' + '18ffffffffffffff0f')
    expect(UnixFS.unmarshal(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mtime: { secs: 3_000_000_000n } })).mtime?.secs).toBe(3_000_000_000n)
  })

  it('writes an empty file as Kubo does: type and filesize 0, no data', () => {
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0 }))).toBe('08021800')
  })

  it('stores any non-zero permission bits, 0o644 included, as boxo does', () => {
    // Kubo `--preserve-mode` on a 0644 file stores mode 420; ipfs-unixfs would drop it
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mode: 0o644 }))).toBe('08021800' + '38a403')
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mode: 0o100644 }))).toBe('08021800' + '38a403')
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mode: 0 }))).toBe('08021800')
    expect(UnixFS.unmarshal(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mode: 0o644 })).mode).toBe(0o644)
  })

  it('leaves out zero nanoseconds and writes negative seconds as int64', () => {
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mtime: { secs: 0, nsecs: 0 } }))).toBe('08021800' + '42020800')
    expect(hex(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mtime: { secs: 5, nsecs: 1 } }))).toBe('08021800' + '4207' + '0805' + '1501000000')
    const negative = UnixFS.unmarshal(encodeUnixFSData({ type: UNIXFS_FILE, fileSize: 0, mtime: { secs: -1n } }))
    expect(negative.mtime).toEqual({ secs: -1n, nsecs: undefined })
  })
})

describe('encodeLeafBlock', () => {
  it('equals @ipld/dag-pb encoding the UnixFS data, for every size class', async () => {
    const rng = seededRandom(11)
    const sizes = [1, 127, 128, 16383, 16384, 100_000, 2_096_896]
    for (const size of sizes) {
      for (const type of [UNIXFS_FILE, UNIXFS_RAW]) {
        const chunk = randomBytes(rng, size)
        const expected = dagPb.encode({ Data: encodeUnixFSData({ type, data: chunk, fileSize: size }), Links: [] })
        expect(Buffer.compare(encodeLeafBlock(chunk, type), expected), `${size} bytes`).toBe(0)
      }
    }
  })

  it('frames a chunk the chunker assembled in place, and any other chunk in a copy', async () => {
    const rng = seededRandom(12)
    const data = randomBytes(rng, 3 * 70_000)
    const input = new Uint8Array(data) // keep a pristine copy to detect writes into the input
    for await (const chunk of fixedSize(70_000)(fixedPieces(data, 50_000))) {
      const expected = dagPb.encode({ Data: encodeUnixFSData({ type: UNIXFS_FILE, data: new Uint8Array(chunk), fileSize: chunk.length }), Links: [] })
      const block = encodeLeafBlock(chunk, UNIXFS_FILE)
      expect(Buffer.compare(block, expected)).toBe(0)
      // assembled chunks (not views of the input) are framed without a copy
      expect(block.buffer === chunk.buffer).toBe(chunk.buffer !== data.buffer)
      // a second leaf over the same chunk may not reuse the frame
      const again = encodeLeafBlock(chunk, UNIXFS_FILE)
      expect(again.buffer).not.toBe(chunk.buffer)
      expect(Buffer.compare(again, expected)).toBe(0)
      expect(Buffer.compare(block, expected)).toBe(0)
    }
    expect(Buffer.compare(data, input)).toBe(0)
  })

  it('never frames a part of an assembled chunk (chunks re-chunked by another chunker)', async () => {
    const data = randomBytes(seededRandom(13), 4000)
    const assembled: Uint8Array[] = []
    for await (const chunk of fixedSize(2000)(fixedPieces(data, 300))) assembled.push(chunk)
    const before = assembled.map(chunk => new Uint8Array(chunk))
    for await (const chunk of fixedSize(500)((async function * () { yield * assembled })())) {
      encodeLeafBlock(chunk, UNIXFS_FILE)
    }
    assembled.forEach((chunk, i) => { expect(Buffer.compare(chunk, before[i])).toBe(0) })
  })
})
