/**
 * The HTTP edge of Cairn: the Kubo-compatible RPC API (`/api/v0`) and the RPC client the CLI
 * uses while a daemon holds the repo. Both are driven by the one command table of `core/`.
 */
export {
  createRpcServer, resolveRpcServerInit,
  type RpcServerComponents, type RpcServerInit, type ResolvedRpcServerInit
} from './rpc-server.ts'
export { createRpcClient, multiaddrToUrl, type RpcClient, type RpcClientInit, type RpcRunOptions } from './rpc-client.ts'
export { createApiGuard, type ApiAuthorization, type ApiGuard, type ApiGuardInit, type GuardVerdict } from './security.ts'
export { PayloadTooLargeError, rpcErrorBody, rpcStatusOf, type RpcErrorBody } from './errors.ts'
export {
  parseMultipart, encodeMultipart, parseHeaderValue, multipartBoundary,
  type MultipartPart, type OutgoingPart, type ParseMultipartOptions, type HeaderValue
} from './multipart.ts'
export { tarFromEntries, entriesFromTar, type TarEntry, type TarReadEntry, type TarWriteOptions } from './tar.ts'
export {
  API_PATH, DEFAULT_BODY_LIMIT, DEFAULT_UPLOAD_LIMIT, MAX_PART_HEADER_BYTES, STREAM_ERROR_TRAILER,
  STREAM_ERROR_NAME_TRAILER, TAR_METADATA_HEADER
} from './constants.ts'
export {
  createGatewayServer, gatewayStats, resolveGatewayInit,
  type GatewayComponents, type GatewayInit, type GatewayStats, type ResolvedGatewayInit
} from './gateway/index.ts'
