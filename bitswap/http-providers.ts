/**
 * Providers that announce HTTP addresses: a provider record or peer record may carry
 * `/ip4/…/tcp/N/http`, `/dns/host/tcp/443/https` or `/dns/host/tcp/443/tls/http` (a trustless
 * gateway, as Storacha and someguy announce them, and as a Cairn daemon does with
 * `HTTPRetrieval.Announce`). A session turns each into a {@link TrustlessGateway} and asks it for
 * blocks beside its Bitswap peers, verified the same way. `HTTPRetrieval.Allowlist` and
 * `Denylist` (hostnames, Kubo's keys) say which hosts may be asked.
 */
import { TrustlessGateway, type TrustlessGatewayInit } from './http-retrieval.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Gateways remembered across sessions (by URL), so their timings and connections are shared. */
export const DEFAULT_MAX_HTTP_PROVIDERS = 256

/** Which announced HTTP providers may be asked. */
export interface HttpProviderPolicy {
  /** Hostnames that may be asked; empty: any host. Default empty. */
  allowlist?: string[]
  /** Hostnames never asked. Default empty. */
  denylist?: string[]
}

/** True when the multiaddr is an HTTP(S) address rather than one libp2p dials. */
export function isHttpAddr (addr: Multiaddr): boolean {
  return addr.getComponents().some(c => c.name === 'http' || c.name === 'https')
}

/**
 * The gateway URL an HTTP multiaddr names (`/ip4/127.0.0.1/tcp/8080/http` → `http://127.0.0.1:8080`,
 * `/dns/example.com/tcp/443/https` or `…/tls/http` → `https://example.com`), or undefined when it
 * names none (no host, no port, or anything after the scheme but a `/p2p/` suffix).
 */
export function gatewayUrlOf (addr: Multiaddr): string | undefined {
  let host: string | undefined
  let port: string | undefined
  let tls = false
  let scheme: 'http' | 'https' | undefined
  for (const c of addr.getComponents()) {
    if (scheme != null) {
      if (c.name === 'p2p') continue
      return undefined
    }
    switch (c.name) {
      case 'ip4': case 'dns': case 'dns4': case 'dns6':
        host = c.value
        break
      case 'ip6':
        host = `[${c.value ?? ''}]`
        break
      case 'tcp':
        port = c.value
        break
      case 'tls':
        tls = true
        break
      case 'sni':
        break
      case 'http':
        scheme = tls ? 'https' : 'http'
        break
      case 'https':
        scheme = 'https'
        break
      default:
        return undefined
    }
  }
  if (scheme == null || host == null || host === '' || port == null) return undefined
  const defaultPort = scheme === 'https' ? '443' : '80'
  return `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}`
}

/** Trustless gateways made from providers' HTTP addresses, one per URL, within the policy. */
export class HttpProviders {
  private readonly gateways = new Map<string, TrustlessGateway>()
  private readonly allow: Set<string>
  private readonly deny: Set<string>
  private readonly init: TrustlessGatewayInit
  private readonly max: number

  constructor (policy: HttpProviderPolicy = {}, init: TrustlessGatewayInit = {}, max = DEFAULT_MAX_HTTP_PROVIDERS) {
    this.allow = new Set((policy.allowlist ?? []).map(h => h.toLowerCase()))
    this.deny = new Set((policy.denylist ?? []).map(h => h.toLowerCase()))
    this.init = init
    this.max = max
  }

  /** The gateways a provider's addresses name (those the policy allows). */
  gatewaysOf (addrs: Multiaddr[]): TrustlessGateway[] {
    const out: TrustlessGateway[] = []
    for (const addr of addrs) {
      const url = gatewayUrlOf(addr)
      if (url == null || !this.allowed(url)) continue
      let gateway = this.gateways.get(url)
      if (gateway == null) {
        gateway = new TrustlessGateway(url, this.init)
        this.gateways.set(url, gateway)
        if (this.gateways.size > this.max) {
          const oldest = this.gateways.keys().next().value
          if (oldest != null) this.gateways.delete(oldest)
        }
      }
      if (!out.includes(gateway)) out.push(gateway)
    }
    return out
  }

  private allowed (url: string): boolean {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase()
    if (this.deny.has(host)) return false
    return this.allow.size === 0 || this.allow.has(host)
  }
}
