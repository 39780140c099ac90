/**
 * `multipart/form-data` request bodies, the RPC API's upload format (`add`, `block put`,
 * `dag put`, `dag import`): multipartBoundary, parseMultipart and parseHeaderValue
 * (http-api/multipart.ts), fed a damaged Content-Type and a damaged body cut into chunks.
 */
import * as fc from 'fast-check'
import { multipartBoundary, parseHeaderValue, parseMultipart } from '../../http-api/multipart.ts'
import { bytesFrom, stringsFrom } from '../mutate.ts'
import { chunked, cuts } from '../streams.ts'
import { defineTarget, expectThat } from '../target.ts'

const utf8 = new TextEncoder()
const BOUNDARY = 'xXfuzzBoundary42'

const BODIES = [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a%2Fb.txt"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%C3%A9t%C3%A9\r\nAbspath: /tmp/x\r\n\r\n\r\n--${BOUNDARY}--\r\n`,
  `preamble\r\n--${BOUNDARY}\r\nContent-Type: application/x-directory\r\nContent-Disposition: form-data; name="file"; filename="dir"\r\n\r\n\r\n--${BOUNDARY}  \r\n\r\nno headers\r\n--${BOUNDARY}--epilogue`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data;\r\n name="folded"\r\n\r\n--${BOUNDARY}\r\n\r\n--${BOUNDARY}--`
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
    for await (const part of parseMultipart(chunked(body, cuts), boundary, { maxHeaderBytes })) {
      for (const value of Object.values(part.headers)) parseHeaderValue(value)
      // some parts are read, some are left for the parser to skip
      if (readParts[parts] ?? true) {
        for await (const chunk of part.body) {
          read += chunk.length
          if (read > MAX_READ) break
        }
      }
      parts++
    }
    return { parts, read, size: body.length }
  },
  check (output) {
    const { read, size } = output as { parts: number, read: number, size: number }
    expectThat(read <= size, `read ${read} body bytes from a ${size}-byte request`)
  }
})
