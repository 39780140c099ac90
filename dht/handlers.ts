/**
 * The server side of the DHT: what this node answers to each request type (go handlers.go and
 * js rpc/handlers behave the same way; wire-protocols §1.2 has the table). Every input is checked
 * before use: key sizes, that an ADD_PROVIDER names only its sender, that a PUT_VALUE's record is
 * valid for its namespace and not older than what is stored.
 */
import { InvalidRecordError, ProtocolError } from '../errors/index.ts'
import { MAX_PROVIDER_KEY_SIZE, MAX_RECORD_KEY_SIZE } from './constants.ts'
import { kadId, equalBytes } from './keyspace.ts'
import { decodeAddrs, peerIdFromBytes, toWirePeer, withoutPeerId, type PeerInfo } from './message.ts'
import { Message, Record } from './pb/dht.js'
import type { DHTAddresses } from './components.ts'
import type { ProviderStore } from './provider-store.ts'
import type { RecordStore, RecordValidators } from './records.ts'
import type { RoutingTable } from './routing-table.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId, PeerStore } from '@libp2p/interface'

/** What the handlers read and write. */
export interface HandlerComponents {
  peerId: PeerId
  routingTable: RoutingTable
  providers: ProviderStore
  records: RecordStore
  validators: RecordValidators
  peerStore: PeerStore
  addresses: DHTAddresses
  logger: ComponentLogger
}

/** Answers DHT requests. */
export class RequestHandlers {
  private readonly c: HandlerComponents
  private readonly log: Logger

  constructor (components: HandlerComponents) {
    this.c = components
    this.log = components.logger.forComponent('cairn:dht:handlers')
  }

  /**
   * The reply to `message` from `from`, or undefined for ADD_PROVIDER (which gets none). Throws
   * `ProtocolError` or `InvalidRecordError` for a request that must be refused: the server then
   * resets the stream, as go does.
   */
  async handle (from: PeerId, message: Message, options: AbortOptions = {}): Promise<Message | undefined> {
    this.log('%s from %p', message.type, from)
    switch (message.type) {
      case Message.MessageType.FIND_NODE: return this.findNode(from, message, options)
      case Message.MessageType.GET_PROVIDERS: return this.getProviders(from, message, options)
      case Message.MessageType.ADD_PROVIDER: return this.addProvider(from, message, options)
      case Message.MessageType.GET_VALUE: return this.getValue(from, message, options)
      case Message.MessageType.PUT_VALUE: return this.putValue(message, options)
      case Message.MessageType.PING: return reply(message, {})
      default: throw new ProtocolError(`unknown message type ${String(message.type)}`)
    }
  }

  /** The k closest DHT servers of our table to `key`, without the requester (libp2p/specs kad-dht). */
  closerPeers (key: Uint8Array, exclude: PeerId): Message.Peer[] {
    const contacts = this.c.routingTable.closest(kadId(key), this.c.routingTable.k + 1)
    return contacts.filter(c => !c.id.equals(exclude)).slice(0, this.c.routingTable.k).map(c => toWirePeer({ id: c.id, multiaddrs: c.addrs }))
  }

  private async findNode (from: PeerId, message: Message, options: AbortOptions): Promise<Message> {
    checkKey(message.key, MAX_RECORD_KEY_SIZE)
    const closer = this.closerPeers(message.key, from)
    // a lookup of a peer ID ends at that peer: whoever knows its addresses says so, even when it
    // is not a DHT server (ipfs/specs kad-dht "Discovering non-DHT Servers"); ourselves included
    const target = peerIdFromBytes(message.key)
    if (target != null && !closer.some(p => equalBytes(p.id, message.key))) {
      const known = await this.addressesOf(target, options)
      if (known.length > 0) closer.unshift(toWirePeer({ id: target, multiaddrs: known }))
    }
    return reply(message, { closerPeers: closer })
  }

  private async getProviders (from: PeerId, message: Message, options: AbortOptions): Promise<Message> {
    checkKey(message.key, MAX_PROVIDER_KEY_SIZE)
    const providers = await this.c.providers.get(message.key, options)
    return reply(message, {
      providerPeers: providers.map(p => toWirePeer(p)),
      closerPeers: this.closerPeers(message.key, from)
    })
  }

  private async addProvider (from: PeerId, message: Message, options: AbortOptions): Promise<undefined> {
    checkKey(message.key, MAX_PROVIDER_KEY_SIZE)
    let accepted = 0
    for (const entry of message.providerPeers) {
      const id = peerIdFromBytes(entry.id)
      // a peer may only announce itself: a record for someone else could point clients at a victim
      if (id == null || !id.equals(from)) {
        this.log('%p announced a provider other than itself; ignored', from)
        continue
      }
      const multiaddrs = decodeAddrs(entry.addrs)
      if (multiaddrs.length === 0) continue
      const result = await this.c.providers.add(message.key, { id, multiaddrs }, options)
      if (result === 'added' || result === 'refreshed') accepted++
      else this.log('provider record of %p refused: %s', from, result)
    }
    if (accepted === 0) throw new ProtocolError('ADD_PROVIDER named no provider we could accept (the sender, with an address)')
    return undefined
  }

  private async getValue (from: PeerId, message: Message, options: AbortOptions): Promise<Message> {
    checkKey(message.key, MAX_RECORD_KEY_SIZE)
    const stored = await this.c.records.get(message.key, options)
    return reply(message, {
      record: stored == null ? undefined : new Uint8Array(stored.bytes),
      closerPeers: this.closerPeers(message.key, from)
    })
  }

  private async putValue (message: Message, options: AbortOptions): Promise<Message> {
    checkKey(message.key, MAX_RECORD_KEY_SIZE)
    if (message.record == null) throw new ProtocolError('PUT_VALUE without a record')
    let record: Record
    try {
      record = Record.decode(message.record)
    } catch (err) {
      throw new ProtocolError('PUT_VALUE record is not a Record', { cause: err })
    }
    if (!equalBytes(record.key, message.key)) throw new InvalidRecordError('PUT_VALUE record key differs from the message key')
    await this.c.validators.validate(record.key, record.value)
    const existing = await this.c.records.get(record.key, options)
    if (existing != null && !equalBytes(existing.value, record.value)) {
      const best = this.c.validators.select(record.key, [record.value, existing.value])
      if (best !== 0) throw new InvalidRecordError('PUT_VALUE record is older than the one stored')
    }
    await this.c.records.put(record.key, record.value, options)
    // the reply echoes the request (go handlePutValue); go's client checks the echoed record
    return { ...message, closerPeers: [], providerPeers: [] }
  }

  private async addressesOf (peer: PeerId, options: AbortOptions): Promise<PeerInfo['multiaddrs']> {
    if (peer.equals(this.c.peerId)) return this.c.addresses.getMultiaddrs().map(withoutPeerId)
    const contact = this.c.routingTable.get(peer)
    if (contact != null) return contact.addrs
    try {
      const known = await this.c.peerStore.get(peer, options)
      return known.addresses.map(a => a.multiaddr)
    } catch {
      // not in the peer store: nothing to add
      return []
    }
  }
}

function checkKey (key: Uint8Array, max: number): void {
  if (key.byteLength === 0) throw new ProtocolError('request without a key')
  if (key.byteLength > max) throw new ProtocolError(`key of ${key.byteLength} bytes is over the limit of ${max}`)
}

function reply (request: Message, fields: Partial<Message>): Message {
  return {
    type: request.type,
    key: request.key,
    clusterLevelRaw: 0,
    closerPeers: [],
    providerPeers: [],
    ...fields
  }
}
