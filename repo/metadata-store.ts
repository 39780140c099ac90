/**
 * The metadata datastore as the network subsystems see it: a small typed key-value store over
 * the repo's metadata LevelDB (`$CAIRN_PATH/datastore`), apart from block bytes so a large add's
 * compaction does not stall it. The DHT's provider records and peer cache, Bitswap's ledgers and
 * IPNS records each get a store of their own ({@link MetadataStore.sub}) as their `datastore`
 * component, so none of them needs the repo, LevelDB or `core/`.
 *
 * Keys and values are bytes. `interface-datastore` (string keys, `Key` objects) is not a
 * dependency of Cairn; an adapter to that shape can wrap this one when libp2p's peer store is
 * made to persist.
 */
import { throwIfAborted } from '../errors/abort.ts'
import type { Datastore } from './repo.ts'

/** Options every operation takes. */
export interface MetadataOptions {
  signal?: AbortSignal
}

/** One operation of an atomic {@link MetadataStore.batch}. */
export type MetadataOperation =
  | { type: 'put', key: Uint8Array, value: Uint8Array }
  | { type: 'del', key: Uint8Array }

/** A key and its value. */
export interface MetadataEntry {
  key: Uint8Array
  value: Uint8Array
}

/** Options of {@link MetadataStore.entries}. */
export interface MetadataQuery extends MetadataOptions {
  /** Only keys that start with these bytes. Default: every key. */
  prefix?: Uint8Array
  /** Stop after this many entries. Default: no limit. */
  limit?: number
}

/** A typed view of one part of the metadata datastore. */
export interface MetadataStore {
  /** The value of `key`, or undefined when absent. */
  get(key: Uint8Array, options?: MetadataOptions): Promise<Uint8Array | undefined>
  has(key: Uint8Array, options?: MetadataOptions): Promise<boolean>
  put(key: Uint8Array, value: Uint8Array, options?: MetadataOptions): Promise<void>
  /** Removes `key`; an absent key is not an error. */
  delete(key: Uint8Array, options?: MetadataOptions): Promise<void>
  /** Writes every operation or none. */
  batch(operations: MetadataOperation[], options?: MetadataOptions): Promise<void>
  /** Entries in key order (bytewise). */
  entries(query?: MetadataQuery): AsyncIterable<MetadataEntry>
  /** A store of its own, under `name`: its keys never meet this store's or a sibling's. */
  sub(name: string): MetadataStore
}

/**
 * The part of a LevelDB database (or sublevel) the adapter uses, with byte keys and values.
 * `repo.datastore` and its `sublevel(name, { keyEncoding: 'view', valueEncoding: 'view' })` are.
 */
export interface ByteLevel {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  put(key: Uint8Array, value: Uint8Array): Promise<void>
  del(key: Uint8Array): Promise<void>
  batch(operations: MetadataOperation[]): Promise<void>
  iterator(options: { gte?: Uint8Array, lt?: Uint8Array, limit?: number, signal?: AbortSignal }): AsyncIterable<[Uint8Array, Uint8Array]>
  sublevel(name: string, options: { keyEncoding: 'view', valueEncoding: 'view' }): ByteLevel
}

/** The first key after every key that starts with `prefix`, or undefined when there is none. */
function prefixEnd (prefix: Uint8Array): Uint8Array | undefined {
  const end = Uint8Array.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++
      return end.subarray(0, i + 1)
    }
  }
  return undefined
}

class LevelMetadataStore implements MetadataStore {
  readonly #level: ByteLevel

  constructor (level: ByteLevel) {
    this.#level = level
  }

  async get (key: Uint8Array, options: MetadataOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal)
    return await this.#level.get(key) ?? undefined
  }

  async has (key: Uint8Array, options: MetadataOptions = {}): Promise<boolean> {
    return (await this.get(key, options)) !== undefined
  }

  async put (key: Uint8Array, value: Uint8Array, options: MetadataOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    await this.#level.put(key, value)
  }

  async delete (key: Uint8Array, options: MetadataOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    await this.#level.del(key)
  }

  async batch (operations: MetadataOperation[], options: MetadataOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    if (operations.length === 0) return
    await this.#level.batch(operations)
  }

  async * entries (query: MetadataQuery = {}): AsyncGenerator<MetadataEntry> {
    const range: { gte?: Uint8Array, lt?: Uint8Array, limit?: number, signal?: AbortSignal } = { signal: query.signal }
    if (query.prefix != null && query.prefix.length > 0) {
      range.gte = query.prefix
      range.lt = prefixEnd(query.prefix)
    }
    if (query.limit != null) range.limit = query.limit
    for await (const [key, value] of this.#level.iterator(range)) {
      yield { key, value }
    }
  }

  sub (name: string): MetadataStore {
    return new LevelMetadataStore(this.#level.sublevel(name, { keyEncoding: 'view', valueEncoding: 'view' }))
  }
}

/**
 * A {@link MetadataStore} over a byte-keyed LevelDB database or sublevel, e.g.
 * `createMetadataStore(repo.datastore).sub('dht')`.
 */
export function createMetadataStore (level: ByteLevel | Datastore): MetadataStore {
  return new LevelMetadataStore(level as unknown as ByteLevel)
}
