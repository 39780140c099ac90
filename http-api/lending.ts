/**
 * Lent bytes. Besides its ordinary iterator, whose chunks the consumer may keep, a byte source may
 * offer a lending one: each of its chunks stays valid only until the next is asked for, so the
 * source can read into the same few buffers again and again instead of handing the garbage
 * collector a fresh one per chunk (a 256 MiB upload from the CLI is otherwise 256 MiB of 1 MiB
 * buffers to collect, ~0.15 s of the CLI's CPU on a machine whose other core the daemon needs).
 *
 * Only a consumer that is done with every chunk before it pulls the next may ask for the lending
 * iterator: the RPC client's request writer (`http1-client.ts`) is one.
 */

const LEND = Symbol('cairn.lend')

/** A byte source that can lend its chunks. */
export interface LendingSource extends AsyncIterable<Uint8Array> {
  [LEND]: () => AsyncIterable<Uint8Array>
}

/** `source`, offering `lend` as its lending iterator. */
export function withLending (source: AsyncIterable<Uint8Array>, lend: () => AsyncIterable<Uint8Array>): LendingSource {
  return Object.assign(source, { [LEND]: lend })
}

/** The lending iterator of `source` if it has one, else `source` itself. */
export function lentOrOwn<T extends AsyncIterable<Uint8Array> | Iterable<Uint8Array>> (source: T): T | AsyncIterable<Uint8Array> {
  const lend = (source as Partial<LendingSource>)[LEND]
  return typeof lend === 'function' ? lend() : source
}
