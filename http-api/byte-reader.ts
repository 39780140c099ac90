/**
 * A pull-based reader over a byte stream, for the parsers of the RPC edge (multipart, tar).
 * It never ends or destroys its source: a server that stops parsing a request body can still
 * drain it, so the client gets to read the answer.
 */

const EMPTY = Buffer.alloc(0)

function toBuffer (chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

export class ByteReader {
  /** Bytes read from the source and not yet taken. */
  buffer: Buffer = EMPTY
  /** True once the source has ended. */
  ended = false
  private readonly iterator: AsyncIterator<Uint8Array>

  constructor (source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]()
  }

  /**
   * Appends the next chunk of the source to {@link buffer}; false at the end of the source.
   * An empty buffer is replaced rather than copied, so the parsers copy only the few bytes they
   * keep across chunks. Whatever was taken before is not touched (its memory may be reused).
   */
  async fill (): Promise<boolean> {
    // the bytes kept are copied before the source is asked for more: a source may lend its
    // chunks, reusing one's memory once the next is asked for (the HTTP/1.1 client does)
    const kept = this.buffer.length === 0 ? EMPTY : Buffer.from(this.buffer)
    while (!this.ended) {
      const { value, done } = await this.iterator.next()
      if (done === true) {
        this.ended = true
        this.buffer = kept
        return false
      }
      if (value.byteLength === 0) continue
      const chunk = toBuffer(value)
      this.buffer = kept.length === 0 ? chunk : Buffer.concat([kept, chunk])
      return true
    }
    return false
  }

  /** Fills until at least `n` bytes are buffered; false when the source ends first. */
  async ensure (n: number): Promise<boolean> {
    while (this.buffer.length < n) {
      if (!(await this.fill())) return false
    }
    return true
  }

  /** Takes `n` buffered bytes (call {@link ensure} first). */
  take (n: number): Buffer {
    const out = this.buffer.subarray(0, n)
    this.buffer = this.buffer.subarray(n)
    return out
  }

  /**
   * Yields exactly `n` bytes, as they arrive; `onShort` makes the error thrown when the source
   * ends first.
   */
  async * stream (n: number, onShort: () => Error): AsyncGenerator<Uint8Array> {
    let left = n
    while (left > 0) {
      if (this.buffer.length === 0 && !(await this.fill())) throw onShort()
      const piece = this.take(Math.min(left, this.buffer.length))
      left -= piece.length
      yield piece
    }
  }
}
