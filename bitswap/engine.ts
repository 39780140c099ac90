/**
 * The serving engine: answers the wantlists peers send us. Each peer has a ledger with its
 * wantlist and a queue of wants still to answer; a scheduler picks whose wants to answer next and
 * packs the answers (blocks, HAVE, DONT_HAVE) into messages of about
 * {@link DEFAULT_TARGET_MESSAGE_SIZE}, with a bounded number of bytes in flight per peer.
 *
 * Reciprocity. Under contention, peers are served by weighted fair queueing: each peer's clock
 * advances by the bytes it is sent divided by its weight, and the peer with the earliest clock
 * goes next. A peer that has given us data gets a weight up to `1 + reciprocityBoost` (in
 * proportion to what it gave against what it took), a peer that only takes has weight 1: it gets a
 * smaller share, never none. Every `optimisticEvery`-th pick goes to the peer served longest ago
 * (BitTorrent's optimistic unchoke), and a newcomer starts at the current earliest clock, so it is
 * served at once instead of waiting behind everyone's history.
 */
import { WANT_HAVE_REPLACE_SIZE, DEFAULT_ENGINE_CONCURRENCY, DEFAULT_MAX_OUTSTANDING_BYTES_PER_PEER, DEFAULT_OPTIMISTIC_EVERY, DEFAULT_TARGET_MESSAGE_SIZE } from './constants.ts'
import { PeerLedger } from './ledger.ts'
import { multihashKey, type OutgoingMessage, type Presence, type ReceivedBlock, type WantEntry } from './message.ts'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The store the engine serves from. */
export interface EngineBlockstore {
  has(cid: CID, options?: AbortOptions): Promise<boolean>
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>
  /** The block's size without reading it, or undefined when absent. */
  getSize(cid: CID, options?: AbortOptions): Promise<number | undefined>
}

/** Options of the serving engine; every one has a `DEFAULT_*` constant. */
export interface EngineInit {
  /** Answer bytes gathered into one message. Default {@link DEFAULT_TARGET_MESSAGE_SIZE}. */
  targetMessageSize?: number
  /** Bytes in flight to one peer before its next answer waits. Default {@link DEFAULT_MAX_OUTSTANDING_BYTES_PER_PEER}. */
  maxOutstandingBytesPerPeer?: number
  /** Messages being prepared at once across peers. Default {@link DEFAULT_ENGINE_CONCURRENCY}. */
  concurrency?: number
  /** Serve peers that gave us data first (weighted fair queueing). Default true. */
  reciprocity?: boolean
  /** Extra weight of a peer that gave as much as it took. Default {@link DEFAULT_RECIPROCITY_BOOST}. */
  reciprocityBoost?: number
  /** Every this many picks, the peer served longest ago goes next. Default {@link DEFAULT_OPTIMISTIC_EVERY}. */
  optimisticEvery?: number
}

/** A peer that gave as much as it took is served up to 1 + this times as much as a free rider. */
export const DEFAULT_RECIPROCITY_BOOST = 4

/** What a HAVE or DONT_HAVE costs a peer's clock, in bytes: small but not free. */
const PRESENCE_COST = 64

/** What the engine sends with. */
export type EngineSend = (peer: PeerId, message: OutgoingMessage) => Promise<void>

/** Serves peers' wantlists from the local store. */
export class Engine {
  readonly ledgers = new Map<string, PeerLedger>()
  private readonly store: EngineBlockstore
  private readonly send: EngineSend
  private readonly log: Logger
  private readonly targetMessageSize: number
  private readonly maxOutstanding: number
  private readonly concurrency: number
  private readonly reciprocity: boolean
  private readonly boost: number
  private readonly optimisticEvery: number
  private active = 0
  private round = 0
  private running = false

  constructor (store: EngineBlockstore, send: EngineSend, log: Logger, init: EngineInit = {}) {
    this.store = store
    this.send = send
    this.log = log
    this.targetMessageSize = init.targetMessageSize ?? DEFAULT_TARGET_MESSAGE_SIZE
    this.maxOutstanding = init.maxOutstandingBytesPerPeer ?? DEFAULT_MAX_OUTSTANDING_BYTES_PER_PEER
    this.concurrency = init.concurrency ?? DEFAULT_ENGINE_CONCURRENCY
    this.reciprocity = init.reciprocity ?? true
    this.boost = init.reciprocityBoost ?? DEFAULT_RECIPROCITY_BOOST
    this.optimisticEvery = init.optimisticEvery ?? DEFAULT_OPTIMISTIC_EVERY
  }

  start (): void { this.running = true }

  stop (): void {
    this.running = false
    this.ledgers.clear()
  }

  /** The ledger of `peer`, made on first use; a newcomer starts at the earliest clock. */
  ledger (peer: PeerId): PeerLedger {
    const key = peer.toString()
    let ledger = this.ledgers.get(key)
    if (ledger == null) {
      ledger = new PeerLedger(peer)
      ledger.virtualTime = this.earliestClock()
      this.ledgers.set(key, ledger)
    }
    return ledger
  }

  /** A peer sent us its wantlist (or part of it). */
  onWantlist (peer: PeerId, full: boolean, entries: WantEntry[]): void {
    if (!this.running) return
    const ledger = this.ledger(peer)
    const fresh = ledger.applyWantlist(full, entries)
    this.log('%p: %d wants (%d to answer, full: %s), wantlist %d', peer, entries.length, fresh.length, full, ledger.wants.size)
    this.pump()
  }

  /** Blocks reached the store: peers that asked for them and were told DONT_HAVE get them now. */
  onNewBlocks (cids: CID[]): void {
    if (!this.running || this.ledgers.size === 0) return
    let queued = false
    for (const cid of cids) {
      const key = multihashKey(cid)
      for (const ledger of this.ledgers.values()) {
        const want = ledger.wants.get(key)
        if (want != null && !ledger.tasks.has(key)) {
          ledger.tasks.set(key, want)
          queued = true
        }
      }
    }
    if (queued) {
      this.log('new blocks answer waiting wants')
      this.pump()
    }
  }

  /** A peer disconnected: its state is freed. */
  onPeerDisconnected (peer: PeerId): void {
    this.ledgers.delete(peer.toString())
  }

  /** Peers' wantlists as we hold them. */
  wantlistOf (peer: PeerId): CID[] {
    return [...(this.ledgers.get(peer.toString())?.wants.values() ?? [])].map(w => w.cid)
  }

  /** The weight of a peer in the schedule: 1 for a free rider, up to 1 + boost for a giver. */
  weight (ledger: PeerLedger): number {
    if (!this.reciprocity) return 1
    const given = ledger.bytesReceived / Math.max(ledger.bytesSent, 1)
    return 1 + this.boost * Math.min(1, given)
  }

  private earliestClock (): number {
    let min = Infinity
    for (const l of this.ledgers.values()) if (l.tasks.size > 0 && l.virtualTime < min) min = l.virtualTime
    if (min === Infinity) {
      for (const l of this.ledgers.values()) if (l.virtualTime < min) min = l.virtualTime
    }
    return min === Infinity ? 0 : min
  }

  /** Starts answering as long as there is work and room. */
  private pump (): void {
    while (this.running && this.active < this.concurrency) {
      const ledger = this.pick()
      if (ledger == null) return
      this.active++
      void this.serve(ledger)
        .catch(err => { this.log.error('serving %p failed: %e', ledger.peer, err) })
        .finally(() => {
          this.active--
          this.pump()
        })
    }
  }

  private pick (): PeerLedger | undefined {
    let best: PeerLedger | undefined
    let oldest: PeerLedger | undefined
    for (const ledger of this.ledgers.values()) {
      if (ledger.tasks.size === 0 || ledger.outstandingBytes >= this.maxOutstanding) continue
      if (best == null || ledger.virtualTime < best.virtualTime) best = ledger
      if (oldest == null || ledger.lastServedRound < oldest.lastServedRound) oldest = ledger
    }
    if (best == null) return undefined
    this.round++
    const chosen = this.reciprocity && this.optimisticEvery > 0 && this.round % this.optimisticEvery === 0 ? oldest! : best
    chosen.lastServedRound = this.round
    return chosen
  }

  /**
   * Answers a batch of one peer's wants as one message. The batch is planned from the blocks'
   * sizes (an index lookup each) and then read all at once, so the store reads (and checks) a
   * message's blocks in one go instead of one after the other: a message of 1 MiB used to wait
   * for four reads in a row, each a round trip to the hashing thread.
   */
  private async serve (ledger: PeerLedger): Promise<void> {
    const planned: WantEntry[] = []
    const presences: Presence[] = []
    let bytes = 0
    // reserve room now so the scheduler does not pick this peer again past its limit
    const budget = Math.min(this.targetMessageSize, this.maxOutstanding - ledger.outstandingBytes)
    let held = budget
    ledger.outstandingBytes += held
    try {
      let plannedBytes = 0
      for (const [key, want] of ledger.tasks) {
        if (plannedBytes >= budget) break
        const size = await this.store.getSize(want.cid).catch(() => undefined)
        // a block that would overflow this message waits for the next one
        if (size != null && plannedBytes > 0 && plannedBytes + size > budget && (want.wantType === 'block' || size <= WANT_HAVE_REPLACE_SIZE)) break
        if (ledger.tasks.get(key) !== want) continue
        ledger.tasks.delete(key)
        if (size == null) {
          if (want.sendDontHave) presences.push({ cid: want.cid, have: false })
          continue
        }
        if (want.wantType === 'have' && size > WANT_HAVE_REPLACE_SIZE) {
          presences.push({ cid: want.cid, have: true })
          ledger.wants.delete(key)
          continue
        }
        planned.push(want)
        plannedBytes += size
      }
      const read = await Promise.all(planned.map(async want => await this.store.get(want.cid).then(bytes => bytes, (err: unknown) => {
        this.log('block %c vanished while serving %p: %e', want.cid, ledger.peer, err)
        return undefined
      })))
      const blocks: ReceivedBlock[] = []
      read.forEach((block, i) => {
        const want = planned[i]
        if (block == null) {
          if (want.sendDontHave) presences.push({ cid: want.cid, have: false })
          return
        }
        blocks.push({ cid: want.cid, bytes: block })
        bytes += block.byteLength
        ledger.wants.delete(multihashKey(want.cid))
      })
      if (blocks.length === 0 && presences.length === 0) return
      ledger.outstandingBytes += bytes - held
      held = bytes
      ledger.virtualTime += Math.max(bytes, PRESENCE_COST * presences.length) / this.weight(ledger)
      await this.send(ledger.peer, { blocks, presences })
      ledger.bytesSent += bytes
      ledger.blocksSent += blocks.length
      ledger.exchanged++
      this.log('sent %d blocks (%d bytes) and %d presences to %p', blocks.length, bytes, presences.length, ledger.peer)
    } finally {
      ledger.outstandingBytes -= held
    }
  }
}
