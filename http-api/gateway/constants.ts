/**
 * Limits, defaults and fixed header values of the HTTP gateway. Every limit has a name here;
 * `resolveGatewayInit` (config.ts) resolves the options that override them.
 */

/** `Gateway.RetrievalTimeout` default: how long the gateway waits for a needed block (Kubo: 30 s). */
export const DEFAULT_RETRIEVAL_TIMEOUT_MS = 30_000

/** `Gateway.MaxConcurrentRequests` default (Kubo's): requests beyond it get `429`. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 4096

/** `Gateway.MaxRequestDuration` default (Kubo's: 1 h): a longer request is cut. */
export const DEFAULT_MAX_REQUEST_DURATION_MS = 60 * 60 * 1000

/** How long one `/routing/v1/` request may look for answers before it answers with what it found: 30 s. */
export const DEFAULT_ROUTING_TIMEOUT_MS = 30_000

/** `Retry-After` (seconds) sent with `429`. */
export const RETRY_AFTER_BUSY_SECONDS = 60

/** `Retry-After` (seconds) sent with `504`. */
export const RETRY_AFTER_TIMEOUT_SECONDS = 30

/** The `Cache-Control` of every immutable `/ipfs/` answer (specs: path-gateway, Cache-Control). */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable'

/**
 * Bytes of a file read to sniff its content type: magic numbers sit in the first 512 bytes;
 * a JSON document is recognised when it is complete within this many.
 */
export const SNIFF_BYTES = 3072

/** Bytes of magic-number window (as the WHATWG MIME sniffing standard). */
export const MAGIC_BYTES = 512

/** The most ranges of one `Range` header answered as `multipart/byteranges`; more get the whole body. */
export const MAX_RANGES = 16

/** How many blocks a CAR walk fetches ahead of the one it writes. */
export const CAR_READ_AHEAD_BLOCKS = 16

/** Bytes of CAR output gathered into one socket write. */
export const CAR_WRITE_CHUNK_BYTES = 64 * 1024

/**
 * Bytes of a `?format=tar` stream produced before the answer starts: names that escape the root are
 * refused with a 4xx while they are found within it (after it, the stream is cut).
 */
export const TAR_HEAD_START_BYTES = 64 * 1024

/**
 * A listing's entry links repeat the directory's path while it is at most this long (bytes);
 * beyond, they are relative (`./name`), so a listing stays linear in its rows.
 */
export const MAX_ABSOLUTE_LINK_BASE_BYTES = 1024

/**
 * The most bytes of breadcrumb hrefs on a listing page: each repeats the path before it, so a
 * deep path would cost its square; the segments after this budget are shown as plain text.
 */
export const MAX_BREADCRUMB_LINK_BYTES = 16 * 1024

/** The most characters of dag-json text on a DAG preview page; the rest is cut, and the page says so. */
export const MAX_PREVIEW_TEXT_BYTES = 128 * 1024

/** The most links listed on a DAG preview page. */
export const MAX_PREVIEW_LINKS = 1000

/**
 * The largest block a DAG preview page decodes; a bigger one is only linked. Decoding runs on the
 * event loop and costs about 0.2 ms (dag-cbor) to 0.8 ms (dag-json) per KiB here, so 64 KiB
 * keeps one page well under the 100 ms that any request may hold the loop.
 */
export const MAX_PREVIEW_BLOCK_BYTES = 64 * 1024

/** The longest `X-Ipfs-Roots` value sent; a longer one is left out (see `pathHeaders`). */
export const MAX_ROOTS_HEADER_BYTES = 8 * 1024

/** The longest DNS label: a subdomain CID longer than this cannot be an origin (RFC 1034). */
export const DNS_LABEL_MAX_LENGTH = 63

/** The shortest digest of a cryptographic hash accepted (Kubo's `verifcid`). */
export const MIN_DIGEST_BYTES = 20

/** CORS: methods a browser may use. */
export const CORS_ALLOW_METHODS = 'GET, HEAD, OPTIONS'

/** CORS: request headers a browser may send. */
export const CORS_ALLOW_HEADERS = 'Content-Type, Range, User-Agent, X-Requested-With, If-None-Match, Cache-Control'

/** CORS: response headers a page may read (specs: path-gateway; gateway-conformance `TestCors`). */
export const CORS_EXPOSE_HEADERS = [
  'Content-Range', 'Content-Length', 'Content-Type', 'Content-Location', 'Etag',
  'X-Ipfs-Path', 'X-Ipfs-Roots', 'X-Chunked-Output', 'X-Stream-Output'
].join(', ')

/** How long a browser may cache a preflight answer (seconds). */
export const CORS_MAX_AGE_SECONDS = 600

/** Media types of the response formats. */
export const MEDIA_TYPES = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  tar: 'application/x-tar',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor',
  'ipns-record': 'application/vnd.ipfs.ipns-record',
  html: 'text/html'
} as const

/** A response format, as `?format=` names it (`html` only comes from `Accept: text/html`). */
export type ResponseFormat = keyof typeof MEDIA_TYPES

/** Formats a client may ask for with `?format=`. */
export const QUERY_FORMATS: ReadonlySet<string> = new Set(['raw', 'car', 'tar', 'dag-json', 'dag-cbor', 'json', 'cbor', 'ipns-record'])

/** The formats that need no deserialization: what `Gateway.DeserializedResponses=false` allows. */
export const TRUSTLESS_FORMATS: ReadonlySet<ResponseFormat> = new Set(['raw', 'car', 'ipns-record'])
