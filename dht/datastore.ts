/**
 * The small key-value store the DHT keeps its state in: provider records, value records and the
 * peer cache. Keys are strings (`/providers/…`, `/records/…`, `/peers/…`), values bytes. Two
 * implementations: {@link MemoryDHTDatastore} for tests and ephemeral nodes, and
 * {@link LevelDHTDatastore} over a sublevel of the repo's metadata LevelDB.
 */
import type { AbortOptions } from '@libp2p/interface'

/** One entry of {@link DHTDatastore.query}. */
export interface DatastoreEntry {
  key: string
  value: Uint8Array
}

/** What the DHT needs from a datastore. */
export interface DHTDatastore {
  /** The value under `key`, or undefined. */
  get(key: string, options?: AbortOptions): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array, options?: AbortOptions): Promise<void>
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string, options?: AbortOptions): Promise<void>
  /** Every entry whose key starts with `prefix`, in key order. */
  query(prefix: string, options?: AbortOptions): AsyncIterable<DatastoreEntry>
}

/** A {@link DHTDatastore} in memory. */
export class MemoryDHTDatastore implements DHTDatastore {
  private readonly entries = new Map<string, Uint8Array>()

  async get (key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(key)
  }

  async put (key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value)
  }

  async delete (key: string): Promise<void> {
    this.entries.delete(key)
  }

  async * query (prefix: string, options: AbortOptions = {}): AsyncGenerator<DatastoreEntry> {
    const keys = [...this.entries.keys()].filter(k => k.startsWith(prefix)).sort()
    for (const key of keys) {
      options.signal?.throwIfAborted()
      const value = this.entries.get(key)
      if (value != null) yield { key, value }
    }
  }
}

/** The part of a `level` sublevel the DHT uses (string keys, byte values). */
export interface LevelTable {
  get(key: string): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array): Promise<void>
  del(key: string): Promise<void>
  iterator(options: { gte: string, lt: string }): AsyncIterable<[string, Uint8Array]> & { close(): Promise<void> }
}

/** A LevelDB (`Level`) or a sublevel of one: the repo's metadata datastore. */
export interface LevelParent {
  sublevel(name: string, options: { keyEncoding: 'utf8', valueEncoding: 'view' }): unknown
}

/** The name of the DHT's sublevel in the metadata datastore. */
export const DHT_SUBLEVEL = 'dht'

/** A {@link DHTDatastore} in a sublevel of a LevelDB, so its state survives a restart. */
export class LevelDHTDatastore implements DHTDatastore {
  private readonly table: LevelTable

  /** Opens the `dht` sublevel of `db` (the repo's metadata datastore). */
  constructor (db: LevelParent, name: string = DHT_SUBLEVEL) {
    this.table = db.sublevel(name, { keyEncoding: 'utf8', valueEncoding: 'view' }) as LevelTable
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    return (await this.table.get(key)) ?? undefined
  }

  async put (key: string, value: Uint8Array): Promise<void> {
    await this.table.put(key, value)
  }

  async delete (key: string): Promise<void> {
    await this.table.del(key)
  }

  async * query (prefix: string, options: AbortOptions = {}): AsyncGenerator<DatastoreEntry> {
    // '\uffff' sorts after every character a key of ours contains
    const it = this.table.iterator({ gte: prefix, lt: prefix + '\uffff' })
    try {
      for await (const [key, value] of it) {
        options.signal?.throwIfAborted()
        yield { key, value }
      }
    } finally {
      await it.close()
    }
  }
}
