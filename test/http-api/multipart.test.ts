import { describe, expect, it } from 'vitest'
import { encodeMultipart, parseHeaderValue, parseMultipart, multipartBoundary, type OutgoingPart } from '../../http-api/index.ts'
import { entriesFromParts, partsFromEntries } from '../../http-api/uploads.ts'
import { bytesOf, collect, randomBytesOf } from './helpers.ts'

const BOUNDARY = 'xYzZY-boundary'

/** Splits bytes into pieces of `size` (the last one shorter). */
async function * pieces (bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function parseAll (body: Uint8Array, pieceSize: number): Promise<Array<{ headers: Record<string, string>, body: Buffer }>> {
  const out = []
  for await (const part of parseMultipart(pieces(body, pieceSize), BOUNDARY)) {
    out.push({ headers: part.headers, body: await bytesOf(part.body) })
  }
  return out
}

async function asyncOf<T> (items: Iterable<T>): Promise<AsyncIterable<T>> {
  return (async function * () { yield * items })()
}

describe('multipart', () => {
  it('parses what it encodes, whatever the chunking, including bodies that look like boundaries', async () => {
    const tricky = Buffer.concat([Buffer.from(`\r\n--${BOUNDARY.slice(0, 6)}\r\n--`), Buffer.from(randomBytesOf(3000)), Buffer.from('\r')])
    const parts: OutgoingPart[] = [
      { headers: { 'Content-Disposition': 'form-data; name="file"; filename="a%2Fb.txt"', 'Content-Type': 'application/octet-stream' }, body: [tricky] },
      { headers: { 'Content-Disposition': 'form-data; name="dir-1"; filename="a"', 'Content-Type': 'application/x-directory' } },
      { headers: { 'Content-Disposition': 'form-data; name="file-2"; filename=""' }, body: [new Uint8Array(0)] }
    ]
    const encoded = await bytesOf(encodeMultipart(parts, BOUNDARY))
    for (const size of [1, 2, 7, 61, 4096, encoded.length]) {
      const parsed = await parseAll(encoded, size)
      expect(parsed.map(p => p.body.length)).toEqual([tricky.length, 0, 0])
      expect(parsed[0].body.equals(tricky)).toBe(true)
      expect(parsed[0].headers['content-disposition']).toBe('form-data; name="file"; filename="a%2Fb.txt"')
      expect(parsed[1].headers['content-type']).toBe('application/x-directory')
    }
  })

  it('skips parts whose body was not read, and ignores preamble and epilogue', async () => {
    const body = Buffer.from(`preamble\r\n--${BOUNDARY}\r\nX-A: 1\r\n\r\nfirst body\r\n--${BOUNDARY}\r\n\r\nsecond\r\n--${BOUNDARY}--\r\nepilogue`)
    const seen: string[] = []
    for await (const part of parseMultipart(await asyncOf([body]), BOUNDARY)) {
      if (part.headers['x-a'] == null) seen.push((await bytesOf(part.body)).toString())
      else seen.push('skipped')
    }
    expect(seen).toEqual(['skipped', 'second'])
  })

  it('refuses malformed bodies by name', async () => {
    const bad = [
      'no boundary at all',
      `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\ntruncated body`,
      `--${BOUNDARY}\r\nno colon here\r\n\r\nx\r\n--${BOUNDARY}--`,
      `--${BOUNDARY}garbage\r\n\r\nx\r\n--${BOUNDARY}--`
    ]
    for (const text of bad) {
      const err = await parseAll(Buffer.from(text), 5).catch(e => e)
      expect(err.name, text).toBe('InvalidArgumentError')
      expect(err.message).toMatch(/^malformed multipart body/)
    }
    const huge = Buffer.from(`--${BOUNDARY}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\nx\r\n--${BOUNDARY}--`)
    await expect(parseAll(huge, 1000)).rejects.toThrow(/headers are longer than/)
  })

  it('parses header parameters: quoted, escaped, RFC 8187', () => {
    expect(parseHeaderValue('form-data; name="file-1?mode=0644"; filename="x\\"y"')).toEqual({
      value: 'form-data', params: { name: 'file-1?mode=0644', filename: 'x"y' }
    })
    expect(parseHeaderValue("attachment; filename*=UTF-8''%C3%A9t%C3%A9.txt").params.filename).toBe('été.txt')
    expect(multipartBoundary('multipart/form-data; boundary="abc"')).toBe('abc')
    expect(() => multipartBoundary('application/json')).toThrow(/multipart\/form-data/)
  })

  it('turns Kubo-style parts into import entries and back', async () => {
    const entries = [
      { path: 'dir', type: 'directory' as const, mode: 0o755, mtime: { secs: 1_700_000_000n, nsecs: 5 } },
      { path: 'dir/hé llo+.txt', type: 'file' as const, content: [Buffer.from('hi')], mode: 0o600 },
      { path: 'dir/link', type: 'symlink' as const, target: '../elsewhere' },
      { path: '', type: 'file' as const, content: [Buffer.from('stdin')] }
    ]
    const encoded = await bytesOf(encodeMultipart(partsFromEntries(await asyncOf(entries)), BOUNDARY))
    const text = encoded.toString('latin1')
    expect(text).toContain('name="dir?mode=0755&mtime=1700000000&mtime-nsecs=5"; filename="dir"')
    expect(text).toContain('name="file-1?mode=0600"; filename="dir%2Fh%C3%A9%20llo%2B.txt"')
    expect(text).toContain('Content-Type: application/symlink')
    const back = []
    for await (const entry of entriesFromParts(parseMultipart(pieces(encoded, 13), BOUNDARY))) {
      back.push({ ...entry, content: entry.content == null ? undefined : (await bytesOf(entry.content)).toString() })
    }
    expect(back).toEqual([
      { path: 'dir', type: 'directory', mode: 0o755, mtime: { secs: 1_700_000_000n, nsecs: 5 } },
      { path: 'dir/hé llo+.txt', type: 'file', content: 'hi', mode: 0o600 },
      { path: 'dir/link', type: 'symlink', target: '../elsewhere', mtime: undefined },
      { path: '', type: 'file', content: 'stdin' }
    ])
  })

  it('cleans file names like Go\'s path.Clean and reads Go\'s query escaping', async () => {
    const body = Buffer.from([
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="..%2F..%2Fetc/./passwd"\r\n\r\nx`,
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a+b%zz"\r\n\r\ny`,
      `\r\n--${BOUNDARY}--\r\n`
    ].join(''))
    const paths = (await collect(entriesFromParts(parseMultipart(await asyncOf([body]), BOUNDARY)))).map(e => e.path)
    expect(paths).toEqual(['etc/passwd', 'a+b%zz'])
  })
})
