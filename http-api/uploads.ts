/**
 * Kubo's file-upload conventions on top of multipart, both ways: the server turns parts into the
 * import entries of `add` and the input files of `block put`, `dag put` and `dag import`; the
 * client turns them back into parts.
 *
 * The conventions (boxo `files/multipartfile.go`, kubo-rpc-client `multipart-request`):
 * - parts are named `file`, `file-1`, `dir-2`, … (the name is not significant), optionally with
 *   `?mode=0644&mtime=SECS&mtime-nsecs=N` after it;
 * - `Content-Disposition`'s `filename` holds the URL-escaped relative path (`dir%2Fa.txt`);
 * - `Content-Type: application/x-directory` (or a `multipart/*` type) is a directory,
 *   `application/symlink` a symlink whose body is its target, anything else a file.
 */
import { posix } from 'node:path'
import { InvalidArgumentError, UploadTimeoutError } from '../errors/index.ts'
// the leaf module, not repo/'s door: the CLI's RPC client loads no config code
import { startTimer } from '../repo/duration.ts'
import type { CommandInput, InputFile } from '../core/index.ts'
import { MAX_SYMLINK_TARGET_BYTES } from './constants.ts'
import { parseHeaderValue, type MultipartPart, type OutgoingPart } from './multipart.ts'

/**
 * An upload's bytes, failing with `UploadTimeoutError` when the client sends nothing for
 * `idleMs` while the server waits for it. Only waiting time counts: while the command is busy
 * (writing blocks, or queued behind GC) the clock stands still. So an upload that stops sending
 * but keeps its socket open ends, and the command reading it (an `add` holding a GC lease)
 * fails and lets go, instead of holding GC and every later add back for ever. `idleMs` 0 or
 * `Infinity` turns the timeout off.
 */
export function withIdleTimeout (source: AsyncIterable<Uint8Array>, idleMs: number, setting: string): AsyncIterable<Uint8Array> {
  if (!(idleMs > 0) || !Number.isFinite(idleMs)) return source
  return {
    [Symbol.asyncIterator] (): AsyncIterator<Uint8Array> {
      const iterator = source[Symbol.asyncIterator]()
      return {
        next: async () => {
          let timer: { clear(): void } | undefined
          const idle = new Promise<never>((_resolve, reject) => {
            timer = startTimer(idleMs, () => {
              reject(new UploadTimeoutError(`the upload sent nothing for ${idleMs} ms (${setting}); giving up on it`))
            })
          })
          try {
            return await Promise.race([iterator.next(), idle])
          } finally {
            timer?.clear()
          }
        }
      }
    }
  }
}

/** One import entry of `add`, as the command table's input carries it. */
export type ImportEntry = CommandInput['entries'] extends AsyncIterable<infer E> | undefined ? E : never

/** The UnixFS metadata a part may carry. */
interface PartMetadata {
  mode?: number
  mtime?: { secs: bigint, nsecs?: number }
}

const DIRECTORY_TYPE = 'application/x-directory'
const SYMLINK_TYPE = 'application/symlink'
const FILE_TYPE = 'application/octet-stream'

/** Go's `url.QueryUnescape`; undecodable names are used as they are (as boxo does). */
function queryUnescape (text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    // not percent-encoded after all: the name is taken as it is, as Kubo does
    return text
  }
}

/** The part's relative path: the unescaped filename, cleaned like Go's `path.Clean("/" + name)`. */
export function partPath (part: MultipartPart): string {
  const disposition = parseHeaderValue(part.headers['content-disposition'] ?? '')
  const filename = queryUnescape(disposition.params.filename ?? '')
  if (filename.includes('\0')) throw new InvalidArgumentError('a file name in the upload contains a NUL byte')
  return posix.normalize('/' + filename).replace(/^\/+/, '').replace(/\/+$/, '')
}

function parseMetadata (part: MultipartPart): PartMetadata {
  const disposition = parseHeaderValue(part.headers['content-disposition'] ?? '')
  const name = disposition.params.name ?? ''
  const question = name.indexOf('?')
  const query = new URLSearchParams(question === -1 ? '' : name.slice(question + 1))
  // headers named like the query parameters are accepted too
  const get = (key: string): string | undefined => query.get(key) ?? part.headers[key]
  const metadata: PartMetadata = {}
  const mode = get('mode')
  if (mode != null) {
    if (!/^[0-7]{1,11}$/.test(mode)) throw new InvalidArgumentError(`invalid mode "${mode}" in the upload: expected octal digits such as 0644`)
    metadata.mode = parseInt(mode, 8)
  }
  const mtime = get('mtime')
  if (mtime != null) {
    if (!/^-?\d{1,19}$/.test(mtime)) throw new InvalidArgumentError(`invalid mtime "${mtime}" in the upload: expected whole seconds`)
    metadata.mtime = { secs: BigInt(mtime) }
    const nsecs = get('mtime-nsecs')
    if (nsecs != null) {
      if (!/^\d{1,9}$/.test(nsecs)) throw new InvalidArgumentError(`invalid mtime-nsecs "${nsecs}" in the upload: expected 0 to 999999999`)
      metadata.mtime.nsecs = Number(nsecs)
    }
  }
  return metadata
}

function partType (part: MultipartPart): 'file' | 'directory' | 'symlink' {
  const type = parseHeaderValue(part.headers['content-type'] ?? FILE_TYPE).value
  if (type === DIRECTORY_TYPE || type.startsWith('multipart/')) return 'directory'
  if (type === SYMLINK_TYPE) return 'symlink'
  return 'file'
}

async function readTarget (body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > MAX_SYMLINK_TARGET_BYTES) throw new InvalidArgumentError(`a symlink target in the upload is longer than ${MAX_SYMLINK_TARGET_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The import entries of an upload, one per part, in order. A file's content is its part's body,
 * streamed: the importer reads it before asking for the next entry.
 */
export async function * entriesFromParts (parts: AsyncIterable<MultipartPart>): AsyncGenerator<ImportEntry, void, undefined> {
  for await (const part of parts) {
    const path = partPath(part)
    const type = partType(part)
    const metadata = parseMetadata(part)
    if (type === 'directory') {
      yield { path, type, ...metadata }
    } else if (type === 'symlink') {
      yield { path, type, target: await readTarget(part.body), mtime: metadata.mtime }
    } else {
      yield { path, type, content: part.body, ...metadata }
    }
  }
}

/** The input files of an upload (`block put`, `dag put`, `dag import`): its file parts. */
export async function * filesFromParts (parts: AsyncIterable<MultipartPart>): AsyncGenerator<InputFile, void, undefined> {
  for await (const part of parts) {
    const path = partPath(part)
    if (partType(part) !== 'file') {
      throw new InvalidArgumentError(`"${path}" in the upload is not a file; this command reads files only`)
    }
    yield { name: posix.basename(path), content: part.body }
  }
}

function disposition (field: string, path: string): string {
  return `form-data; name="${field}"; filename="${encodeURIComponent(path)}"`
}

function metadataQuery (entry: { mode?: number, mtime?: { secs: bigint | number, nsecs?: number } }): string {
  const query: string[] = []
  if (entry.mode != null) query.push(`mode=${entry.mode.toString(8).padStart(4, '0')}`)
  if (entry.mtime != null) {
    query.push(`mtime=${String(entry.mtime.secs)}`)
    if (entry.mtime.nsecs != null) query.push(`mtime-nsecs=${entry.mtime.nsecs}`)
  }
  return query.length > 0 ? `?${query.join('&')}` : ''
}

const encoder = new TextEncoder()

/** The parts of `add`'s entries, as kubo-rpc-client writes them. */
export async function * partsFromEntries (entries: AsyncIterable<ImportEntry>): AsyncGenerator<OutgoingPart, void, undefined> {
  let index = 0
  for await (const entry of entries) {
    const type = entry.type ?? (entry.content != null ? 'file' : entry.target != null ? 'symlink' : 'directory')
    const field = `${type === 'directory' ? 'dir' : 'file'}${index > 0 ? `-${index}` : ''}`
    index++
    const name = field + metadataQuery(type === 'symlink' ? { mtime: entry.mtime } : entry)
    if (type === 'directory') {
      yield { headers: { 'Content-Disposition': disposition(name, entry.path), 'Content-Type': DIRECTORY_TYPE } }
    } else if (type === 'symlink') {
      yield { headers: { 'Content-Disposition': disposition(name, entry.path), 'Content-Type': SYMLINK_TYPE }, body: [encoder.encode(entry.target ?? '')] }
    } else {
      const content = entry.content ?? []
      yield { headers: { 'Content-Disposition': disposition(name, entry.path), 'Content-Type': FILE_TYPE }, body: content instanceof Uint8Array ? [content] : content }
    }
  }
}

/** The parts of a command's input files. */
export async function * partsFromFiles (files: AsyncIterable<InputFile>): AsyncGenerator<OutgoingPart, void, undefined> {
  let index = 0
  for await (const file of files) {
    const field = `file${index > 0 ? `-${index}` : ''}`
    index++
    yield { headers: { 'Content-Disposition': disposition(field, file.name), 'Content-Type': FILE_TYPE }, body: file.content }
  }
}
