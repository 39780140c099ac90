/**
 * Batches blocks into `putMany` calls and overlaps each write with the building of the next
 * batch: at most one batch is being written while the next one fills, so the importer holds at
 * most about two batches of blocks at any moment, whatever the file size.
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
  /** a batch is closed once it holds at least this many bytes */
  maxBytes: number
  signal?: AbortSignal
}

export class BlockWriter {
  private readonly sink: BlockSink
  private readonly maxBlocks: number
  private readonly maxBytes: number
  private readonly signal?: AbortSignal
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
    this.batch.push(block)
    this.batchBytes += block.bytes.length
    this.queued++
  }

  /** True when the current batch should be sent. */
  get full (): boolean {
    return this.batch.length >= this.maxBlocks || this.batchBytes >= this.maxBytes
  }

  /**
   * Waits for the batch being written (if any), then starts writing the current batch without
   * waiting for it.
   */
  async rotate (): Promise<void> {
    await this.settle()
    if (this.batch.length === 0) return
    const batch = this.batch
    this.batch = []
    this.batchBytes = 0
    this.inflightCount = batch.length
    const write = this.sink.putMany(batch, { signal: this.signal })
    // a rejection is observed by the next settle(); until then keep it from being "unhandled"
    write.catch(() => {})
    this.inflight = write
  }

  /** Writes everything queued and waits until it is written. */
  async flush (): Promise<void> {
    await this.rotate()
    await this.settle()
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
