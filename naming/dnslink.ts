/**
 * DNSLink (https://dnslink.dev, specs.ipfs.tech/http-gateways/dnslink-gateway/): `/ipns/<domain>`
 * points where the `dnslink=` TXT record of `_dnslink.<domain>` (then of the bare domain) says.
 * One lookup per call: recursion through `/ipns/…` answers, its depth limit and loop detection
 * are the resolver's (`ipns.ts`), which chains DNSLink and IPNS steps alike.
 *
 * A static map in Kubo's `IPFS_NS_MAP` format (`CAIRN_NS_MAP=domain:/ipfs/cid,domain2:/ipns/name`)
 * answers first, for tests and offline use.
 */
import { promises as dns } from 'node:dns'
import { InvalidArgumentError, NotFoundError } from '../errors/index.ts'
import type { AbortOptions } from '@libp2p/interface'

/** The environment variable holding the static DNSLink map. */
export const NS_MAP_ENV = 'CAIRN_NS_MAP'
/** How long an answer from DNS is cached (node:dns does not give the TTL): 1 min. */
export const DEFAULT_DNSLINK_CACHE_TTL_MS = 60_000
/** Most domains kept in the cache. */
export const DEFAULT_DNSLINK_CACHE_SIZE = 256

/** Looks up the TXT records of a name: each record is its list of character strings. */
export type TxtResolver = (hostname: string) => Promise<string[][]>

/** Options of {@link DnsLinkResolver}. */
export interface DnsLinkInit {
  /** TXT lookups. Default `node:dns` `resolveTxt` (tests inject their own; they never ask real DNS). */
  resolveTxt?: TxtResolver
  /** A static map in `IPFS_NS_MAP` format. Default `process.env.CAIRN_NS_MAP`. */
  nsMap?: string
  /** Cache lifetime of answers from DNS. Default {@link DEFAULT_DNSLINK_CACHE_TTL_MS}. */
  cacheTtlMs?: number
  /** Clock (tests). Default `Date.now`. */
  now?: () => number
}

/** Parses `domain:/ipfs/cid,domain2:/ipns/name` into a map; malformed entries are an `InvalidArgumentError`. */
export function parseNsMap (text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const entry of text.split(',').map(e => e.trim()).filter(e => e !== '')) {
    const colon = entry.indexOf(':')
    const domain = entry.slice(0, colon).trim().toLowerCase()
    const path = entry.slice(colon + 1).trim()
    if (colon <= 0 || !/^\/(ipfs|ipns)\/./.test(path)) {
      throw new InvalidArgumentError(`${NS_MAP_ENV} entry "${entry}" is not domain:/ipfs/… or domain:/ipns/…`)
    }
    map.set(domain, path)
  }
  return map
}

/**
 * Top-level domains that never exist in the public DNS (RFC 6761, RFC 6762): a DNSLink there is
 * answered "none" without a query, so a `Host` such as `foo.localhost` or `x.test` asks nobody.
 */
export const SPECIAL_USE_TLDS: ReadonlySet<string> = new Set(['localhost', 'invalid', 'test', 'example', 'local'])

/** True when `name` looks like a DNS name rather than an IPNS key (it has a dot). */
export function isDomainName (name: string): boolean {
  return name.includes('.') && /^[a-z0-9_.-]+$/i.test(name)
}

/** The `dnslink=` value among TXT records (the smallest one when there are several, so the answer is stable). */
export function dnsLinkFromTxt (records: string[][]): string | undefined {
  const links = records.map(chunks => chunks.join(''))
    .filter(txt => txt.startsWith('dnslink='))
    .map(txt => txt.slice('dnslink='.length).trim())
    .filter(path => /^\/(ipfs|ipns)\/./.test(path))
    .sort()
  return links[0]
}

/** One-step DNSLink lookups with a cache (see the module comment). */
export class DnsLinkResolver {
  private readonly resolveTxt: TxtResolver
  private readonly staticMap: Map<string, string>
  private readonly cacheTtlMs: number
  private readonly now: () => number
  private readonly cache = new Map<string, { path: string, expires: number }>()
  /** True when lookups go to the system's DNS, where special-use names never are. */
  private readonly publicDns: boolean

  constructor (init: DnsLinkInit = {}) {
    this.publicDns = init.resolveTxt == null
    this.resolveTxt = init.resolveTxt ?? (async (hostname) => dns.resolveTxt(hostname))
    this.staticMap = parseNsMap(init.nsMap ?? process.env[NS_MAP_ENV] ?? '')
    this.cacheTtlMs = init.cacheTtlMs ?? DEFAULT_DNSLINK_CACHE_TTL_MS
    this.now = init.now ?? Date.now
  }

  /** The path `domain` links to (`/ipfs/…` or `/ipns/…`). Throws `NotFoundError` when it has no DNSLink. */
  async resolve (domain: string, options: AbortOptions & { nocache?: boolean } = {}): Promise<string> {
    const key = domain.toLowerCase().replace(/\.$/, '')
    const mapped = this.staticMap.get(key)
    if (mapped != null) return mapped
    const cached = this.cache.get(key)
    if (options.nocache !== true && cached != null && cached.expires > this.now()) return cached.path
    if (this.publicDns && SPECIAL_USE_TLDS.has(key.slice(key.lastIndexOf('.') + 1))) {
      throw new NotFoundError(`${domain} has no DNSLink: .${key.slice(key.lastIndexOf('.') + 1)} names are never in the public DNS`)
    }
    for (const host of [`_dnslink.${key}`, key]) {
      options.signal?.throwIfAborted()
      let records: string[][]
      try {
        records = await this.resolveTxt(host)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'ENOTFOUND' || code === 'ENODATA' || code === dns.NOTFOUND || code === dns.NODATA) continue
        throw new NotFoundError(`DNS lookup of ${host} failed: ${(err as Error).message}`, { cause: err })
      }
      const path = dnsLinkFromTxt(records)
      if (path != null) {
        if (this.cache.size >= DEFAULT_DNSLINK_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string)
        this.cache.set(key, { path, expires: this.now() + this.cacheTtlMs })
        return path
      }
    }
    throw new NotFoundError(`${domain} has no DNSLink (no dnslink= TXT record at _dnslink.${key} or ${key})`)
  }
}
