/**
 * The gateway's options: each one from {@link GatewayInit} if given, else from the repo config's
 * `Gateway.*` key of the same meaning (Kubo's names), else its `DEFAULT_*` constant.
 */
import { readGateway, type ConfigSource } from '../../repo/index.ts'
import {
  DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_REQUEST_DURATION_MS, DEFAULT_RETRIEVAL_TIMEOUT_MS, DEFAULT_ROUTING_TIMEOUT_MS
} from './constants.ts'

/** Options of `createGatewayServer`. */
export interface GatewayInit {
  /**
   * Serve deserialized responses (files, listings, codecs, tar). When false only the trustless
   * formats (raw blocks, CARs) are served, anything else gets `406`.
   * Default: `Gateway.DeserializedResponses`, else true.
   */
  deserializedResponses?: boolean
  /**
   * Answer `?format=dag-json` / `dag-cbor` (or their `Accept` types) on a block of another codec
   * (dag-pb, dag-cbor, dag-json) by converting it, as Kubo's `Gateway.AllowCodecConversion` does;
   * when false such a request gets `406` (IPIP-524). Default: `Gateway.AllowCodecConversion`, else false.
   */
  allowCodecConversion?: boolean
  /** Never ask the network for a block: a missing block is a `404`. Default: `Gateway.NoFetch`, else false. */
  noFetch?: boolean
  /**
   * Never serve a request's `Host` as a DNSLink website (`Host: example.org` → `/ipns/example.org`).
   * Default: `Gateway.NoDNSLink`, else false (Kubo's default: DNSLink hosts are served).
   */
  noDNSLink?: boolean
  /**
   * Milliseconds the gateway waits for a block it needs before answering `504` (or cutting a
   * stream that has started). 0 disables it. Default: `Gateway.RetrievalTimeout`, else
   * {@link DEFAULT_RETRIEVAL_TIMEOUT_MS}.
   */
  retrievalTimeoutMs?: number
  /**
   * Requests served at once; more get `429` with `Retry-After`. 0 means no limit.
   * Default: `Gateway.MaxConcurrentRequests`, else {@link DEFAULT_MAX_CONCURRENT_REQUESTS}.
   */
  maxConcurrentRequests?: number
  /**
   * Milliseconds one request may take in all; then it is cut (`504` if nothing was sent yet).
   * 0 disables it. Default: `Gateway.MaxRequestDuration`, else {@link DEFAULT_MAX_REQUEST_DURATION_MS}.
   */
  maxRequestDurationMs?: number
  /** Headers added to every answer (they override the defaults). Default: `Gateway.HTTPHeaders`. */
  headers?: Record<string, string>
  /**
   * Host names served as subdomain gateways (`{cid}.ipfs.{host}`); a path request whose host is
   * one of them is redirected there. Default: `localhost` (as Kubo's implicit gateway) plus the
   * `Gateway.PublicGateways` entries with `UseSubdomains: true`, minus those set to `null`.
   */
  subdomainHosts?: readonly string[]
  /** Where `/` redirects to, if anywhere. Default: `Gateway.RootRedirect`. */
  rootRedirect?: string
  /**
   * Serve the Delegated Routing V1 HTTP API under `/routing/v1/` (see `routing-v1.ts`).
   * Default: `Gateway.ExposeRoutingAPI`, else true (Kubo's default).
   */
  exposeRoutingAPI?: boolean
  /** Deadline of one routing API lookup, in ms. Default {@link DEFAULT_ROUTING_TIMEOUT_MS} (30 s). */
  routingTimeoutMs?: number
}

/** {@link GatewayInit} with every default applied. */
export interface ResolvedGatewayInit {
  deserializedResponses: boolean
  allowCodecConversion: boolean
  noFetch: boolean
  noDNSLink: boolean
  retrievalTimeoutMs: number
  maxConcurrentRequests: number
  maxRequestDurationMs: number
  headers: Record<string, string>
  subdomainHosts: readonly string[]
  rootRedirect: string
  exposeRoutingAPI: boolean
  routingTimeoutMs: number
}

/** Applies the defaults: `init`, then the config's `Gateway` section, then the `DEFAULT_*` constants. */
export function resolveGatewayInit (config: ConfigSource, init: GatewayInit = {}): ResolvedGatewayInit {
  const section = readGateway(config)
  const headers: Record<string, string> = {}
  for (const [name, values] of Object.entries(section.HTTPHeaders)) {
    const text = values.join(', ')
    if (text !== '') headers[name] = text
  }
  const publicGateways = section.PublicGateways
  const hosts = new Set<string>()
  if (!Object.hasOwn(publicGateways, 'localhost') || publicGateways.localhost?.UseSubdomains !== false) hosts.add('localhost')
  for (const [host, spec] of Object.entries(publicGateways)) {
    if (spec === null) hosts.delete(host)
    else if (spec.UseSubdomains) hosts.add(host)
  }
  return {
    deserializedResponses: init.deserializedResponses ?? section.DeserializedResponses,
    allowCodecConversion: init.allowCodecConversion ?? section.AllowCodecConversion,
    noFetch: init.noFetch ?? section.NoFetch,
    noDNSLink: init.noDNSLink ?? section.NoDNSLink,
    retrievalTimeoutMs: init.retrievalTimeoutMs ?? section.RetrievalTimeoutMs ?? DEFAULT_RETRIEVAL_TIMEOUT_MS,
    maxConcurrentRequests: init.maxConcurrentRequests ?? section.MaxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
    maxRequestDurationMs: init.maxRequestDurationMs ?? section.MaxRequestDurationMs ?? DEFAULT_MAX_REQUEST_DURATION_MS,
    headers: { ...headers, ...init.headers },
    subdomainHosts: init.subdomainHosts ?? [...hosts].map(h => h.toLowerCase()),
    rootRedirect: init.rootRedirect ?? section.RootRedirect,
    exposeRoutingAPI: init.exposeRoutingAPI ?? section.ExposeRoutingAPI,
    routingTimeoutMs: init.routingTimeoutMs ?? DEFAULT_ROUTING_TIMEOUT_MS
  }
}
