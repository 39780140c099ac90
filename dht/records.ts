/**
 * Value records (`/pk/…`, `/ipns/…`): per-namespace validators and selectors, and the store of
 * records this node keeps for the network. The Amino DHT accepts only the namespaces it has a
 * validator for; any other key is refused (go internal/config/config.go `Validate`; ipfs/specs
 * kad-dht.md "Value Storage"). `/pk/` is built in; `/ipns/` is registered by the naming subsystem
 * with {@link RecordValidators.register}.
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { base32 } from 'multiformats/bases/base32'
import { equalBytes as equals } from './keyspace.ts'
import { InvalidRecordError } from '../errors/index.ts'
import { VALUE_RECORD_MAX_AGE } from './constants.ts'
import { Record } from './pb/dht.js'
import { KeyType, PublicKey } from './pb/keys.js'
import type { DHTDatastore } from './datastore.ts'
import type { AbortOptions } from '@libp2p/interface'

/** Checks and ranks the records of one namespace. */
export interface RecordValidator {
  /** Throws `InvalidRecordError` unless `value` is a valid record for `key`. */
  validate(key: Uint8Array, value: Uint8Array): Promise<void> | void
  /** The index of the best of several valid records for `key`. */
  select(key: Uint8Array, values: Uint8Array[]): number
}

const SLASH = 0x2f

/** The namespace of a record key (`pk` for `/pk/…`), or undefined when it has none. */
export function namespaceOf (key: Uint8Array): string | undefined {
  if (key[0] !== SLASH) return undefined
  const end = key.indexOf(SLASH, 1)
  if (end <= 1) return undefined
  return new TextDecoder().decode(key.subarray(1, end))
}

/**
 * `/pk/<peer-ID multihash>`: the value is a protobuf `PublicKey` whose peer ID is the one in the
 * key (go-libp2p-record publickey.go; js @libp2p/record validators.ts). All valid records of a
 * key are the same key, so any is best.
 */
export const publicKeyValidator: RecordValidator = {
  validate (key, value) {
    const ns = namespaceOf(key)
    if (ns !== 'pk') throw new InvalidRecordError('not a /pk/ record key')
    const idBytes = key.subarray(4)
    let decoded: PublicKey
    try {
      decoded = PublicKey.decode(value)
    } catch (err) {
      throw new InvalidRecordError('/pk/ record value is not a libp2p PublicKey', { cause: err })
    }
    if (decoded.Type == null || decoded.Data == null || !Object.values(KeyType).includes(decoded.Type)) {
      throw new InvalidRecordError('/pk/ record value lacks a key type or key data')
    }
    let peerBytes: Uint8Array
    try {
      peerBytes = peerIdFromPublicKey(publicKeyFromProtobuf(value)).toMultihash().bytes
    } catch (err) {
      throw new InvalidRecordError('/pk/ record value is not a usable public key', { cause: err })
    }
    if (!equals(peerBytes, idBytes)) throw new InvalidRecordError('/pk/ record key does not match the public key')
  },
  select () {
    return 0
  }
}

/** The validators and selectors by namespace. */
export class RecordValidators {
  private readonly validators = new Map<string, RecordValidator>([['pk', publicKeyValidator]])

  /** Adds (or replaces) the validator of `namespace` (without slashes: `ipns`). */
  register (namespace: string, validator: RecordValidator): void {
    this.validators.set(namespace, validator)
  }

  /** True when the key's namespace has a validator (the DHT stores and fetches only those). */
  knows (key: Uint8Array): boolean {
    const ns = namespaceOf(key)
    return ns != null && this.validators.has(ns)
  }

  /** The namespaces with a validator. */
  namespaces (): string[] {
    return [...this.validators.keys()]
  }

  /** Throws `InvalidRecordError` unless the key's namespace is known and the record valid. */
  async validate (key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.get(key).validate(key, value)
  }

  /** The index of the best record; each must have been validated. */
  select (key: Uint8Array, values: Uint8Array[]): number {
    if (values.length <= 1) return 0
    const i = this.get(key).select(key, values)
    if (!Number.isInteger(i) || i < 0 || i >= values.length) throw new InvalidRecordError('selector returned no record')
    return i
  }

  private get (key: Uint8Array): RecordValidator {
    const ns = namespaceOf(key)
    const validator = ns == null ? undefined : this.validators.get(ns)
    if (validator == null) throw new InvalidRecordError(`no validator for record namespace ${ns == null ? '(none)' : `/${ns}/`}`)
    return validator
  }
}

const PREFIX = '/records/'

/** A stored value record and when it arrived. */
export interface StoredRecord {
  key: Uint8Array
  value: Uint8Array
  /** When it arrived (ms since the epoch). */
  received: number
  /** The record as stored, with `timeReceived` set, ready to send. */
  bytes: Uint8Array
}

/**
 * The value records this node keeps for the network, in the DHT datastore under
 * `/records/<base32 key>`. A record is served for {@link VALUE_RECORD_MAX_AGE} after it arrived
 * (go records/value_store.go); older ones are deleted when read.
 */
export class RecordStore {
  private readonly datastore: DHTDatastore
  private readonly maxAge: number

  constructor (components: { datastore: DHTDatastore }, init: { maxAge?: number } = {}) {
    this.datastore = components.datastore
    this.maxAge = init.maxAge ?? VALUE_RECORD_MAX_AGE
  }

  /** The stored record of `key` if it is not too old. */
  async get (key: Uint8Array, options: AbortOptions = {}): Promise<StoredRecord | undefined> {
    const dsKey = PREFIX + base32.baseEncode(key)
    const bytes = await this.datastore.get(dsKey, options)
    if (bytes == null) return undefined
    let record: Record
    try {
      record = Record.decode(bytes)
    } catch {
      await this.datastore.delete(dsKey, options)
      return undefined
    }
    const received = Date.parse(record.timeReceived)
    if (!equals(record.key, key) || Number.isNaN(received) || Date.now() - received > this.maxAge) {
      await this.datastore.delete(dsKey, options)
      return undefined
    }
    return { key, value: record.value, received, bytes }
  }

  /** Stores `value` under `key`, stamped with the time it arrived. The caller validated it. */
  async put (key: Uint8Array, value: Uint8Array, options: AbortOptions = {}): Promise<StoredRecord> {
    const received = Date.now()
    const bytes = Record.encode({ key: new Uint8Array(key), value: new Uint8Array(value), timeReceived: new Date(received).toISOString() })
    await this.datastore.put(PREFIX + base32.baseEncode(key), bytes, options)
    return { key, value, received, bytes }
  }
}
