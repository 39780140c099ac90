/**
 * `multipart/form-data` request bodies, the RPC API's upload format (`add`, `block put`,
 * `dag put`, `dag import`): multipartBoundary, parseMultipart and parseHeaderValue
 * (http-api/multipart.ts), fed a damaged Content-Type and a damaged body cut into chunks, and
 * the import entries `add` makes of the parts (entriesFromParts, http-api/uploads.ts: names,
 * types, mode and mtime). Property: an entry's path stays inside the upload.
 */
import * as fc from 'fast-check'
import { multipartBoundary, parseHeaderValue, parseMultipart } from '../../http-api/multipart.ts'
import { entriesFromParts } from '../../http-api/uploads.ts'
import { bytesFrom, stringsFrom } from '../mutate.ts'
import { chunked, cuts } from '../streams.ts'
import { defineTarget, expectThat } from '../target.ts'

const utf8 = new TextEncoder()
const BOUNDARY = 'xXfuzzBoundary42'

const BODIES = [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a%2Fb.txt"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%C3%A9t%C3%A9\r\nAbspath: /tmp/x\r\n\r\n\r\n--${BOUNDARY}--\r\n`,
  `preamble\r\n--${BOUNDARY}\r\nContent-Type: application/x-directory\r\nContent-Disposition: form-data; name="file"; filename="dir"\r\n\r\n\r\n--${BOUNDARY}  \r\n\r\nno headers\r\n--${BOUNDARY}--epilogue`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data;\r\n name="folded"\r\n\r\n--${BOUNDARY}\r\n\r\n--${BOUNDARY}--`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file?mode=0755&mtime=1700000000&mtime-nsecs=5"; filename="d%2F..%2Fx+y"\r\nContent-Type: application/x-directory\r\n\r\n\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="d/link"\r\nContent-Type: application/symlink\r\nmtime: -5\r\n\r\n../target\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="d/f"\r\nmode: 644\r\n\r\ncontent\r\n--${BOUNDARY}--\r\n`
].map(b => utf8.encode(b))

const CONTENT_TYPES = [
  `multipart/form-data; boundary=${BOUNDARY}`,
  `multipart/form-data; boundary="${BOUNDARY}"; charset=utf-8`,
  `Multipart/Mixed;boundary*=UTF-8''${BOUNDARY}`
]

/** Most body bytes read per input (a body is at most a few hundred bytes here). */
const MAX_READ = 1 << 20

export default defineTarget({
  name: 'multipart',
  description: 'multipartBoundary, parseMultipart, parseHeaderValue (http-api/multipart.ts)',
  async: true,
  arbitrary: fc.record({
    contentType: fc.oneof({ arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 3 }, { arbitrary: stringsFrom(CONTENT_TYPES), weight: 1 }),
    body: bytesFrom(BODIES),
    cuts,
    readParts: fc.array(fc.boolean(), { maxLength: 4 }),
    maxHeaderBytes: fc.constantFrom(undefined, 16, 1024)
  }),
  async run ({ contentType, body, cuts, readParts, maxHeaderBytes }) {
    const boundary = multipartBoundary(contentType)
    let parts = 0
    let read = 0
    const paths: string[] = []
    const headersSeen = async function * (source: ReturnType<typeof parseMultipart>): ReturnType<typeof parseMultipart> {
      for await (const part of source) {
        for (const value of Object.values(part.headers)) parseHeaderValue(value)
        yield part
      }
    }
    for await (const entry of entriesFromParts(headersSeen(parseMultipart(chunked(body, cuts), boundary, { maxHeaderBytes })))) {
      paths.push(entry.path)
      // some files are read, some are left for the parser to skip
      if (entry.type === 'file' && entry.content != null && (readParts[parts] ?? true)) {
        for await (const chunk of entry.content as AsyncIterable<Uint8Array>) {
          read += chunk.length
          if (read > MAX_READ) break
        }
      }
      parts++
    }
    return { paths, read, size: body.length }
  },
  check (output) {
    const { paths, read, size } = output as { paths: string[], read: number, size: number }
    expectThat(read <= size, `read ${read} body bytes from a ${size}-byte request`)
    for (const path of paths) {
      expectThat(!path.startsWith('/') && !path.split('/').includes('..'), () => `an entry path escapes the upload: ${JSON.stringify(path)}`)
    }
  }
})
