/**
 * What Cairn knows of one peer it trades blocks with: the blocks it wants from us (its wantlist,
 * bounded), what each side has given the other, and its place in the serving schedule.
 */
import { MAX_WANTLIST_SIZE } from './constants.ts'
import { multihashKey, type WantEntry } from './message.ts'
import type { PeerId } from '@libp2p/interface'

/** Kubo's `bitswap ledger` shape. */
export interface LedgerInfo {
  Peer: string
  /** Debt ratio: bytes we sent it over bytes it sent us (+1). */
  Value: number
  Sent: number
  Recv: number
  Exchanged: number
}

/** One peer's ledger. */
export class PeerLedger {
  readonly peer: PeerId
  /** Its wantlist, by multihash key, oldest first. */
  readonly wants = new Map<string, WantEntry>()
  /** Wants not yet answered, by multihash key: the serving engine's task queue for this peer. */
  readonly tasks = new Map<string, WantEntry>()
  bytesSent = 0
  bytesReceived = 0
  blocksSent = 0
  blocksReceived = 0
  /** Messages exchanged either way. */
  exchanged = 0
  /** Blocks it sent that we did not want, or whose bytes could not be read. */
  badBlocks = 0
  /** Block bytes handed to the network for it and not yet written out. */
  outstandingBytes = 0
  /** Weighted-fair-queueing clock: grows by the bytes served to it over its weight. */
  virtualTime = 0
  /** The scheduling round it was last served in. */
  lastServedRound = 0
  /** Wants refused because its wantlist was full. */
  droppedWants = 0

  constructor (peer: PeerId) {
    this.peer = peer
  }

  /**
   * Applies a received wantlist: `full` replaces the old one, `cancel` removes an entry, a
   * want-have may be upgraded to want-block (never the other way). Entries past
   * {@link MAX_WANTLIST_SIZE} are refused. Returns the entries that need an answer.
   */
  applyWantlist (full: boolean, entries: WantEntry[], maxSize = MAX_WANTLIST_SIZE): WantEntry[] {
    if (full) {
      this.wants.clear()
      this.tasks.clear()
    }
    const fresh: WantEntry[] = []
    for (const entry of entries) {
      const key = multihashKey(entry.cid)
      if (entry.cancel) {
        this.wants.delete(key)
        this.tasks.delete(key)
        continue
      }
      const existing = this.wants.get(key)
      if (existing == null && this.wants.size >= maxSize) {
        this.droppedWants++
        continue
      }
      const merged: WantEntry = existing == null
        ? entry
        : { ...entry, wantType: existing.wantType === 'block' ? 'block' : entry.wantType, sendDontHave: entry.sendDontHave || existing.sendDontHave }
      this.wants.set(key, merged)
      this.tasks.set(key, merged)
      fresh.push(merged)
    }
    return fresh
  }

  /** Kubo's ledger view. */
  info (): LedgerInfo {
    return {
      Peer: this.peer.toString(),
      Value: this.bytesSent / (this.bytesReceived + 1),
      Sent: this.bytesSent,
      Recv: this.bytesReceived,
      Exchanged: this.exchanged
    }
  }
}
