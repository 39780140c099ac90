/**
 * `get --compress` (Kubo's `-C`): gzip over a byte stream, and the one file's bytes that `-C`
 * without `-a` compresses. Shared by the RPC server (what kubo-rpc-client's `get({ compress })`
 * receives) and the CLI (which writes the `.gz` itself when the answer comes as entries).
 */
import { createGzip } from 'node:zlib'
import { InvalidArgumentError } from '../errors/index.ts'

/** Go's `gzip.DefaultCompression` as zlib spells it: `get -C` without `-l`. */
export const DEFAULT_GZIP_LEVEL = 6

/** Checks `--compression-level` (1–9, and only with `--compress`); returns the level to use, or undefined for none. */
export function gzipLevelOf (options: Record<string, unknown>): number | undefined {
  const level = options['compression-level'] as number | undefined
  if (options.compress !== true) {
    if (level != null) throw new InvalidArgumentError('--compression-level (-l) needs --compress (-C)')
    return undefined
  }
  if (level != null && !(Number.isInteger(level) && level >= 1 && level <= 9)) {
    throw new InvalidArgumentError(`--compression-level must be a whole number from 1 to 9, not ${level}`)
  }
  return level ?? DEFAULT_GZIP_LEVEL
}

/** A byte stream gzipped at `level`, with backpressure. */
export async function * gzipped (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, level: number): AsyncGenerator<Uint8Array> {
  const gzip = createGzip({ level })
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        if (!gzip.write(chunk)) await new Promise<void>(resolve => gzip.once('drain', resolve))
      }
      gzip.end()
    } catch (err) {
      gzip.destroy(err as Error)
    }
  })()
  for await (const chunk of gzip) yield chunk as Uint8Array
  await feeding
}

/** What `-C` without `-a` compresses: the bytes of the one file the entries hold (a folder needs `-a`). */
export async function * singleFileBytes (entries: AsyncIterable<{ type: string, content?: (options?: { signal?: AbortSignal }) => AsyncIterable<Uint8Array> }>, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]()
  try {
    const first = await iterator.next()
    if (first.done === true || first.value.type !== 'file') {
      throw new InvalidArgumentError(`get --compress without --archive writes one gzipped file, but this is ${first.done === true ? 'empty' : `a ${first.value.type}`}: add -a for a .tar.gz`)
    }
    yield * first.value.content?.({ signal: options.signal }) ?? []
  } finally {
    await iterator.return?.()
  }
}
