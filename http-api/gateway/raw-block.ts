/**
 * The trustless gateway's most frequent request — one block, `GET /ipfs/{cid}?format=raw`, as
 * Helia's trustless-gateway broker and `@helia/verified-fetch` ask for it — answered without the
 * general machinery when nothing about it needs that: no path, no other query parameter, no
 * conditional, range, cache or service-worker header, a path-gateway host, and the block in the
 * local store. Each general step (URL and host parsing, negotiation, the request's retrieval and
 * watchdog, resolution) is cheap alone, but together they cost more than the block read and the
 * answer; this path halves a small block's cost.
 *
 * Anything else, a block that is not local included, answers `false` and takes the general path,
 * which also produces every error. The headers are the general path's (`rawBlockHeaders`), and
 * a test holds the two answers equal.
 */
import type { CoreNode } from '../../core/index.ts'
import { rawBlockHeaders } from './content.ts'
import { parseContentCid } from './cids.ts'
import { MEDIA_TYPES } from './constants.ts'
import { routeHost } from './host.ts'
import { contentDisposition } from './request.ts'
import type { Exchange } from './respond.ts'
import { serveBytes } from './unixfs.ts'

/** `/ipfs/{cid}?format=raw`, the CID in any multibase (letters and digits). */
const RAW_BLOCK_URL = /^\/ipfs\/([A-Za-z0-9]{1,256})\?format=raw$/

/** Request headers that change the answer, each handled by the general path. */
const GENERAL_PATH_HEADERS = ['range', 'if-none-match', 'cache-control', 'service-worker', 'x-forwarded-host', 'x-forwarded-proto']

/**
 * Answers a plain raw-block request; resolves false (having sent nothing) when the request is
 * not one, or the block is not local.
 */
export async function serveRawBlock (ex: Exchange, node: CoreNode, subdomainHosts: readonly string[]): Promise<boolean> {
  const match = RAW_BLOCK_URL.exec(ex.req.url ?? '')
  if (match == null) return false
  const headers = ex.req.headers
  for (const name of GENERAL_PATH_HEADERS) if (headers[name] != null) return false
  if (routeHost(headers.host, subdomainHosts).kind !== 'path') return false
  const cidText = match[1]
  let bytes: Uint8Array
  let cid
  try {
    cid = parseContentCid(cidText, `/ipfs/${cidText}`)
    bytes = await node.blocks.get(cid, { offline: true, signal: ex.controller.signal })
  } catch {
    // an invalid CID, a block that is not here: the general path says it properly
    return false
  }
  const text = cid.toString()
  const answer = rawBlockHeaders(cid, { 'X-Ipfs-Path': `/ipfs/${cidText}`, 'X-Ipfs-Roots': text },
    contentDisposition('attachment', `${text}.bin`))
  await serveBytes(ex, answer, bytes, MEDIA_TYPES.raw)
  return true
}
