/**
 * The HTTP gateway server: path gateway (`/ipfs/{cid}[/{path}]`), trustless gateway
 * (`?format=raw|car`), names (`/ipns/{name}`, see `ipns.ts`), subdomain gateway (`{cid}.ipfs.localhost`,
 * `{name}.ipns.localhost`) and DNSLink websites (`Host: example.org`), on fastify.
 *
 * Every request: CORS headers (`*`, preflight answered), `GET`/`HEAD` only, a URL of at most
 * `MAX_URL_BYTES` (else `414`), a place among
 * `Gateway.MaxConcurrentRequests` (else `429`), a deadline of `Gateway.MaxRequestDuration`, an
 * abort when the client goes away, then routing by host and path. Block reads go through the
 * node's block service (see `retrieval.ts`). Errors become the error table's gateway status.
 *
 * @see https://specs.ipfs.tech/http-gateways/
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import type { CoreNode } from '../../core/index.ts'
import { abortError } from '../../errors/abort.ts'
import { loggerFor } from '../../logger/index.ts'
import {
  AbortedError, InvalidArgumentError, InvalidPathError, PathNotFoundError, TooManyRequestsError, UriTooLongError
} from '../../errors/index.ts'
import { printable } from '../../dag/index.ts'
import { parseContentCid, toDnsLabel } from './cids.ts'
import { resolveGatewayInit, type GatewayInit, type ResolvedGatewayInit } from './config.ts'
import {
  CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS, IMMUTABLE_CACHE_CONTROL
} from './constants.ts'
import { MAX_URL_BYTES } from '../constants.ts'
import { serveContent } from './content.ts'
import { negotiate, type ContentRequest } from './content-request.ts'
import type { GatewayName } from './ipns.ts'
import { dnsLinkHostname, routeHost } from './host.ts'
import { cleanSegments, decodeSegments, escapePath, headerOf, parseTarget, type RequestTarget } from './request.ts'
import { sendError, sendRedirect, sendText, writeHead, type Exchange, type Headers } from './respond.ts'
import { RawBlockFastPath } from './raw-block.ts'
import { isRoutingV1, ROUTING_V1_METHODS, RoutingApi } from './routing-v1.ts'
import { Watchdog, createRetrieval } from './retrieval.ts'

/** What the gateway is built on. */
export interface GatewayComponents {
  /** The node whose block service the gateway reads from. */
  node: CoreNode
}

/** The gateway's counters, for tests and the daemon's stats. */
export interface GatewayStats {
  /** Requests being served now. */
  inFlight: number
  /** Requests answered by the raw-block fast path (see `raw-block.ts`) since the start. */
  rawBlockFastPath: number
}

function ignore (): void {}

/** The headers every gateway answer carries: CORS, then the operator's `Gateway.HTTPHeaders`. */
function baseHeaders (settings: ResolvedGatewayInit): Headers {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': CORS_ALLOW_METHODS,
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS,
    ...settings.headers
  }
}

/** The `ipfs://` / `ipns://` URI handler (`/ipfs/?uri=…`, registerProtocolHandler): 301 to the path. */
function protocolRedirect (ex: Exchange, uri: string): void {
  const match = /^(?:web\+)?(ipfs|ipns):\/\/(.+)$/i.exec(uri)
  if (match == null || match[2].startsWith('/') || /[\u0000-\u001f\u007f]/.test(match[2])) {
    throw new InvalidArgumentError(`invalid uri "${printable(uri)}": expected ipfs://<cid>[/path] or ipns://<name>[/path]`)
  }
  const location = `/${match[1].toLowerCase()}/${encodeURI(match[2]).replace(/%25([0-9A-Fa-f]{2})/g, '%$1')}`
  sendRedirect(ex, 301, location)
}

interface Context {
  node: CoreNode
  settings: ResolvedGatewayInit
}

function isHttps (ex: Exchange): boolean {
  return headerOf(ex.req.headers['x-forwarded-proto'])?.trim().toLowerCase() === 'https'
}

/** The gateway's name handling (see `ipns.ts`), loaded on the first name it meets. */
async function ipnsModule (): Promise<typeof import('./ipns.ts')> {
  return await import('./ipns.ts')
}

/** The query string to append to a redirect (`''` or `?…`). */
const queryOf = (target: RequestTarget): string => target.rawQuery === '' ? '' : `?${target.rawQuery}`

/**
 * Serves what a name points at, like `/ipfs/` but with the name in `X-Ipfs-Path`, redirects and
 * links, and the name's TTL as `Cache-Control`; or its signed record when asked for one.
 */
async function serveName (ex: Exchange, context: Context, parts: {
  name: GatewayName, rawSegments: string[], target: RequestTarget, subdomainOf?: string, dnsLinkHost?: string
}): Promise<void> {
  const ipns = await ipnsModule()
  const { name, rawSegments, target } = parts
  const contentRoot = `/ipns/${ipns.nameText(name)}`
  const display = `${contentRoot}${escapePath(rawSegments)}`
  const negotiated = negotiate(target.query, headerOf(ex.req.headers.accept))
  if (negotiated.format === 'ipns-record') {
    const path = parts.subdomainOf != null || parts.dnsLinkHost != null ? (target.rawPath === '' ? '/' : target.rawPath) : display
    await ipns.serveIpnsRecord({ ex, node: context.node, name, query: target.query, explicit: negotiated.explicit, path, rest: rawSegments })
    return
  }
  const segments = cleanSegments(rawSegments, display)
  const resolved = await ipns.resolveName(context.node, name, ex.controller.signal)
  await serveContent(contentRequest(ex, context, {
    cidText: resolved.root.toString(),
    contentRoot,
    cacheControl: resolved.cacheControl,
    root: resolved.root,
    rawSegments,
    segments,
    target,
    subdomainOf: parts.subdomainOf,
    dnsLinkHost: parts.dnsLinkHost
  }))
}

/**
 * A path request for a name: `/ipns/{name}[/{path}]`. A key in another spelling than CIDv1
 * libp2p-key base36 is redirected to it (302, as boxo and the conformance suite); on a subdomain
 * gateway host every name goes to its own origin (301).
 */
async function serveIpnsPath (ex: Exchange, context: Context, target: RequestTarget, text: string, rest: string[], subdomainGateway: string | undefined): Promise<void> {
  if (text === '') throw new InvalidPathError('invalid path "/ipns/": no name after /ipns/')
  const ipns = await ipnsModule()
  const name = ipns.parseGatewayName(text)
  if (subdomainGateway != null) {
    const segments = cleanSegments(rest, `/ipns/${text}${escapePath(rest)}`)
    const trailing = rest.length > 0 && rest[rest.length - 1] === '' && segments.length > 0 ? '/' : ''
    const path = segments.length === 0 ? '/' : `${escapePath(segments)}${trailing}`
    sendRedirect(ex, 301, `${isHttps(ex) ? 'https' : 'http'}://${ipns.subdomainLabel(name)}.ipns.${subdomainGateway}${path}${queryOf(target)}`)
    return
  }
  if (name.kind === 'key' && name.canonical !== text) {
    // the raw rest of the path, as sent, after /ipns/<name>
    const rawRest = target.rawPath.split('/').slice(3).map(s => `/${s}`).join('')
    sendRedirect(ex, 302, `/ipns/${name.canonical}${rawRest}${queryOf(target)}`)
    return
  }
  await serveName(ex, context, { name, rawSegments: rest, target })
}

/** A path-gateway request: `/ipfs/{cid}[/{path}]`, `/ipns/…`, `/`. */
async function servePath (ex: Exchange, context: Context, target: RequestTarget, subdomainGateway: string | undefined): Promise<void> {
  const { settings } = context
  const { rawPath, query } = target
  const uri = query.get('uri')
  if (uri != null && /^\/ip[fn]s\/?$/.test(rawPath)) {
    protocolRedirect(ex, uri)
    return
  }
  if (rawPath === '/' && settings.rootRedirect !== '') {
    sendRedirect(ex, 302, settings.rootRedirect)
    return
  }
  const [namespace, cidText, ...rest] = decodeSegments(rawPath)
  if (namespace === 'ipns') {
    await serveIpnsPath(ex, context, target, cidText ?? '', rest, subdomainGateway)
    return
  }
  if (namespace !== 'ipfs') throw new PathNotFoundError(`nothing at "${printable(rawPath)}": this gateway serves /ipfs/<cid>[/path]`)
  if (cidText == null || cidText === '') throw new InvalidPathError('invalid path "/ipfs/": no CID after /ipfs/')
  const display = `/ipfs/${cidText}${escapePath(rest)}`
  const root = parseContentCid(cidText, display)
  const segments = cleanSegments(rest, display)
  if (subdomainGateway != null) {
    // origin isolation: content is only ever served from its own origin ({cid}.ipfs.{host})
    const trailing = rest.length > 0 && rest[rest.length - 1] === '' && segments.length > 0 ? '/' : ''
    const path = segments.length === 0 ? '/' : `${escapePath(segments)}${trailing}`
    const location = `${isHttps(ex) ? 'https' : 'http'}://${toDnsLabel(root)}.ipfs.${subdomainGateway}${path}${target.rawQuery === '' ? '' : `?${target.rawQuery}`}`
    sendRedirect(ex, 301, location)
    return
  }
  if (headerOf(ex.req.headers['service-worker']) === 'script' && rest.length === 0) {
    throw new InvalidArgumentError(`navigator.serviceWorker: registration is not allowed for ${display}; register under ${display}/`)
  }
  await serveContent(contentRequest(ex, context, { cidText, root, rawSegments: rest, segments, target }))
}

function contentRequest (ex: Exchange, context: Context, parts: {
  cidText: string, root: ContentRequest['root'], rawSegments: string[], segments: string[], target: RequestTarget,
  subdomainOf?: string, contentRoot?: string, cacheControl?: string, dnsLinkHost?: string
}): ContentRequest {
  const { node, settings } = context
  const retrieval = createRetrieval(node.blocks, { controller: ex.controller, offline: settings.noFetch })
  ex.watch?.(retrieval)
  return {
    ex,
    node,
    settings,
    retrieval,
    cidText: parts.cidText,
    contentRoot: parts.contentRoot ?? `/ipfs/${parts.cidText}`,
    // /ipfs/ is immutable; a name holds for its TTL, and says nothing when that is unknown
    cacheControl: parts.contentRoot == null ? IMMUTABLE_CACHE_CONTROL : parts.cacheControl,
    root: parts.root,
    rawSegments: parts.rawSegments,
    segments: parts.segments,
    query: parts.target.query,
    rawQuery: parts.target.rawQuery,
    subdomainOf: parts.subdomainOf,
    dnsLinkHost: parts.dnsLinkHost
  }
}

/** A subdomain request: `{label}.{namespace}.{parent}` with the path inside that root. */
async function serveSubdomain (ex: Exchange, context: Context, target: RequestTarget, route: { namespace: 'ipfs' | 'ipns', label: string, parent: string }): Promise<void> {
  const rawSegments = decodeSegments(target.rawPath)
  if (route.namespace === 'ipns') {
    const ipns = await ipnsModule()
    const name = ipns.parseGatewayName(route.label, true)
    if (name.kind === 'key' && name.canonical !== route.label) {
      // one origin per name: every spelling of a key (peer ID, dag-pb CID, base32) goes to its base36 libp2p-key
      sendRedirect(ex, 301, `${isHttps(ex) ? 'https' : 'http'}://${name.canonical}.ipns.${route.parent}${target.rawPath}${queryOf(target)}`)
      return
    }
    await serveName(ex, context, { name, rawSegments, target, subdomainOf: route.parent })
    return
  }
  const display = `/ipfs/${route.label}${escapePath(rawSegments)}`
  const root = parseContentCid(route.label, display)
  const canonical = toDnsLabel(root)
  if (canonical !== route.label) {
    // one origin per CID: every spelling of it redirects to the same one
    const location = `${isHttps(ex) ? 'https' : 'http'}://${canonical}.ipfs.${route.parent}${target.rawPath}${target.rawQuery === '' ? '' : `?${target.rawQuery}`}`
    sendRedirect(ex, 301, location)
    return
  }
  const segments = cleanSegments(rawSegments, display)
  await serveContent(contentRequest(ex, context, { cidText: route.label, root, rawSegments, segments, target, subdomainOf: route.parent }))
}

/**
 * A DNSLink website (specs: dnslink-gateway): a `Host` that is a domain with a DNSLink serves
 * `/ipns/{host}{path}` at its root. False when the host has no DNSLink: it is then a plain path
 * gateway, as Kubo does (`Gateway.NoDNSLink` turns the lookup off).
 */
async function serveDnsLinkHost (ex: Exchange, context: Context, target: RequestTarget, host: string | undefined): Promise<boolean> {
  const hostname = dnsLinkHostname(host)
  if (hostname == null) return false
  const ipns = await ipnsModule()
  if (!await ipns.hasDnsLink(context.node, hostname, ex.controller.signal)) return false
  await serveName(ex, context, { name: { kind: 'domain', domain: hostname }, rawSegments: decodeSegments(target.rawPath), target, dnsLinkHost: hostname })
  return true
}

async function handle (ex: Exchange, context: Context): Promise<void> {
  const { req } = ex
  const target = parseTarget(req.url ?? '/')
  const host = headerOf(req.headers['x-forwarded-host']) ?? req.headers.host
  const route = routeHost(host, context.settings.subdomainHosts)
  if (route.kind === 'subdomain') {
    await serveSubdomain(ex, context, target, route)
    return
  }
  if (route.kind === 'path' && !context.settings.noDNSLink && await serveDnsLinkHost(ex, context, target, host)) return
  await servePath(ex, context, target, route.kind === 'subdomain-gateway' ? route.host : undefined)
}

/** Options of {@link createGatewayServer}. */
export type { GatewayInit }

/**
 * Builds the gateway server (not listening yet: call `listen` on it).
 *
 * @param components - the node to serve from
 * @param init - options; each defaults to the node's `Gateway.*` config, then `DEFAULT_*`
 */
export function createGatewayServer (components: GatewayComponents, init: GatewayInit = {}): FastifyInstance {
  const { node } = components
  const settings = resolveGatewayInit(node.repo.config, init)
  const base = baseHeaders(settings)
  const context: Context = { node, settings }
  const log = loggerFor(node.logger, 'cairn:http-api:gateway')
  const stats: GatewayStats = { inFlight: 0, rawBlockFastPath: 0 }
  const watchdog = new Watchdog(settings)
  const fastPath = new RawBlockFastPath(node, settings.subdomainHosts, base, !settings.noDNSLink)
  const routingApi = settings.exposeRoutingAPI ? new RoutingApi(node, { timeoutMs: settings.routingTimeoutMs }) : undefined

  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    requestTimeout: 0,
    // the path is read from the raw URL by the gateway itself; the router only dispatches
    routerOptions: { maxParamLength: 1024 * 1024 },
    // a URL the router cannot decode (`%ZZ`) is still the gateway's to answer, with its own message
    frameworkErrors: (_err, request, reply) => {
      reply.hijack()
      void handler(request.raw, reply.raw)
    },
    // fastify's server, except that a request the raw-block fast path may answer goes straight to
    // the handler: fastify's routing and request objects are ~1 µs of its ~17
    serverFactory: (route, options) => {
      const server = createServer((req, res) => {
        if (fastPath.claims(req)) void handler(req, res)
        else route(req, res)
      })
      // what fastify sets on a server it makes itself
      const timeouts = options as { keepAliveTimeout?: number, requestTimeout?: number, connectionTimeout?: number }
      if (timeouts.keepAliveTimeout != null) server.keepAliveTimeout = timeouts.keepAliveTimeout
      if (timeouts.requestTimeout != null) server.requestTimeout = timeouts.requestTimeout
      server.setTimeout(timeouts.connectionTimeout ?? 0)
      return server
    }
  })
  app.decorate('gatewayStats', stats)
  app.addHook('onClose', async () => { watchdog.stop() })
  // request bodies are never read
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => { done(null, undefined) })

  // made only for requests the fast path does not answer: an AbortController is not free
  const exchange = (req: IncomingMessage, res: ServerResponse, head: boolean): Exchange =>
    ({ req, res, head, controller: new AbortController(), base })
  const handler = async (raw: IncomingMessage, res: ServerResponse): Promise<void> => {
    raw.on('error', ignore)
    res.on('error', ignore)
    const method = raw.method ?? 'GET'
    const head = method === 'HEAD'
    if (routingApi != null && isRoutingV1(raw.url ?? '/')) {
      await serveRouting(routingApi, exchange(raw, res, head))
      return
    }
    if (method === 'OPTIONS') {
      writeHead(exchange(raw, res, head), 200, { 'Access-Control-Max-Age': CORS_MAX_AGE_SECONDS, Allow: CORS_ALLOW_METHODS, 'Content-Length': 0 })
      res.end()
      return
    }
    if (method !== 'GET' && !head) {
      sendText(exchange(raw, res, head), 405, `405 Method Not Allowed: the gateway answers ${CORS_ALLOW_METHODS}`, { Allow: CORS_ALLOW_METHODS })
      return
    }
    const url = raw.url ?? '/'
    if (url.length > MAX_URL_BYTES) {
      sendError(exchange(raw, res, head), new UriTooLongError(`the request URL is ${url.length} bytes, over the gateway's limit of ${MAX_URL_BYTES}`))
      return
    }
    if (settings.maxConcurrentRequests > 0 && stats.inFlight >= settings.maxConcurrentRequests) {
      sendError(exchange(raw, res, head), new TooManyRequestsError(`the gateway is serving ${stats.inFlight} requests, its limit (Gateway.MaxConcurrentRequests); retry later`))
      return
    }
    stats.inFlight++
    // a plain raw-block request is answered on its own fast path (see raw-block.ts)
    const served = await fastPath.serve(raw, res, head).catch((err: unknown) => {
      log.error('%s %s failed: %e', method, raw.url, err)
      sendError(exchange(raw, res, head), err)
      return true
    })
    if (served) {
      stats.inFlight--
      stats.rawBlockFastPath++
      return
    }
    if (log.enabled) log('%s %s', method, raw.url)
    const ex = exchange(raw, res, head)
    // a timeout once the answer has started can only cut it
    const watch = watchdog.watch(ex.controller, () => { if (res.headersSent) res.destroy() })
    ex.watch = watch.attach
    res.once('close', () => {
      stats.inFlight--
      watch.done()
      if (!res.writableFinished) ex.controller.abort(new AbortedError('the client closed the connection'))
    })
    try {
      await handle(ex, context)
    } catch (err) {
      // an aborted request reports why it was aborted (a timeout), whatever was thrown
      const error = ex.controller.signal.aborted ? abortError(ex.controller.signal) : err
      log.error('%s %s failed: %e', method, raw.url, error)
      sendError(ex, error)
    }
  }

  /** A `/routing/v1/` request: its own methods (PUT) and CORS, the gateway's limits. */
  const serveRouting = async (api: RoutingApi, ex: Exchange): Promise<void> => {
    const { res } = ex
    ex.base = { ...ex.base, 'Access-Control-Allow-Methods': ROUTING_V1_METHODS }
    if (ex.req.method === 'OPTIONS') {
      writeHead(ex, 200, { 'Access-Control-Max-Age': CORS_MAX_AGE_SECONDS, Allow: ROUTING_V1_METHODS, 'Content-Length': 0 })
      res.end()
      return
    }
    const url = ex.req.url ?? '/'
    if (url.length > MAX_URL_BYTES) {
      sendError(ex, new UriTooLongError(`the request URL is ${url.length} bytes, over the gateway's limit of ${MAX_URL_BYTES}`))
      return
    }
    if (settings.maxConcurrentRequests > 0 && stats.inFlight >= settings.maxConcurrentRequests) {
      sendError(ex, new TooManyRequestsError(`the gateway is serving ${stats.inFlight} requests, its limit (Gateway.MaxConcurrentRequests); retry later`))
      return
    }
    stats.inFlight++
    res.once('close', () => {
      stats.inFlight--
      if (!res.writableFinished) ex.controller.abort(new AbortedError('the client closed the connection'))
    })
    try {
      await api.serve(ex)
    } catch (err) {
      log.error('%s %s failed: %e', ex.req.method, ex.req.url, err)
      sendError(ex, err)
    }
  }

  app.route({
    method: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/*',
    handler: async (request, reply) => {
      reply.hijack()
      await handler(request.raw, reply.raw)
    }
  })
  return app
}

/** The counters of a gateway server made by {@link createGatewayServer}. */
export function gatewayStats (app: FastifyInstance): GatewayStats {
  return (app as unknown as { gatewayStats: GatewayStats }).gatewayStats
}
