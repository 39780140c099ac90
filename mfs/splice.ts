/**
 * The bytes of a file after `files write`: the old bytes before the offset, zeros up to it when it
 * lies past the end, the new bytes (at most `count`), then the old bytes after them. Streamed:
 * the old bytes are read through the exporter as the importer asks for them.
 */
import type { CID } from 'multiformats/cid'
import { cat } from '../dag/index.ts'
import type { BlockGetter } from '../blockstore/index.ts'

/** The largest run of zeros handed to the importer at once. */
const ZERO_CHUNK = 256 * 1024

/** What {@link spliceContent} joins. */
export interface Splice {
  /** The file being written over (absent: a new or truncated file). */
  old?: { cid: CID, size: number }
  offset: number
  /** Most bytes of `data` taken; absent: all. */
  count?: number
  data: AsyncIterable<Uint8Array>
  blocks: BlockGetter
  signal?: AbortSignal
}

/** The new content of the file, as a stream. */
export async function * spliceContent (splice: Splice): AsyncGenerator<Uint8Array> {
  const { old, offset, count, data, blocks, signal } = splice
  const oldSize = old?.size ?? 0
  if (old != null && offset > 0 && oldSize > 0) {
    yield * cat(old.cid, blocks, { offset: 0, length: Math.min(offset, oldSize), signal })
  }
  for (let gap = offset - oldSize; gap > 0; gap -= ZERO_CHUNK) {
    yield new Uint8Array(Math.min(gap, ZERO_CHUNK))
  }
  let written = 0
  if (count !== 0) {
    for await (const chunk of data) {
      const room = count == null ? chunk.byteLength : count - written
      const part = room < chunk.byteLength ? chunk.subarray(0, room) : chunk
      written += part.byteLength
      if (part.byteLength > 0) yield part
      if (count != null && written >= count) break
    }
  }
  const end = offset + written
  if (old != null && end < oldSize) {
    yield * cat(old.cid, blocks, { offset: end, length: oldSize - end, signal })
  }
}
