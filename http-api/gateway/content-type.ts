/**
 * The `Content-Type` of a UnixFS file: from its name's extension when that is known, else
 * sniffed from its first bytes (magic numbers, the WHATWG HTML signatures, JSON, text).
 *
 * `text/html` (and SVG, which can script) is given only when the name or the bytes say so —
 * never guessed for content that merely looks like text.
 */
import { MAGIC_BYTES } from './constants.ts'

const TEXT_PLAIN = 'text/plain; charset=utf-8'
const OCTET_STREAM = 'application/octet-stream'

/** Content types by lowercase file extension. */
const BY_EXTENSION: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  xhtml: 'application/xhtml+xml',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  webmanifest: 'application/manifest+json',
  txt: TEXT_PLAIN,
  text: TEXT_PLAIN,
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/vnd.microsoft.icon',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  pdf: 'application/pdf',
  wasm: 'application/wasm',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  ogv: 'video/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  tar: 'application/x-tar',
  car: 'application/vnd.ipld.car',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  epub: 'application/epub+zip',
  bin: OCTET_STREAM
}

/** The content type for a file name's extension, or undefined when the extension is not known. */
export function typeByName (name: string | undefined): string | undefined {
  if (name == null) return undefined
  const dot = name.lastIndexOf('.')
  if (dot <= 0 || dot === name.length - 1) return undefined
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()]
}

function startsWith (bytes: Uint8Array, signature: ArrayLike<number>, offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false
  for (let i = 0; i < signature.length; i++) {
    if (bytes[offset + i] !== signature[i]) return false
  }
  return true
}

const ascii = (text: string): number[] => [...text].map(c => c.charCodeAt(0))

/** Binary signatures: bytes at an offset → type. */
const MAGIC: Array<{ offset?: number, bytes: number[], type: string }> = [
  { bytes: ascii('%PDF-'), type: 'application/pdf' },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: 'image/png' },
  { bytes: [0xff, 0xd8, 0xff], type: 'image/jpeg' },
  { bytes: ascii('GIF87a'), type: 'image/gif' },
  { bytes: ascii('GIF89a'), type: 'image/gif' },
  { bytes: [0x00, 0x00, 0x01, 0x00], type: 'image/vnd.microsoft.icon' },
  { bytes: [0x1a, 0x45, 0xdf, 0xa3], type: 'video/webm' },
  { bytes: ascii('OggS\u0000'), type: 'application/ogg' },
  { bytes: ascii('ID3'), type: 'audio/mpeg' },
  { bytes: ascii('fLaC'), type: 'audio/flac' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], type: 'application/zip' },
  { bytes: [0x1f, 0x8b, 0x08], type: 'application/gzip' },
  { bytes: [0x42, 0x5a, 0x68], type: 'application/x-bzip2' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], type: 'application/zstd' },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], type: 'application/vnd.rar' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], type: 'application/x-7z-compressed' },
  { bytes: [0x00, 0x61, 0x73, 0x6d], type: 'application/wasm' },
  { bytes: ascii('wOFF'), type: 'font/woff' },
  { bytes: ascii('wOF2'), type: 'font/woff2' },
  { bytes: ascii('OTTO'), type: 'font/otf' },
  { bytes: [0x00, 0x01, 0x00, 0x00, 0x00], type: 'font/ttf' },
  { bytes: ascii('%!PS-Adobe-'), type: 'application/postscript' },
  { offset: 257, bytes: ascii('ustar'), type: 'application/x-tar' }
]

/** WHATWG "HTML" signatures: case-insensitive, after leading whitespace, then a space or `>`. */
const HTML_TAGS = ['<!DOCTYPE HTML', '<HTML', '<HEAD', '<SCRIPT', '<IFRAME', '<H1', '<DIV', '<FONT', '<TABLE', '<A', '<STYLE', '<TITLE', '<B', '<BODY', '<BR', '<P', '<!--']

function isWhitespace (byte: number): boolean {
  return byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d || byte === 0x20
}

function sniffRiff (bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, ascii('RIFF'))) return undefined
  if (startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp'
  if (startsWith(bytes, ascii('WAVE'), 8)) return 'audio/wav'
  if (startsWith(bytes, ascii('AVI '), 8)) return 'video/x-msvideo'
  return undefined
}

function sniffFtyp (bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, ascii('ftyp'), 4)) return undefined
  const brand = String.fromCharCode(...bytes.subarray(8, 12))
  if (brand === 'avif' || brand === 'avis') return 'image/avif'
  if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return 'image/heic'
  if (brand.startsWith('M4A')) return 'audio/mp4'
  if (brand === 'qt  ') return 'video/quicktime'
  return 'video/mp4'
}

function sniffMarkup (bytes: Uint8Array): string | undefined {
  let i = 0
  while (i < bytes.length && isWhitespace(bytes[i])) i++
  const rest = bytes.subarray(i, i + 64)
  const head = String.fromCharCode(...rest).toUpperCase()
  for (const tag of HTML_TAGS) {
    if (head.startsWith(tag)) {
      const after = rest[tag.length]
      if (after === 0x20 || after === 0x3e) return 'text/html; charset=utf-8'
    }
  }
  if (head.startsWith('<?XML')) {
    return /<SVG[\s>]/.test(String.fromCharCode(...bytes.subarray(i, i + MAGIC_BYTES)).toUpperCase()) ? 'image/svg+xml' : 'text/xml; charset=utf-8'
  }
  if (head.startsWith('<SVG') && (rest[4] === 0x20 || rest[4] === 0x3e || isWhitespace(rest[4]))) return 'image/svg+xml'
  return undefined
}

/** True when the bytes have no control characters that text does not use. */
function looksLikeText (bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte < 0x20 && !isWhitespace(byte) && byte !== 0x0b && byte !== 0x1b) return false
  }
  return true
}

function isJson (bytes: Uint8Array): boolean {
  let i = 0
  while (i < bytes.length && isWhitespace(bytes[i])) i++
  if (bytes[i] !== 0x7b && bytes[i] !== 0x5b) return false
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    return typeof value === 'object' && value !== null
  } catch {
    // not JSON: the answer to "is it a JSON object?" is no
    return false
  }
}

/**
 * Sniffs a content type from a file's first bytes.
 *
 * @param head - the first bytes of the file (up to `SNIFF_BYTES`)
 * @param complete - true when `head` is the whole file (JSON is only recognised then)
 */
export function sniffContentType (head: Uint8Array, complete: boolean): string {
  const bytes = head.subarray(0, MAGIC_BYTES)
  if (bytes.length === 0) return TEXT_PLAIN
  for (const { offset = 0, bytes: signature, type } of MAGIC) {
    if (startsWith(bytes, signature, offset)) return type
  }
  const found = sniffRiff(bytes) ?? sniffFtyp(bytes) ?? sniffMarkup(bytes)
  if (found != null) return found
  if (startsWith(bytes, [0xfe, 0xff])) return 'text/plain; charset=utf-16be'
  if (startsWith(bytes, [0xff, 0xfe])) return 'text/plain; charset=utf-16le'
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return TEXT_PLAIN
  if (!looksLikeText(bytes)) return OCTET_STREAM
  if (complete && isJson(head)) return 'application/json'
  return TEXT_PLAIN
}

/** The content type of a file: by `name`'s extension when known, else sniffed from `head`. */
export function contentTypeOf (name: string | undefined, head: Uint8Array | undefined, complete: boolean): string {
  return typeByName(name) ?? (head == null ? OCTET_STREAM : sniffContentType(head, complete))
}
