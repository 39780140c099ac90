/**
 * HTTP retrieval: trustless gateways (the trustless gateway spec's `application/vnd.ipld.raw`
 * block responses) as a second block source behind a fetch session, beside Bitswap peers. Every
 * block is verified against its CID exactly like a Bitswap block; a gateway that answers with
 * other bytes is treated as not having the block. Kubo's `HTTPRetrieval` keys configure it.
 */
import { hashBytes, hasherByCode } from '../dag/index.ts'
import { BlockCorruptError } from '../errors/index.ts'
import { MAX_BLOCK_SIZE } from './constants.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** How long one block request to a gateway may take. */
export const DEFAULT_HTTP_TIMEOUT = 30_000

/** Options of a {@link TrustlessGateway}. */
export interface TrustlessGatewayInit {
  /** Largest block accepted (Kubo's `HTTPRetrieval.MaxBlockSize`). Default {@link MAX_BLOCK_SIZE}. */
  maxBlockSize?: number
  /** Per-request timeout (ms). Default {@link DEFAULT_HTTP_TIMEOUT}. */
  timeout?: number
  /**
   * Ask for blocks the gateway holds only (`Cache-Control: only-if-cached`, answered 412
   * otherwise), so a provider's gateway does not go looking on our behalf. Default false.
   */
  onlyIfCached?: boolean
}

/** A block the gateway does not have (404/410, or bytes that are not the block). */
export class GatewayMissError extends Error {
  override name = 'GatewayMissError'
}

/** One trustless gateway, e.g. `http://127.0.0.1:8080`. */
export class TrustlessGateway {
  readonly url: string
  private readonly maxBlockSize: number
  private readonly timeout: number
  private readonly headers: Record<string, string>

  constructor (url: string, init: TrustlessGatewayInit = {}) {
    this.url = url.replace(/\/+$/, '')
    this.maxBlockSize = init.maxBlockSize ?? MAX_BLOCK_SIZE
    this.timeout = init.timeout ?? DEFAULT_HTTP_TIMEOUT
    this.headers = init.onlyIfCached === true
      ? { accept: 'application/vnd.ipld.raw', 'cache-control': 'only-if-cached' }
      : { accept: 'application/vnd.ipld.raw' }
  }

  /** The block's bytes, verified against `cid`. */
  async get (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    const signal = options.signal == null ? AbortSignal.timeout(this.timeout) : AbortSignal.any([options.signal, AbortSignal.timeout(this.timeout)])
    const response = await fetch(`${this.url}/ipfs/${cid.toString()}?format=raw`, {
      headers: this.headers,
      signal,
      redirect: 'error'
    })
    if (!response.ok) {
      await response.body?.cancel()
      throw new GatewayMissError(`${this.url} answered ${response.status} for ${cid.toString()}`)
    }
    const bytes = await readLimited(response, this.maxBlockSize)
    const digest = hashBytes(bytes, hasherByCode(cid.multihash.code), cid.multihash.size)
    if (!equal(digest.bytes, cid.multihash.bytes)) {
      throw new GatewayMissError(`${this.url} sent bytes for ${cid.toString()} that are not the block`, { cause: new BlockCorruptError('hash mismatch') })
    }
    return bytes
  }
}

async function readLimited (response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > limit) throw new GatewayMissError(`block of ${declared} bytes is over the ${limit}-byte limit`)
  const parts: Uint8Array[] = []
  let size = 0
  for await (const part of response.body ?? []) {
    size += part.byteLength
    if (size > limit) throw new GatewayMissError(`block is over the ${limit}-byte limit`)
    parts.push(part)
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}
