/**
 * Streaming `multipart/form-data` (RFC 7578) for the RPC API: the parser the server reads uploads
 * with, and the encoder Cairn's client writes them with. Neither holds a part's body in memory:
 * the parser hands each body out as it arrives (a part must be read, or is skipped, before the
 * next one is parsed), the encoder pulls each body from its source as the socket drains.
 *
 * Header values (`Content-Type`, `Content-Disposition`) are parsed by {@link parseHeaderValue}.
 */
import { InvalidArgumentError } from '../errors/index.ts'
import { ByteReader } from './byte-reader.ts'
import { MAX_PART_HEADER_BYTES } from './constants.ts'
import { lentOrOwn } from './lending.ts'

/** One part of a multipart body. */
export interface MultipartPart {
  /** The part's headers, names in lower case. */
  headers: Record<string, string>
  /**
   * The part's body. Read it before asking for the next part; a part left unread is skipped.
   * It can be iterated once.
   */
  body: AsyncIterable<Uint8Array>
}

/** Options of {@link parseMultipart}. */
export interface ParseMultipartOptions {
  /** The most bytes of one part's headers. Default {@link MAX_PART_HEADER_BYTES}. */
  maxHeaderBytes?: number
}

const CR = 0x0d
const HYPHEN = 0x2d
const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')

function malformed (what: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed multipart body: ${what}`)
}

/** A media type and its parameters, e.g. `form-data; name="file"; filename="a%2Fb"`. */
export interface HeaderValue {
  /** The value before the first `;`, trimmed and lower-cased. */
  value: string
  /** Parameters by lower-cased name; quoted strings unquoted, RFC 8187 `name*` decoded into `name`. */
  params: Record<string, string>
}

/** Parses a header value with `;`-separated parameters (RFC 9110 §5.6.6). */
export function parseHeaderValue (header: string): HeaderValue {
  const semicolon = header.indexOf(';')
  const value = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase()
  const params: Record<string, string> = {}
  const extended: Record<string, string> = {}
  let i = semicolon === -1 ? header.length : semicolon + 1
  while (i < header.length) {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t' || header[i] === ';')) i++
    const eq = header.indexOf('=', i)
    if (eq === -1) break
    const name = header.slice(i, eq).trim().toLowerCase()
    i = eq + 1
    let text = ''
    if (header[i] === '"') {
      i++
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i++
        text += header[i]
        i++
      }
      i++ // the closing quote
      const next = header.indexOf(';', i)
      i = next === -1 ? header.length : next
    } else {
      const next = header.indexOf(';', i)
      text = header.slice(i, next === -1 ? header.length : next).trim()
      i = next === -1 ? header.length : next
    }
    if (name.endsWith('*')) {
      // RFC 8187: charset'language'percent-encoded
      const match = /^([^']*)'[^']*'(.*)$/.exec(text)
      if (match != null && (match[1].toLowerCase() === 'utf-8' || match[1] === '')) {
        try {
          extended[name.slice(0, -1)] = decodeURIComponent(match[2])
        } catch {
          // an undecodable extended value is ignored; the plain one (if any) stands
        }
      }
    } else if (name !== '') {
      params[name] = text
    }
  }
  return { value, params: { ...params, ...extended } }
}

/** The boundary of a `multipart/*` content type; throws InvalidArgumentError when absent or invalid. */
export function multipartBoundary (contentType: string | undefined): string {
  const parsed = parseHeaderValue(contentType ?? '')
  if (!parsed.value.startsWith('multipart/')) {
    throw new InvalidArgumentError(`expected a multipart/form-data body (Kubo's file upload format), got "${contentType ?? 'no Content-Type'}"`)
  }
  const boundary = parsed.params.boundary
  // RFC 2046: 1 to 70 characters
  if (boundary == null || boundary.length === 0 || boundary.length > 70) {
    throw new InvalidArgumentError('the multipart Content-Type has no valid boundary parameter')
  }
  return boundary
}

/** Length of the longest tail of `buffer` that is a proper prefix of `delimiter` (it starts with CR). */
function partialDelimiter (buffer: Buffer, delimiter: Buffer): number {
  for (let i = Math.max(0, buffer.length - delimiter.length + 1); i < buffer.length; i++) {
    if (buffer[i] !== CR) continue
    const n = buffer.length - i
    if (buffer.compare(delimiter, 0, n, i, buffer.length) === 0) return n
  }
  return 0
}

/** Reads one part's headers, after the CRLF that ends the boundary line. */
async function readHeaders (reader: ByteReader, maxBytes: number): Promise<Record<string, string>> {
  if (!(await reader.ensure(2))) throw malformed('it ends before a part\'s headers')
  if (reader.buffer[0] === CR && reader.buffer[1] === 0x0a) {
    reader.take(2) // a part without headers
    return {}
  }
  let end = reader.buffer.indexOf(HEADER_END)
  while (end === -1) {
    if (reader.buffer.length > maxBytes) throw malformed(`a part's headers are longer than ${maxBytes} bytes`)
    if (!(await reader.fill())) throw malformed('it ends inside a part\'s headers')
    end = reader.buffer.indexOf(HEADER_END)
  }
  if (end > maxBytes) throw malformed(`a part's headers are longer than ${maxBytes} bytes`)
  const text = reader.take(end + HEADER_END.length).subarray(0, end).toString('utf8')
  const headers: Record<string, string> = {}
  let last: string | undefined
  for (const line of text.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && last != null) {
      headers[last] += ' ' + line.trim() // obsolete line folding
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) throw malformed(`a part has a header line without a name: "${line.slice(0, 80)}"`)
    last = line.slice(0, colon).trim().toLowerCase()
    headers[last] = line.slice(colon + 1).trim()
  }
  return headers
}

/**
 * Parses a multipart body as it streams in. Each yielded part's body must be consumed before
 * the next part is requested; what is left of it is skipped then. Throws InvalidArgumentError
 * for anything malformed (no boundary, a truncated body, oversized headers).
 */
export async function * parseMultipart (source: AsyncIterable<Uint8Array>, boundary: string, options: ParseMultipartOptions = {}): AsyncGenerator<MultipartPart, void, undefined> {
  const maxHeaderBytes = options.maxHeaderBytes ?? MAX_PART_HEADER_BYTES
  const reader = new ByteReader(source)
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  // a CRLF before the body lets the first boundary (which has none) match the delimiter; what
  // comes before it is the preamble, which is ignored
  reader.buffer = Buffer.from(CRLF)
  let index = reader.buffer.indexOf(delimiter)
  while (index === -1) {
    if (reader.buffer.length > delimiter.length) reader.take(reader.buffer.length - delimiter.length)
    if (!(await reader.fill())) throw malformed('no boundary line was found')
    index = reader.buffer.indexOf(delimiter)
  }
  reader.take(index + delimiter.length)

  while (true) {
    // after a delimiter: "--" closes the body, else transport padding and CRLF start a part
    if (!(await reader.ensure(2))) throw malformed('it ends after a boundary line')
    if (reader.buffer[0] === HYPHEN && reader.buffer[1] === HYPHEN) return // the epilogue is ignored
    while (true) {
      if (!(await reader.ensure(2))) throw malformed('it ends after a boundary line')
      const byte = reader.buffer[0]
      if (byte === 0x20 || byte === 0x09) {
        reader.take(1)
        continue
      }
      if (byte !== CR || reader.buffer[1] !== 0x0a) throw malformed('a boundary line is followed by something other than a line break')
      reader.take(2)
      break
    }
    const headers = await readHeaders(reader, maxHeaderBytes)

    let finished = false
    const next = async (): Promise<Buffer | undefined> => {
      while (!finished) {
        const buffer = reader.buffer
        const at = buffer.indexOf(delimiter)
        if (at !== -1) {
          reader.buffer = buffer.subarray(at + delimiter.length)
          finished = true
          if (at > 0) return buffer.subarray(0, at)
          break
        }
        const safe = buffer.length - partialDelimiter(buffer, delimiter)
        if (safe > 0) {
          reader.buffer = buffer.subarray(safe)
          return buffer.subarray(0, safe)
        }
        if (!(await reader.fill())) throw malformed('it ends inside a part (no closing boundary)')
      }
      return undefined
    }
    let taken = false
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator] () {
        if (taken) throw new Error('a multipart body can be read once')
        taken = true
        return {
          next: async () => {
            const value = await next()
            return value == null ? { done: true, value: undefined } : { done: false, value }
          },
          // stopping early leaves the rest to be skipped before the next part
          return: async () => ({ done: true, value: undefined })
        }
      }
    }
    yield { headers, body }
    while (!finished) await next()
  }
}

const encoder = new TextEncoder()

/** One part to encode. */
export interface OutgoingPart {
  /** Header lines, e.g. `{ 'Content-Disposition': 'form-data; name="file"' }`; values must be ASCII. */
  headers: Record<string, string>
  /** The part's body, pulled as the request is written. */
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

/**
 * Encodes parts as a multipart body with `boundary`, pulling each body only as it is written.
 * With `lend`, bodies that can lend their chunks (see lending.ts) are read that way, and so the
 * encoded body lends them too: the consumer must be done with each chunk before pulling the next.
 */
export async function * encodeMultipart (parts: AsyncIterable<OutgoingPart> | Iterable<OutgoingPart>, boundary: string, options: { lend?: boolean } = {}): AsyncGenerator<Uint8Array, void, undefined> {
  let first = true
  for await (const part of parts) {
    let head = `${first ? '' : '\r\n'}--${boundary}\r\n`
    for (const [name, value] of Object.entries(part.headers)) head += `${name}: ${value}\r\n`
    yield encoder.encode(head + '\r\n')
    first = false
    if (part.body != null) {
      for await (const chunk of options.lend === true ? lentOrOwn(part.body) : part.body) {
        if (chunk.byteLength > 0) yield chunk
      }
    }
  }
  yield encoder.encode(`${first ? '' : '\r\n'}--${boundary}--\r\n`)
}
