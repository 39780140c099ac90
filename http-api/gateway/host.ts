/**
 * Which gateway a request's `Host` (or `X-Forwarded-Host`) names (specs: subdomain-gateway.md):
 *
 * - `{root}.{ipfs|ipns}.{gateway}` (for `ipns`, the root may be a DNSLink name, inlined or not), where `{gateway}` is a known subdomain gateway host such as
 *   `localhost[:port]`: a subdomain request, each root on its own origin;
 * - `{gateway}` itself: a path request that is redirected to the subdomain form;
 * - anything else (`127.0.0.1:8080`, unknown names): a plain path gateway.
 */

/** What a host names. */
export type HostRoute =
  | { kind: 'path' }
  | { kind: 'subdomain-gateway', host: string }
  | { kind: 'subdomain', namespace: 'ipfs' | 'ipns', label: string, parent: string }

// a host name (letters, digits, '-', '.', '_') with an optional port; anything else is no gateway of ours
const HOST = /^([a-z0-9_.-]+)(?::(\d{1,5}))?$/

/**
 * Routes a request by host.
 *
 * @param host - `X-Forwarded-Host` when present, else `Host`
 * @param gateways - the host names served as subdomain gateways (lowercase, without port)
 */
export function routeHost (host: string | undefined, gateways: readonly string[]): HostRoute {
  if (host == null || host === '' || gateways.length === 0) return { kind: 'path' }
  const match = HOST.exec(host.trim().toLowerCase())
  if (match == null) return { kind: 'path' }
  const [, hostname, port] = match
  const suffix = port == null ? '' : `:${port}`
  for (const gateway of gateways) {
    if (hostname === gateway) return { kind: 'subdomain-gateway', host: `${gateway}${suffix}` }
    if (!hostname.endsWith(`.${gateway}`)) continue
    const labels = hostname.slice(0, -(gateway.length + 1)).split('.')
    const namespace = labels[labels.length - 1]
    if (namespace !== 'ipfs' && namespace !== 'ipns') continue
    // only a DNSLink name not inlined (`en.wikipedia-on-ipfs.org.ipns.localhost`) spans several labels
    if (labels.length < 2 || labels.some(l => l === '') || (labels.length > 2 && namespace !== 'ipns')) continue
    const label = labels.slice(0, -1).join('.')
    // the label as sent: a CID in a case-sensitive base must be redirected, not guessed at
    const original = host.trim().slice(0, label.length)
    return { kind: 'subdomain', namespace, label: original, parent: `${gateway}${suffix}` }
  }
  return { kind: 'path' }
}

/**
 * The name a `Host` gives when it may be a DNSLink website (specs: dnslink-gateway): a domain
 * name with a dot (port and trailing dot dropped, lowercased) that is not an IPv4 address. Only
 * asked of hosts that are not a subdomain gateway's (those route first).
 */
export function dnsLinkHostname (host: string | undefined): string | undefined {
  if (host == null) return undefined
  const match = /^([a-z0-9_-]+(?:\.[a-z0-9_-]+)+)\.?(?::\d{1,5})?$/.exec(host.trim().toLowerCase())
  if (match == null || /^[\d.]+$/.test(match[1])) return undefined
  return match[1]
}
