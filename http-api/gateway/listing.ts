/**
 * Generated HTML: the listing of a UnixFS directory without `index.html` (and the Etags and style
 * of every generated page; the DAG preview is in `dag-preview.ts`).
 *
 * The listing is built from the directory's own blocks only: names, CIDs and link `Tsize`s, no
 * child is fetched, and rows are streamed as the directory (or HAMT) is read. Every name is
 * HTML-escaped in text and percent-encoded in links; links stay on the origin that served the
 * listing, and breadcrumbs of a subdomain listing point at the path gateway of the parent host.
 */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import { printable } from '../../dag/index.ts'
import { MAX_ABSOLUTE_LINK_BASE_BYTES, MAX_BREADCRUMB_LINK_BYTES } from './constants.ts'
import { escapeSegment } from './request.ts'

/** The style sheet of every generated page (listings and DAG previews). */
export const PAGE_STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}
header{margin-bottom:1em}.path{font-size:1.2em;word-break:break-all}
.ipfs-hash{font-family:monospace;color:#666}table{border-collapse:collapse;width:100%}
td{padding:.3em .6em;border-bottom:1px solid #eee}td.size{text-align:right;white-space:nowrap}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:1em}`

/** Identifies the template: part of every generated page's Etag, so a new template is a new Etag. */
const TEMPLATE_HASH = createHash('sha256').update(`cairn-listing-v2\n${PAGE_STYLE}`).digest('hex').slice(0, 16)

/** The Etag of a directory listing (specs: path-gateway, Etag; conformance matches `DirIndex-`). */
export function listingEtag (dir: CID): string {
  return `"DirIndex-${TEMPLATE_HASH}_CID-${dir.toString()}"`
}

/** The Etag of a DAG preview page. */
export function dagPreviewEtag (cid: CID): string {
  return `"DagIndex-${TEMPLATE_HASH}_CID-${cid.toString()}"`
}

/** Text for HTML element content and double-quoted attributes. */
export function escapeHtml (text: string): string {
  return printable(text).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/** A size in bytes as people read it. */
export function humanSize (bytes: number | undefined): string {
  if (bytes == null) return ''
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

/** Where the listing is served, which decides where its links point. */
export interface ListingContext {
  /** The root CID of the content path. */
  root: CID
  /** The path's segments below the root. */
  segments: readonly string[]
  /** The directory's CID. */
  dir: CID
  /**
   * For a subdomain gateway (`{cid}.ipfs.{host}`): the parent host (`localhost:8080`), where
   * breadcrumbs and CID links go. Undefined on a path gateway.
   */
  subdomainOf?: string
  /** The content path of the root when it is a name (`/ipns/<name>`); default `/ipfs/<root>`. */
  rootPath?: string
  /** For a DNSLink website: its host, whose root is the content root (breadcrumbs link there). */
  dnsLinkHost?: string
}

/** One row of a listing. */
export interface ListingRow {
  name: string
  cid: CID
  size?: number
}

/**
 * The first part of a listing page, up to the table's first row. Its size is linear in the
 * path's: breadcrumbs link absolutely only while their hrefs add up to at most
 * {@link MAX_BREADCRUMB_LINK_BYTES} (each href repeats the path before it, so a deep path would
 * cost its square), and the segments after that are plain text.
 */
export function listingHead (context: ListingContext): string {
  const { root, segments, dir, subdomainOf, dnsLinkHost } = context
  const rootText = root.toString()
  const gateway = subdomainOf == null ? '' : `//${subdomainOf}`
  const rootPath = context.rootPath ?? `/ipfs/${rootText}`
  const [, namespace, rootName] = rootPath.split('/')
  // a DNSLink website is its own root: breadcrumbs link into it, not into a gateway path
  let prefix = dnsLinkHost == null ? `${gateway}${rootPath}` : `//${dnsLinkHost}`
  let crumbs = `/${namespace}/<a href="${escapeHtml(dnsLinkHost == null ? prefix : `${prefix}/`)}">${escapeHtml(dnsLinkHost ?? rootName)}</a>`
  let linkBytes = 0
  let linked = 0
  for (; linked < segments.length; linked++) {
    prefix += `/${escapeSegment(segments[linked])}`
    linkBytes += prefix.length
    if (linkBytes > MAX_BREADCRUMB_LINK_BYTES) break
    crumbs += `/<a href="${escapeHtml(prefix)}">${escapeHtml(segments[linked])}</a>`
  }
  if (linked < segments.length) crumbs += `/${escapeHtml(segments.slice(linked).join('/'))}`
  const title = `${rootPath}/${segments.map(s => `${s}/`).join('')}`
  let html = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n<style>${PAGE_STYLE}</style>\n</head>\n<body>\n` +
    `<header>\n<div class="path">Index of ${crumbs}</div>\n` +
    `<div class="ipfs-hash" translate="no">${escapeHtml(dir.toString())}</div>\n</header>\n<table>\n`
  if (segments.length > 0) {
    const up = base(context)
    html += `<tr><td><a href="${escapeHtml(up === '.' ? '..' : `${up}/..`)}">..</a></td><td></td><td></td></tr>\n`
  }
  return html
}

const bases = new WeakMap<ListingContext, string>()

/**
 * The path entry links start from: the content path on a path gateway, the bare path on a
 * subdomain; `.` (links relative to the listing, which is always served with a trailing slash)
 * when that path is longer than {@link MAX_ABSOLUTE_LINK_BASE_BYTES}, so that rows do not each
 * repeat a long path. Computed once per listing.
 */
function base (context: ListingContext): string {
  let found = bases.get(context)
  if (found == null) {
    found = context.subdomainOf == null && context.dnsLinkHost == null ? (context.rootPath ?? `/ipfs/${context.root.toString()}`) : ''
    for (const segment of context.segments) {
      found += `/${escapeSegment(segment)}`
      if (found.length > MAX_ABSOLUTE_LINK_BASE_BYTES) {
        found = '.'
        break
      }
    }
    bases.set(context, found)
  }
  return found
}

/** One table row of a listing. */
export function listingRow (context: ListingContext, row: ListingRow): string {
  const gateway = context.subdomainOf == null ? '' : `//${context.subdomainOf}`
  const name = escapeSegment(row.name)
  const cid = row.cid.toString()
  const short = cid.length > 16 ? `${cid.slice(0, 8)}…${cid.slice(-6)}` : cid
  return `<tr><td><a href="${escapeHtml(`${base(context)}/${name}`)}">${escapeHtml(row.name)}</a></td>` +
    `<td><a class="ipfs-hash" translate="no" href="${escapeHtml(`${gateway}/ipfs/${cid}?filename=${encodeURIComponent(row.name)}`)}">${escapeHtml(short)}</a></td>` +
    `<td class="size">${humanSize(row.size)}</td></tr>\n`
}

/** The end of a listing page. */
export const LISTING_TAIL = '</table>\n</body>\n</html>\n'
