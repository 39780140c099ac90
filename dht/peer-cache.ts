/**
 * The peer cache: the routing table's contacts and their addresses, kept in the DHT datastore
 * (`/peers/<peer ID>`) so a restarted node rejoins the network from them alone, without its
 * bootstrap peers. Contacts are written as they enter the table and deleted as they leave.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MAX_CACHED_PEERS } from './constants.ts'
import { withoutPeerId, type PeerInfo } from './message.ts'
import { CachedPeer } from './pb/store.js'
import type { DHTDatastore } from './datastore.ts'
import type { Contact, RoutingTable } from './routing-table.ts'
import type { AbortOptions, ComponentLogger, Logger } from '@libp2p/interface'

const PREFIX = '/peers/'

/** A cached contact. */
export interface CachedContact extends PeerInfo {
  /** When it last answered (ms since the epoch). */
  lastSeen: number
}

/** Persists the routing table's contacts. */
export class PeerCache {
  private readonly datastore: DHTDatastore
  private readonly log: Logger
  private detach?: () => void

  constructor (components: { datastore: DHTDatastore, logger: ComponentLogger }) {
    this.datastore = components.datastore
    this.log = components.logger.forComponent('cairn:dht:peer-cache')
  }

  /** The cached contacts, most recently seen first, at most {@link MAX_CACHED_PEERS}. */
  async load (options: AbortOptions = {}): Promise<CachedContact[]> {
    const out: CachedContact[] = []
    for await (const { key, value } of this.datastore.query(PREFIX, options)) {
      try {
        const entry = CachedPeer.decode(value)
        const multiaddrs = entry.addrs.flatMap(bytes => { try { return [multiaddr(bytes)] } catch { return [] } })
        out.push({ id: peerIdFromString(key.slice(PREFIX.length)), multiaddrs, lastSeen: entry.lastSeen })
      } catch (err) {
        this.log.error('dropping unreadable peer cache entry %s: %e', key, err)
        await this.datastore.delete(key, options)
      }
    }
    out.sort((a, b) => b.lastSeen - a.lastSeen)
    return out.slice(0, MAX_CACHED_PEERS)
  }

  /** Follows `table`: contacts are saved as they enter and deleted as they leave. */
  attach (table: RoutingTable): void {
    this.detach?.()
    const offAdd = table.on('peer:add', contact => {
      void this.save(contact).catch(err => this.log.error('could not cache %p: %e', contact.id, err))
    })
    const offRemove = table.on('peer:remove', contact => {
      void this.datastore.delete(PREFIX + contact.id.toString()).catch(err => this.log.error('could not uncache %p: %e', contact.id, err))
    })
    this.detach = () => { offAdd(); offRemove() }
  }

  /** Stops following the table, after saving every contact's latest state. */
  async close (table: RoutingTable): Promise<void> {
    this.detach?.()
    this.detach = undefined
    for (const contact of table.contacts()) await this.save(contact)
  }

  private async save (contact: Contact): Promise<void> {
    const addrs = contact.addrs.map((a: Multiaddr) => withoutPeerId(a).bytes)
    await this.datastore.put(PREFIX + contact.id.toString(), CachedPeer.encode({ addrs, lastSeen: contact.lastSeen }))
  }
}
