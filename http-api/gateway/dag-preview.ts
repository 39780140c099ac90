/**
 * The HTML preview of a dag-json or dag-cbor block (asked for as `text/html`): its value written
 * as indented dag-json, and links to the CIDs it holds.
 *
 * The page is bounded whatever the block: the text stops at {@link MAX_PREVIEW_TEXT_BYTES}, the
 * link list at {@link MAX_PREVIEW_LINKS}, and a block over {@link MAX_PREVIEW_BLOCK_BYTES} is not
 * decoded at all; each cut is said on the page, with the link to the whole block. The value is
 * written by walking it once and stopping at the budget, so the work is bounded by the page
 * rather than by the value (indented JSON of nested lists grows with the square of their depth:
 * a 120 KB block once made a 482 MB page).
 */
import { CID } from 'multiformats/cid'
import { MAX_PREVIEW_BLOCK_BYTES, MAX_PREVIEW_LINKS, MAX_PREVIEW_TEXT_BYTES } from './constants.ts'
import { PAGE_STYLE, escapeHtml } from './listing.ts'

/** Text written up to a budget; past it, writes are dropped and `full` is set. */
class BoundedText {
  readonly parts: string[] = []
  length = 0
  full = false
  readonly links: CID[] = []
  linksCut = false
  private readonly limit: number

  constructor (limit: number) {
    this.limit = limit
  }

  write (text: string): void {
    if (this.full) return
    if (this.length + text.length > this.limit) {
      this.parts.push(text.slice(0, this.limit - this.length))
      this.length = this.limit
      this.full = true
      return
    }
    this.parts.push(text)
    this.length += text.length
  }

  link (cid: CID): void {
    if (this.links.length < MAX_PREVIEW_LINKS) this.links.push(cid)
    else this.linksCut = true
  }
}

/** Text for a `<pre>`: the markup characters escaped, line breaks kept (JSON escapes every other control character). */
function escapeText (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

const indents: string[] = []

/** The indentation of a depth (two spaces a level, as `JSON.stringify(value, null, 2)`), made once. */
function indent (depth: number): string {
  indents[depth] ??= '\n' + '  '.repeat(depth)
  return indents[depth]
}

/** Writes a data model value as indented dag-json, stopping once the text is full. */
function writeValue (out: BoundedText, value: unknown, depth: number): void {
  if (out.full) return
  if (value === null || typeof value === 'boolean' || typeof value === 'number') {
    out.write(JSON.stringify(value))
    return
  }
  if (typeof value === 'bigint') {
    out.write(value.toString())
    return
  }
  if (typeof value === 'string') {
    // a long string is cut before it is quoted: quoting it whole would cost its full length
    out.write(JSON.stringify(value.length > MAX_PREVIEW_TEXT_BYTES ? value.slice(0, MAX_PREVIEW_TEXT_BYTES) : value))
    return
  }
  if (value instanceof Uint8Array) {
    const shown = value.subarray(0, Math.ceil(MAX_PREVIEW_TEXT_BYTES * 3 / 4))
    out.write(`{"/":{"bytes":"${Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('base64').replace(/=+$/, '')}"}}`)
    return
  }
  const cid = CID.asCID(value)
  if (cid != null) {
    out.link(cid)
    out.write(`{"/":"${cid.toString()}"}`)
    return
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.write('[]')
      return
    }
    out.write('[')
    for (let i = 0; i < value.length && !out.full; i++) {
      out.write(indent(depth + 1))
      writeValue(out, value[i], depth + 1)
      if (i < value.length - 1) out.write(',')
    }
    out.write(`${indent(depth)}]`)
    return
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value)
    if (keys.length === 0) {
      out.write('{}')
      return
    }
    out.write('{')
    for (let i = 0; i < keys.length && !out.full; i++) {
      out.write(`${indent(depth + 1)}${JSON.stringify(keys[i])}: `)
      writeValue(out, (value as Record<string, unknown>)[keys[i]], depth + 1)
      if (i < keys.length - 1) out.write(',')
    }
    out.write(`${indent(depth)}}`)
    return
  }
  out.write(JSON.stringify(String(value)))
}

/** What to preview: the block's CID, its codec's name and size, and its value (unless too big to decode). */
export interface PreviewSource {
  cid: CID
  codec: string
  size: number
  /** Decodes the block; called only for a block within {@link MAX_PREVIEW_BLOCK_BYTES}. */
  decode: () => unknown
}

/**
 * A human-readable, bounded preview of a dag-json or dag-cbor block, with links to what it links
 * to (on the path gateway of `subdomainOf` when given).
 */
export function dagPreview (source: PreviewSource, subdomainOf?: string): string {
  const { cid, codec } = source
  const gateway = subdomainOf == null ? '' : `//${subdomainOf}`
  const whole = `${gateway}/ipfs/${cid.toString()}?format=${codec === 'dag-cbor' ? 'dag-cbor' : 'dag-json'}`
  const out = new BoundedText(MAX_PREVIEW_TEXT_BYTES)
  const notes: string[] = []
  if (source.size > MAX_PREVIEW_BLOCK_BYTES) {
    notes.push(`This block is ${source.size} bytes, more than the ${MAX_PREVIEW_BLOCK_BYTES} bytes this page previews.`)
  } else {
    writeValue(out, source.decode(), 0)
    if (out.full) notes.push(`The preview is cut at ${MAX_PREVIEW_TEXT_BYTES} characters.`)
    if (out.linksCut) notes.push(`Only the first ${MAX_PREVIEW_LINKS} links are listed.`)
  }
  const note = notes.length === 0
    ? ''
    : `<p class="note">${notes.map(escapeHtml).join(' ')} <a href="${escapeHtml(whole)}">Download the whole block</a>.</p>\n`
  const items = out.links.map(link => `<li><a href="${escapeHtml(`${gateway}/ipfs/${link.toString()}`)}">${escapeHtml(link.toString())}</a></li>`).join('\n')
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(cid.toString())} (${escapeHtml(codec)})</title>\n<style>${PAGE_STYLE}</style>\n</head>\n<body>\n` +
    `<header><div class="path">${escapeHtml(codec)} <span class="ipfs-hash" translate="no">${escapeHtml(cid.toString())}</span></div></header>\n` +
    note +
    (out.length === 0 ? '' : `<pre>${escapeText(out.parts.join(''))}</pre>\n`) +
    (items === '' ? '' : `<h2>Links</h2>\n<ul>\n${items}\n</ul>\n`) +
    '</body>\n</html>\n'
}
