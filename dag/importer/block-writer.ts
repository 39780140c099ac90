/**
 * Batches blocks into `putMany` calls and overlaps each write with the building of the next
 * batch: one batch is being written while the next ones fill, so the importer holds about two
 * batches (plus the leaves of one hashing window) at any moment, whatever the file size.
 */
import type { Block, BlockSink } from '../../blockstore/types.ts'

/** Components of a {@link BlockWriter}. */
export interface BlockWriterComponents {
  sink: BlockSink
}

/** Options of a {@link BlockWriter}. */
export interface BlockWriterInit {
  /** most blocks per `putMany` call */
  maxBlocks: number
  /** a batch takes no more blocks once it holds this many bytes (so it may exceed it by one block) */
  maxBytes: number
  signal?: AbortSignal
}

export class BlockWriter {
  private readonly sink: BlockSink
  private readonly maxBlocks: number
  private readonly maxBytes: number
  private readonly signal?: AbortSignal
  /** full batches waiting for their turn */
  private readonly closed: Block[][] = []
  private batch: Block[] = []
  private batchBytes = 0
  private inflight?: Promise<void>
  private inflightCount = 0
  /** blocks handed to the writer so far */
  queued = 0
  /** blocks whose `putMany` has resolved; blocks are written in the order they were queued */
  written = 0

  constructor (components: BlockWriterComponents, init: BlockWriterInit) {
    this.sink = components.sink
    this.maxBlocks = init.maxBlocks
    this.maxBytes = init.maxBytes
    this.signal = init.signal
  }

  /** Queues a block. Call {@link rotate} when {@link full} turns true. */
  put (block: Block): void {
    if (this.batch.length >= this.maxBlocks || this.batchBytes >= this.maxBytes) {
      this.closed.push(this.batch)
      this.batch = []
      this.batchBytes = 0
    }
    this.batch.push(block)
    this.batchBytes += block.bytes.length
    this.queued++
  }

  /** True when a batch is ready to be sent. */
  get full (): boolean {
    return this.closed.length > 0 || this.batch.length >= this.maxBlocks || this.batchBytes >= this.maxBytes
  }

  /**
   * Sends every full batch, each after the previous write has finished, and returns while the
   * last one is still being written.
   */
  async rotate (): Promise<void> {
    if (this.batch.length >= this.maxBlocks || this.batchBytes >= this.maxBytes) {
      this.close()
    }
    await this.sendClosed()
  }

  /** Writes everything queued and waits until it is written. */
  async flush (): Promise<void> {
    if (this.batch.length > 0) this.close()
    await this.sendClosed()
    await this.settle()
  }

  private close (): void {
    this.closed.push(this.batch)
    this.batch = []
    this.batchBytes = 0
  }

  private async sendClosed (): Promise<void> {
    while (this.closed.length > 0) {
      await this.settle()
      const batch = this.closed.shift() as Block[]
      this.inflightCount = batch.length
      const write = this.sink.putMany(batch, { signal: this.signal })
      // a rejection is observed by the next settle(); until then keep it from being "unhandled"
      write.catch(() => {})
      this.inflight = write
    }
  }

  private async settle (): Promise<void> {
    if (this.inflight == null) return
    const inflight = this.inflight
    this.inflight = undefined
    await inflight
    this.written += this.inflightCount
    this.inflightCount = 0
  }
}
