/**
 * Routing: the interface every router implements (the DHT, delegated HTTP routers) and the
 * composite the node wires them into. See `types.ts`, `composite.ts` and `http-router.ts`
 * (the delegated HTTP router).
 */
export type * from './types.ts'
export {
  combineErrors, createCompositeRouting, DEFAULT_ROUTING_OFF_REASON,
  type CompositeRoutingComponents, type CompositeRoutingInit
} from './composite.ts'
export {
  createHttpRouter, DEFAULT_HTTP_MAX_PROVIDERS, DEFAULT_HTTP_ROUTER_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_BYTES,
  MAX_IPNS_RECORD_BYTES, MAX_NDJSON_LINE_BYTES, type HttpRouterComponents, type HttpRouterInit
} from './http-router.ts'
