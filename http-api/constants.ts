/**
 * Limits and defaults of the RPC API. Every limit is named here; {@link resolveRpcServerInit}
 * (rpc-server.ts) resolves the options that override them.
 */

/** Where Kubo (and so Cairn) mounts its RPC API. */
export const API_PATH = '/api/v0'

/**
 * The most bytes a request body may hold for a command that takes no input (it is never read):
 * 1 MiB. Bigger bodies are refused with 413.
 */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

/**
 * The most bytes of a streamed upload (`add`, `block put`, `dag put`, `dag import`): no limit,
 * because the body is streamed into the command and never held whole. Commands that read their
 * input whole (`block put`, `dag put`) refuse oversized inputs themselves.
 */
export const DEFAULT_UPLOAD_LIMIT = Number.POSITIVE_INFINITY

/**
 * The longest request URL (path and query) the RPC API and the gateway read: 8 KiB, as common
 * servers (nginx, Apache) allow. A longer one is answered `414 URI Too Long` before any work, so
 * that what a path costs (resolution, breadcrumbs, `X-Ipfs-Roots`) stays bounded by this.
 */
export const MAX_URL_BYTES = 8 * 1024

/** The most bytes of one multipart part's headers: 16 KiB (Go's textproto reads about as much). */
export const MAX_PART_HEADER_BYTES = 16 * 1024

/** The most bytes of a symlink part's body (its target); POSIX PATH_MAX is 4096. */
export const MAX_SYMLINK_TARGET_BYTES = 4096

/**
 * After an error answer to a request whose body is still arriving, the server reads and drops
 * at most this much more of it (so the client gets to read the answer before the connection
 * closes), then closes the connection.
 */
export const DRAIN_LIMIT_BYTES = 4 * 1024 * 1024

/** ... and waits at most this long for it (ms). */
export const DRAIN_TIMEOUT_MS = 2000

/** How long a browser may cache a CORS preflight answer (seconds). */
export const PREFLIGHT_MAX_AGE_SECONDS = 600

/**
 * The response headers a browser client may read (Kubo's `Access-Control-Expose-Headers` for
 * the RPC API).
 */
export const EXPOSED_HEADERS = ['X-Stream-Output', 'X-Chunked-Output', 'X-Content-Length']

/** The trailer that carries an error that happened after the answer started (Kubo's name). */
export const STREAM_ERROR_TRAILER = 'X-Stream-Error'

/** Cairn's companion trailer: the error's stable `name`, so the CLI can re-create it. */
export const STREAM_ERROR_NAME_TRAILER = 'X-Stream-Error-Name'

/**
 * A request header with which Cairn's RPC client asks `get` to carry each entry's CID and
 * UnixFS mode in vendor PAX records (`CAIRN.cid`, `CAIRN.mode`); other clients get a plain tar.
 */
export const TAR_METADATA_HEADER = 'X-Cairn-Tar-Metadata'
