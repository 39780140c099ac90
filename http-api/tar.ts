/**
 * The tar stream of `get` over RPC, both ways: the server writes UnixFS entries as a POSIX
 * (ustar + PAX) archive as Kubo's `get` does, the client reads them back into entries.
 *
 * Layout (as Kubo's): the root is named by its name (the last path segment, or the CID) and
 * everything else sits under it: `<root>`, `<root>/a`, `<root>/a/b`. Directories end in `/`.
 * Names that do not fit the 100-byte ustar field, or are not ASCII, go in a PAX `path` record;
 * a set mtime goes in a PAX `mtime` record with its nanoseconds. When the client asks for it
 * ({@link TarWriteOptions.metadata}), each entry also carries its CID and UnixFS mode in the
 * vendor records `CAIRN.cid` and `CAIRN.mode`, so that the entries a remote `get` yields are the
 * ones a local `get` yields.
 */
import { CID } from 'multiformats/cid'
// the leaf module, not the dag layer's door: the CLI's RPC client reads tars without the importer
import { EntryPathGuard, assertSafeName, resolveDotSegments } from '../dag/exporter/safe-name.ts'
import { InvalidArgumentError, UnsafePathError, messageOf } from '../errors/index.ts'
import { ByteReader } from './byte-reader.ts'

const BLOCK = 512
const END_OF_ARCHIVE = new Uint8Array(BLOCK * 2)
/** Largest size or time the 12-byte octal ustar fields hold. */
const MAX_OCTAL_11 = 0o77777777777

/** An entry to write: what `walk` yields (its `cid` is optional here). */
export interface TarEntry {
  /** Names from the root down; `[]` is the root. */
  segments: readonly string[]
  /** The root's name (the last path segment, or the CID); ignored for other entries. */
  name: string
  type: 'file' | 'directory' | 'symlink'
  cid?: CID
  size?: number
  content?: (options?: { signal?: AbortSignal }) => AsyncIterable<Uint8Array>
  target?: string
  mode?: number
  mtime?: { secs: bigint | number, nsecs?: number }
}

/** Options of {@link tarFromEntries}. */
export interface TarWriteOptions {
  signal?: AbortSignal
  /** Add the `CAIRN.cid` and `CAIRN.mode` PAX records. Default false. */
  metadata?: boolean
  /** The header mtime (seconds) of entries that have none. Default: now. */
  defaultMtime?: number
  /**
   * Resolve `.` and `..` in names that hold `/` within the archive (`resolveDotSegments`), as the
   * gateway's `?format=tar` does for conformance with boxo; a name that leaves the root is still
   * refused, and the resolved path still passes the guard. Default false: such names are refused.
   */
  resolveDotSegments?: boolean
}

const encoder = new TextEncoder()

function writeString (header: Uint8Array, text: string, offset: number, length: number): void {
  header.set(encoder.encode(text).subarray(0, length), offset)
}

function writeOctal (header: Uint8Array, value: number, offset: number, length: number): void {
  writeString(header, Math.max(0, Math.floor(value)).toString(8).padStart(length - 1, '0'), offset, length - 1)
}

/** One PAX record: `"<length> <key>=<value>\n"`, the length counting itself. */
function paxRecord (key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  const bodyLength = encoder.encode(body).length
  let length = bodyLength + String(bodyLength).length
  if (String(length).length !== String(bodyLength).length) length = bodyLength + String(length).length
  return `${length}${body}`
}

const TYPE_FLAGS = { file: '0', directory: '5', symlink: '2', pax: 'x' } as const

function ustarHeader (fields: { name: string, mode: number, size: number, mtime: number, type: keyof typeof TYPE_FLAGS, linkname?: string }): Uint8Array {
  const header = new Uint8Array(BLOCK)
  writeString(header, fields.name, 0, 100)
  writeOctal(header, fields.mode & 0o7777, 100, 8)
  writeOctal(header, 0, 108, 8) // uid
  writeOctal(header, 0, 116, 8) // gid
  writeOctal(header, fields.size <= MAX_OCTAL_11 ? fields.size : 0, 124, 12)
  writeOctal(header, fields.mtime >= 0 && fields.mtime <= MAX_OCTAL_11 ? fields.mtime : 0, 136, 12)
  header.fill(0x20, 148, 156) // the checksum counts its own field as spaces
  writeString(header, TYPE_FLAGS[fields.type], 156, 1)
  if (fields.linkname != null) writeString(header, fields.linkname, 157, 100)
  writeString(header, 'ustar\u000000', 257, 8)
  let sum = 0
  for (const byte of header) sum += byte
  writeString(header, sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8)
  return header
}

function padding (size: number): Uint8Array | undefined {
  const rest = size % BLOCK
  return rest === 0 ? undefined : new Uint8Array(BLOCK - rest)
}

function fitsUstar (text: string, length: number): boolean {
  return text.length <= length && /^[\u0001-\u007f]*$/.test(text)
}

/** Encodes one entry's header block(s): a PAX header first when needed. */
function entryHeader (entry: TarEntry, path: string, options: TarWriteOptions, now: number): Uint8Array[] {
  const type = entry.type
  const name = type === 'directory' ? `${path}/` : path
  const size = type === 'file' ? entry.size ?? 0 : 0
  const pax: string[] = []
  if (!fitsUstar(name, 100)) pax.push(paxRecord('path', name))
  if (type === 'symlink' && !fitsUstar(entry.target ?? '', 100)) pax.push(paxRecord('linkpath', entry.target ?? ''))
  if (size > MAX_OCTAL_11) pax.push(paxRecord('size', String(size)))
  let mtime = now
  if (entry.mtime != null) {
    mtime = Number(entry.mtime.secs)
    const nsecs = entry.mtime.nsecs ?? 0
    pax.push(paxRecord('mtime', nsecs > 0 ? `${String(entry.mtime.secs)}.${String(nsecs).padStart(9, '0')}` : String(entry.mtime.secs)))
  }
  if (options.metadata === true) {
    if (entry.cid != null) pax.push(paxRecord('CAIRN.cid', entry.cid.toString()))
    if (entry.mode != null) pax.push(paxRecord('CAIRN.mode', entry.mode.toString(8)))
  }
  const defaultMode = type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644
  const blocks: Uint8Array[] = []
  if (pax.length > 0) {
    const data = encoder.encode(pax.join(''))
    blocks.push(ustarHeader({ name: 'PaxHeader', mode: 0o644, size: data.length, mtime, type: 'pax' }), data)
    const pad = padding(data.length)
    if (pad != null) blocks.push(pad)
  }
  blocks.push(ustarHeader({
    name: fitsUstar(name, 100) ? name : name.slice(-99).replace(/[^\u0001-\u007f]/g, '_'),
    mode: entry.mode ?? defaultMode,
    size,
    mtime,
    type,
    linkname: type === 'symlink' ? (fitsUstar(entry.target ?? '', 100) ? entry.target : '') : undefined
  }))
  return blocks
}

/**
 * Writes entries as a tar stream, pulling each file's content only as the stream is read.
 * A file whose content does not match its size ends the stream with an error.
 *
 * Nothing in the archive may escape the folder it is unpacked into: the root's name and every
 * entry's names pass the exporter's {@link EntryPathGuard} (no empty, `.`, `..`, `/`, `\\`, NUL or
 * control characters; nothing at or under an earlier symlink), else `UnsafePathError`.
 */
export async function * tarFromEntries (entries: AsyncIterable<TarEntry>, options: TarWriteOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const now = options.defaultMtime ?? Math.floor(Date.now() / 1000)
  const guard = new EntryPathGuard()
  let root: string | undefined
  for await (const entry of entries) {
    if (root == null) {
      if (entry.segments.length !== 0) throw new InvalidArgumentError('the first entry of a tar must be the root')
      assertSafeName(entry.name)
      root = entry.name
    } else if (entry.segments.length === 0) {
      throw new UnsafePathError('refusing a second root entry: only the first entry of a tar may be the root')
    }
    const segments = options.resolveDotSegments === true && entry.segments.length > 0 ? resolveDotSegments(entry.segments) : entry.segments
    guard.check(segments, entry.type)
    const path = [root, ...segments].join('/')
    yield * entryHeader(entry, path, options, now)
    if (entry.type === 'file') {
      const size = entry.size ?? 0
      let written = 0
      for await (const chunk of entry.content?.({ signal: options.signal }) ?? []) {
        written += chunk.byteLength
        if (written > size) break
        if (chunk.byteLength > 0) yield chunk
      }
      if (written !== size) throw new InvalidArgumentError(`file "${path}" has ${written} bytes but its DAG says ${size}`)
      const pad = padding(size)
      if (pad != null) yield pad
    }
  }
  yield END_OF_ARCHIVE
}

/** An entry read back from a tar stream, shaped as `walk`'s entries. */
export interface TarReadEntry {
  segments: string[]
  path: string
  name: string
  type: 'file' | 'directory' | 'symlink'
  /** From the `CAIRN.cid` record (absent in tars from other servers). */
  cid?: CID
  size?: number
  /** The file's bytes; read them before asking for the next entry (they are skipped otherwise). */
  content?: (options?: { signal?: AbortSignal }) => AsyncIterable<Uint8Array>
  target?: string
  mode?: number
  mtime?: { secs: bigint, nsecs?: number }
}

function malformed (what: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed tar stream: ${what}`)
}

/** Reads a stream to its end, dropping what it yields. */
async function drain (source: AsyncIterable<Uint8Array>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]()
  while ((await iterator.next()).done !== true) { /* dropped */ }
}

function readString (block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length)
  const end = field.indexOf(0)
  return field.subarray(0, end === -1 ? length : end).toString('utf8')
}

function readOctal (block: Buffer, offset: number, length: number): number {
  const text = readString(block, offset, length).trim()
  return text === '' ? 0 : parseInt(text, 8)
}

function parsePax (data: Buffer): Record<string, string> {
  const records: Record<string, string> = {}
  let i = 0
  while (i < data.length) {
    const space = data.indexOf(0x20, i)
    if (space === -1) break
    const length = Number(data.subarray(i, space).toString('ascii'))
    if (!Number.isInteger(length) || length <= 0 || i + length > data.length) throw malformed('a PAX record has a bad length')
    const record = data.subarray(space + 1, i + length - 1).toString('utf8')
    const eq = record.indexOf('=')
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1)
    i += length
  }
  return records
}

function parseMtime (text: string): { secs: bigint, nsecs?: number } | undefined {
  const match = /^(-?\d+)(?:\.(\d{1,9})\d*)?$/.exec(text)
  if (match == null) return undefined
  return match[2] == null ? { secs: BigInt(match[1]) } : { secs: BigInt(match[1]), nsecs: Number(match[2].padEnd(9, '0')) }
}

/**
 * Reads a tar stream written by {@link tarFromEntries} (or any ustar/PAX archive with one root)
 * back into entries: the first entry is the root, the others are named relative to it.
 */
export async function * entriesFromTar (source: AsyncIterable<Uint8Array>): AsyncGenerator<TarReadEntry, void, undefined> {
  const reader = new ByteReader(source)
  let pax: Record<string, string> = {}
  let root: string | undefined
  while (true) {
    if (!(await reader.ensure(BLOCK))) throw malformed('it ends without the end-of-archive blocks')
    const block = reader.take(BLOCK)
    if (block.every(byte => byte === 0)) return
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]
    if (sum !== readOctal(block, 148, 8)) throw malformed('a header checksum does not match')
    const flag = String.fromCharCode(block[156])
    let size = readOctal(block, 124, 12)
    if (pax.size != null) size = Number(pax.size)
    const skip = async (): Promise<void> => {
      await drain(reader.stream(size + (BLOCK - size % BLOCK) % BLOCK, () => malformed('it ends inside an entry')))
    }
    if (flag === 'x' || flag === 'g') {
      if (!(await reader.ensure(size))) throw malformed('it ends inside a PAX header')
      const records = parsePax(reader.take(size))
      await reader.ensure((BLOCK - size % BLOCK) % BLOCK)
      reader.take((BLOCK - size % BLOCK) % BLOCK)
      if (flag === 'x') pax = { ...pax, ...records }
      continue
    }
    const prefix = readString(block, 345, 155)
    let name = pax.path ?? (prefix !== '' ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100))
    const type = flag === '5' ? 'directory' : flag === '2' ? 'symlink' : flag === '0' || flag === '\u0000' || flag === '7' ? 'file' : undefined
    const records = pax
    pax = {}
    if (type == null) {
      await skip() // hard links, devices and other kinds are not UnixFS
      continue
    }
    name = name.replace(/\/+$/, '')
    let segments: string[]
    if (root == null) {
      root = name
      segments = []
    } else {
      if (!name.startsWith(`${root}/`)) throw malformed(`"${name}" is not inside the root "${root}"`)
      segments = name.slice(root.length + 1).split('/')
    }
    const entry: TarReadEntry = {
      segments,
      path: segments.join('/'),
      name: segments.length === 0 ? root : segments[segments.length - 1],
      type
    }
    if (records['CAIRN.cid'] != null) {
      try {
        entry.cid = CID.parse(records['CAIRN.cid'])
      } catch (err) {
        throw malformed(`its CAIRN.cid record is not a CID: ${messageOf(err)}`)
      }
    }
    if (records['CAIRN.mode'] != null) entry.mode = parseInt(records['CAIRN.mode'], 8)
    if (records.mtime != null) entry.mtime = parseMtime(records.mtime)
    if (type === 'symlink') entry.target = records.linkpath ?? readString(block, 157, 100)
    if (type !== 'file') {
      if (size > 0) await skip()
      yield entry
      continue
    }
    entry.size = size
    let remaining = size
    let read = false
    const pieces = async function * (): AsyncGenerator<Uint8Array> {
      while (remaining > 0) {
        if (reader.buffer.length === 0 && !(await reader.fill())) throw malformed(`it ends inside "${name}"`)
        const piece = reader.take(Math.min(remaining, reader.buffer.length))
        remaining -= piece.length
        yield piece
      }
    }
    entry.content = () => {
      if (read) throw new Error('the content of a tar entry can be read once')
      read = true
      return pieces()
    }
    yield entry
    // what the consumer did not read is skipped
    await drain(pieces())
    const pad = (BLOCK - size % BLOCK) % BLOCK
    if (!(await reader.ensure(pad))) throw malformed('it ends inside padding')
    reader.take(pad)
  }
}
