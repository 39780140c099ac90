/**
 * The HTTP gateway: path, trustless and subdomain gateways over the node's block service.
 *
 * - {@link createGatewayServer}: the fastify server (call `listen` on it).
 * - {@link resolveGatewayInit}: its options from `Gateway.*` config keys and defaults.
 * - {@link RoutingApi}: the Delegated Routing V1 HTTP API it serves under `/routing/v1/`.
 *
 * @see https://specs.ipfs.tech/http-gateways/
 */
export { createGatewayServer, gatewayStats, type GatewayComponents, type GatewayStats } from './server.ts'
export { resolveGatewayInit, type GatewayInit, type ResolvedGatewayInit } from './config.ts'
export {
  DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_REQUEST_DURATION_MS, DEFAULT_RETRIEVAL_TIMEOUT_MS, DEFAULT_ROUTING_TIMEOUT_MS, IMMUTABLE_CACHE_CONTROL
} from './constants.ts'
export { RoutingApi, isRoutingV1, ROUTING_V1_PREFIX, MAX_JSON_RECORDS, MAX_STREAMED_RECORDS, type RoutingApiInit } from './routing-v1.ts'
export { sniffContentType, typeByName } from './content-type.ts'
export { parseRange, parseAccept, contentDisposition, type ByteRange, type RangeRequest } from './request.ts'
