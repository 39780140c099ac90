/**
 * The local IPNS record store: the best valid record this node knows for each name (its own
 * published ones and those it resolved). A record is validated before it is kept, and a record
 * that loses to the stored one (lower sequence, earlier EOL) never replaces it.
 *
 * It sits on a small key-value interface so the repo's metadata store can be adapted to it; an
 * in-memory one and a LevelDB sublevel one are here.
 */
import { base32 } from 'multiformats/bases/base32'
import { RecordOutdatedError } from '../errors/index.ts'
import { compareRecords } from './selector.ts'
import { validateRecord } from './validator.ts'
import type { IpnsRecord } from './record.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Level } from 'level'

/** The key-value store the record store needs. */
export interface NamingDatastore {
  get(key: string, options?: AbortOptions): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array, options?: AbortOptions): Promise<void>
  delete(key: string, options?: AbortOptions): Promise<void>
}

/** A {@link NamingDatastore} in memory (tests, ephemeral nodes). */
export class MemoryNamingDatastore implements NamingDatastore {
  private readonly map = new Map<string, Uint8Array>()
  async get (key: string): Promise<Uint8Array | undefined> { return this.map.get(key) }
  async put (key: string, value: Uint8Array): Promise<void> { this.map.set(key, value) }
  async delete (key: string): Promise<void> { this.map.delete(key) }
}

/** A {@link NamingDatastore} in a sublevel (`ipns`) of a LevelDB, e.g. the repo's metadata store. */
export class LevelNamingDatastore implements NamingDatastore {
  private readonly db

  constructor (db: Level<Uint8Array, Uint8Array> | Level<string, Uint8Array>, sublevel = 'ipns') {
    this.db = (db as Level<string, Uint8Array>).sublevel<string, Uint8Array>(sublevel, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    return (await this.db.get(key)) ?? undefined
  }

  async put (key: string, value: Uint8Array): Promise<void> {
    await this.db.put(key, value)
  }

  async delete (key: string): Promise<void> {
    await this.db.del(key)
  }
}

/** A key-value store with byte keys (the shape of the repo's metadata store). */
export interface ByteKeyStore {
  get(key: Uint8Array, options?: AbortOptions): Promise<Uint8Array | undefined>
  put(key: Uint8Array, value: Uint8Array, options?: AbortOptions): Promise<void>
  delete(key: Uint8Array, options?: AbortOptions): Promise<void>
}

/** A {@link NamingDatastore} over a byte-keyed store (keys are the UTF-8 of the local record keys). */
export function namingDatastoreOver (store: ByteKeyStore): NamingDatastore {
  const bytes = (key: string): Uint8Array => new TextEncoder().encode(key)
  return {
    async get (key, options) { return store.get(bytes(key), options) },
    async put (key, value, options) { await store.put(bytes(key), value, options) },
    async delete (key, options) { await store.delete(bytes(key), options) }
  }
}

/** The local key of a name: `/ipns/` + unpadded base32 of the name's multihash, as Kubo's. */
export function localRecordKey (name: Uint8Array): string {
  return '/ipns/' + base32.baseEncode(name).toUpperCase()
}

/** Options of {@link RecordStore.put}. */
export interface RecordStorePutOptions extends AbortOptions {
  /** Clock for the expiry check, ms since the epoch (tests). */
  now?: number
}

/** The best known record per name (see the module comment). */
export class RecordStore {
  private readonly datastore: NamingDatastore

  constructor (datastore: NamingDatastore) {
    this.datastore = datastore
  }

  /**
   * Validates and keeps a record for `name`. Throws the validator's errors, or
   * `RecordOutdatedError` when the stored record is better; equal bytes are a no-op.
   */
  async put (name: Uint8Array, bytes: Uint8Array, options: RecordStorePutOptions = {}): Promise<IpnsRecord> {
    const record = await validateRecord(name, bytes, options)
    const existing = await this.datastore.get(localRecordKey(name), options)
    if (existing != null && compareRecords(bytes, existing) < 0) {
      throw new RecordOutdatedError('a better record (higher sequence or later EOL) is already stored for this name')
    }
    await this.datastore.put(localRecordKey(name), bytes, options)
    return record
  }

  /** The stored record bytes for `name`, valid or not (expired records stay until replaced). */
  async get (name: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    return this.datastore.get(localRecordKey(name), options)
  }

  /** Forgets the record of `name`. */
  async delete (name: Uint8Array, options: AbortOptions = {}): Promise<void> {
    await this.datastore.delete(localRecordKey(name), options)
  }
}
