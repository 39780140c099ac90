/**
 * Cairn's error classes and the one table that maps each error name to its meaning on every
 * surface: the CLI exit code, the RPC answer (Kubo's `{Message, Code, Type}` plus our `Name`) and
 * the gateway status.
 *
 * Every error has a stable `name`; callers compare errors by `name`, never by message text.
 * This module has no dependencies so that every subsystem can import it.
 */

/** How an error presents itself on the CLI, over RPC and on the gateway. */
export interface ErrorMeaning {
  /** Kubo's RPC error code: 0 normal, 1 client error, 2 implementation, 3 rate limited, 4 forbidden */
  rpcCode: 0 | 1 | 2 | 3 | 4
  /** HTTP status for the gateway */
  gatewayStatus: number
  /** HTTP status over RPC when not Kubo's rule (400 for code 1, else 500) */
  rpcStatus?: number
}

/** Base class: every Cairn error carries a stable name and keeps its cause. */
export class CairnError extends Error {
  override name = 'CairnError'

  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * Error name → meaning. A name missing here is treated as an internal error
 * (RPC code 2 / HTTP 500 / exit 1).
 */
export const ERROR_MEANINGS: Record<string, ErrorMeaning> = {}

const CLIENT = (gatewayStatus = 400): ErrorMeaning => ({ rpcCode: 1, gatewayStatus })
const SERVER = (gatewayStatus = 500): ErrorMeaning => ({ rpcCode: 2, gatewayStatus })

// --- input errors (the user's fault: 400 over RPC, exit 1 on the CLI) ---
export class InvalidArgumentError extends CairnError {
  static { ERROR_MEANINGS['InvalidArgumentError'] = CLIENT() }
  override name = 'InvalidArgumentError'
}
export class InvalidCIDError extends CairnError {
  static { ERROR_MEANINGS['InvalidCIDError'] = CLIENT() }
  override name = 'InvalidCIDError'
}
export class InvalidPathError extends CairnError {
  static { ERROR_MEANINGS['InvalidPathError'] = CLIENT() }
  override name = 'InvalidPathError'
}
export class UnsupportedCodecError extends CairnError {
  static { ERROR_MEANINGS['UnsupportedCodecError'] = CLIENT(501) }
  override name = 'UnsupportedCodecError'
}
export class UnsupportedHashError extends CairnError {
  static { ERROR_MEANINGS['UnsupportedHashError'] = CLIENT() }
  override name = 'UnsupportedHashError'
}
export class InvalidChunkerError extends CairnError {
  static { ERROR_MEANINGS['InvalidChunkerError'] = CLIENT() }
  override name = 'InvalidChunkerError'
}
export class InvalidConfigError extends CairnError {
  static { ERROR_MEANINGS['InvalidConfigError'] = CLIENT() }
  override name = 'InvalidConfigError'
}
export class UnknownConfigKeyError extends CairnError {
  static { ERROR_MEANINGS['UnknownConfigKeyError'] = CLIENT() }
  override name = 'UnknownConfigKeyError'
}
export class BlockTooBigError extends CairnError {
  static { ERROR_MEANINGS['BlockTooBigError'] = CLIENT() }
  override name = 'BlockTooBigError'
}
/** A dag-cbor/dag-json/cbor/json value nested deeper than the decoders' limit (blockstore/decode-limits.ts). */
export class NestingTooDeepError extends CairnError {
  static { ERROR_MEANINGS['NestingTooDeepError'] = CLIENT() }
  override name = 'NestingTooDeepError'
}
export class InvalidCARError extends CairnError {
  static { ERROR_MEANINGS['InvalidCARError'] = CLIENT() }
  override name = 'InvalidCARError'
}
export class FileNotFoundError extends CairnError {
  static { ERROR_MEANINGS['FileNotFoundError'] = CLIENT(404) }
  override name = 'FileNotFoundError'
}
export class UnsafePathError extends CairnError {
  static { ERROR_MEANINGS['UnsafePathError'] = CLIENT() }
  override name = 'UnsafePathError'
}
export class NotADirectoryError extends CairnError {
  static { ERROR_MEANINGS['NotADirectoryError'] = CLIENT() }
  override name = 'NotADirectoryError'
}
export class NotAFileError extends CairnError {
  static { ERROR_MEANINGS['NotAFileError'] = CLIENT() }
  override name = 'NotAFileError'
}
/** An MFS path is already taken (`files mkdir` without `-p`, `files cp` onto a name in use). */
export class FileExistsError extends CairnError {
  static { ERROR_MEANINGS['FileExistsError'] = CLIENT(409) }
  override name = 'FileExistsError'
}
export class InvalidRangeError extends CairnError {
  static { ERROR_MEANINGS['InvalidRangeError'] = CLIENT(416) }
  override name = 'InvalidRangeError'
}
export class UnknownCommandError extends CairnError {
  static { ERROR_MEANINGS['UnknownCommandError'] = CLIENT(404) }
  override name = 'UnknownCommandError'
}

/** The client asked for a representation the content cannot have (gateway `406`). */
export class NotAcceptableError extends CairnError {
  static { ERROR_MEANINGS['NotAcceptableError'] = CLIENT(406) }
  override name = 'NotAcceptableError'
}
/** A request precondition does not hold, e.g. `only-if-cached` for a block that is not local (`412`). */
export class PreconditionFailedError extends CairnError {
  static { ERROR_MEANINGS['PreconditionFailedError'] = CLIENT(412) }
  override name = 'PreconditionFailedError'
}
/** Too many requests at once (gateway `429`, RPC code 3). */
export class TooManyRequestsError extends CairnError {
  static { ERROR_MEANINGS['TooManyRequestsError'] = { rpcCode: 3, gatewayStatus: 429, rpcStatus: 429 } }
  override name = 'TooManyRequestsError'
}
/** A valid request for something Cairn does not do (yet): IPNS on the gateway, paths inside IPLD values (`501`). */
export class NotImplementedError extends CairnError {
  static { ERROR_MEANINGS['NotImplementedError'] = { rpcCode: 2, gatewayStatus: 501 } }
  override name = 'NotImplementedError'
}

/** A request URL longer than the server reads (`414`, see `MAX_URL_BYTES` in http-api/constants.ts). */
export class UriTooLongError extends CairnError {
  static { ERROR_MEANINGS['UriTooLongError'] = { rpcCode: 1, gatewayStatus: 414, rpcStatus: 414 } }
  override name = 'UriTooLongError'
}

export class PayloadTooLargeError extends CairnError {
  static { ERROR_MEANINGS['PayloadTooLargeError'] = { rpcCode: 1, gatewayStatus: 413, rpcStatus: 413 } }
  override name = 'PayloadTooLargeError'
}

// --- content errors ---
export class BlockNotFoundError extends CairnError {
  static { ERROR_MEANINGS['BlockNotFoundError'] = SERVER(404) }
  override name = 'BlockNotFoundError'
}
export class PathNotFoundError extends CairnError {
  static { ERROR_MEANINGS['PathNotFoundError'] = CLIENT(404) }
  override name = 'PathNotFoundError'
}
export class BlockCorruptError extends CairnError {
  static { ERROR_MEANINGS['BlockCorruptError'] = SERVER(500) }
  override name = 'BlockCorruptError'
}
export class NotPinnedError extends CairnError {
  static { ERROR_MEANINGS['NotPinnedError'] = CLIENT() }
  override name = 'NotPinnedError'
}
export class PinnedBlockError extends CairnError {
  static { ERROR_MEANINGS['PinnedBlockError'] = CLIENT() }
  override name = 'PinnedBlockError'
}
export class IncompleteDAGError extends CairnError {
  static { ERROR_MEANINGS['IncompleteDAGError'] = SERVER(404) }
  override name = 'IncompleteDAGError'
}

// --- repo and runtime ---
export class RepoLockedError extends CairnError {
  static { ERROR_MEANINGS['RepoLockedError'] = SERVER() }
  override name = 'RepoLockedError'
}
export class RepoNotInitializedError extends CairnError {
  static { ERROR_MEANINGS['RepoNotInitializedError'] = CLIENT() }
  override name = 'RepoNotInitializedError'
}
/** A repo folder holds data (datastore, keystore, blocks) but no config: a new identity must not be put over it. */
export class RepoConfigMissingError extends CairnError {
  static { ERROR_MEANINGS['RepoConfigMissingError'] = CLIENT() }
  override name = 'RepoConfigMissingError'
}
export class RepoExistsError extends CairnError {
  static { ERROR_MEANINGS['RepoExistsError'] = CLIENT() }
  override name = 'RepoExistsError'
}
export class RepoVersionError extends CairnError {
  static { ERROR_MEANINGS['RepoVersionError'] = SERVER() }
  override name = 'RepoVersionError'
}
export class TimeoutError extends CairnError {
  static { ERROR_MEANINGS['TimeoutError'] = SERVER(504) }
  override name = 'TimeoutError'
}
/** An upload sent nothing for longer than its idle timeout (`API.UploadIdleTimeout`). */
export class UploadTimeoutError extends CairnError {
  static { ERROR_MEANINGS['UploadTimeoutError'] = { rpcCode: 1, gatewayStatus: 408, rpcStatus: 408 } }
  override name = 'UploadTimeoutError'
}
/** The file system holding the repo is full (ENOSPC, EDQUOT); the failed write was rolled back. */
export class NoSpaceError extends CairnError {
  static { ERROR_MEANINGS['NoSpaceError'] = SERVER(507) }
  override name = 'NoSpaceError'
}
export class AbortedError extends CairnError {
  static { ERROR_MEANINGS['AbortedError'] = SERVER(499) }
  override name = 'AbortedError'
}
export class OfflineError extends CairnError {
  static { ERROR_MEANINGS['OfflineError'] = SERVER(504) }
  override name = 'OfflineError'
}
export class ApiUnreachableError extends CairnError {
  static { ERROR_MEANINGS['ApiUnreachableError'] = SERVER(502) }
  override name = 'ApiUnreachableError'
}

// --- network ---
export class PeerNotFoundError extends CairnError {
  static { ERROR_MEANINGS['PeerNotFoundError'] = SERVER(404) }
  override name = 'PeerNotFoundError'
}
export class DialError extends CairnError {
  static { ERROR_MEANINGS['DialError'] = SERVER(502) }
  override name = 'DialError'
}
export class ListenError extends CairnError {
  static { ERROR_MEANINGS['ListenError'] = SERVER() }
  override name = 'ListenError'
}
/** No router is configured (`Routing.Type` is `none`, or the node is offline). */
export class RoutingOffError extends CairnError {
  static { ERROR_MEANINGS['RoutingOffError'] = SERVER(501) }
  override name = 'RoutingOffError'
}
/** A routing query finished without an answer (no providers, no record). */
export class NotFoundError extends CairnError {
  static { ERROR_MEANINGS['NotFoundError'] = SERVER(404) }
  override name = 'NotFoundError'
}
/** A record or message from a peer failed validation. */
export class InvalidRecordError extends CairnError {
  static { ERROR_MEANINGS['InvalidRecordError'] = CLIENT() }
  override name = 'InvalidRecordError'
}
/** A peer broke the wire protocol: a malformed, oversized or unexpected message. */
export class ProtocolError extends CairnError {
  static { ERROR_MEANINGS['ProtocolError'] = SERVER(502) }
  override name = 'ProtocolError'
}
/** The DHT knows no peer to ask (its routing table is empty), so it cannot look up, provide or put. */
export class NoPeersError extends CairnError {
  static { ERROR_MEANINGS['NoPeersError'] = SERVER(504) }
  override name = 'NoPeersError'
}

/**
 * A router cannot do this operation at all (a delegated HTTP router cannot provide, or store
 * records other than IPNS): `501`, never a silent success.
 */
export class RoutingNotSupportedError extends CairnError {
  static { ERROR_MEANINGS['RoutingNotSupportedError'] = SERVER(501) }
  override name = 'RoutingNotSupportedError'
}

/**
 * A block that came from outside the store (a peer, a fetcher) does not hash to the CID it was
 * asked for: refused and never stored (`502` on the gateway: the upstream answer was bad).
 */
export class BlockMismatchError extends CairnError {
  static { ERROR_MEANINGS['BlockMismatchError'] = SERVER(502) }
  override name = 'BlockMismatchError'
}
/** An `/ipns/` name was given and IPNS is not available (yet): the gateway answers `501`. */
export class NamingOffError extends CairnError {
  static { ERROR_MEANINGS['NamingOffError'] = SERVER(501) }
  override name = 'NamingOffError'
}

/** The meaning of an error, by name; unknown names are internal errors. */
export function meaningOf (err: unknown): ErrorMeaning {
  const name = (err as { name?: unknown })?.name
  if (typeof name === 'string' && ERROR_MEANINGS[name] != null) {
    return ERROR_MEANINGS[name]
  }
  return { rpcCode: 2, gatewayStatus: 500 }
}

/** True when `err` is a client-side error (bad input), by the table. */
export function isClientError (err: unknown): boolean {
  return meaningOf(err).rpcCode === 1
}

/** Recreate a typed error from a name and message (used by the RPC client). */
export function errorFromName (name: string | undefined, message: string): CairnError {
  const err = new CairnError(message)
  if (name != null && name !== '') {
    err.name = name
  }
  return err
}

/** The message of any thrown value. */
export function messageOf (err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

// --- IPNS records, keys and names (naming/): each a client error, the record or input is at fault ---
/** An IPNS record larger than the spec's 10 KiB limit. */
export class RecordTooLargeError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordTooLargeError'] = CLIENT() }
  override name = 'RecordTooLargeError'
}
/** Bytes that are not an IPNS record: bad protobuf, bad DAG-CBOR data, wrong field types. */
export class RecordMalformedError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordMalformedError'] = CLIENT() }
  override name = 'RecordMalformedError'
}
/** An IPNS record without `signatureV2` or `data` (a V1-only record, refused by the spec). */
export class RecordSignatureMissingError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordSignatureMissingError'] = CLIENT() }
  override name = 'RecordSignatureMissingError'
}
/** The record's public key is absent or is not the key the IPNS name names. */
export class RecordKeyMismatchError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordKeyMismatchError'] = CLIENT() }
  override name = 'RecordKeyMismatchError'
}
/** The V2 signature does not verify against the name's key. */
export class RecordSignatureError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordSignatureError'] = CLIENT() }
  override name = 'RecordSignatureError'
}
/** A legacy V1 field differs from its signed DAG-CBOR counterpart. */
export class RecordV1MismatchError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordV1MismatchError'] = CLIENT() }
  override name = 'RecordV1MismatchError'
}
/** The record's EOL validity is in the past. */
export class RecordExpiredError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordExpiredError'] = CLIENT() }
  override name = 'RecordExpiredError'
}
/** A record that would replace a better one (lower sequence, or `--sequence` below the current). */
export class RecordOutdatedError extends InvalidRecordError {
  static { ERROR_MEANINGS['RecordOutdatedError'] = CLIENT() }
  override name = 'RecordOutdatedError'
}
/** Text that is not an IPNS name (a libp2p-key CID or a peer ID) nor a DNSLink domain. */
export class InvalidIpnsNameError extends CairnError {
  static { ERROR_MEANINGS['InvalidIpnsNameError'] = CLIENT() }
  override name = 'InvalidIpnsNameError'
}
/** No key of that name in the keystore. */
export class KeyNotFoundError extends CairnError {
  static { ERROR_MEANINGS['KeyNotFoundError'] = CLIENT(404) }
  override name = 'KeyNotFoundError'
}
/** A key of that name already exists (gen, rename and import never overwrite). */
export class KeyExistsError extends CairnError {
  static { ERROR_MEANINGS['KeyExistsError'] = CLIENT() }
  override name = 'KeyExistsError'
}
/** The `self` key (the node's identity) cannot be removed, renamed or overwritten. */
export class KeyProtectedError extends CairnError {
  static { ERROR_MEANINGS['KeyProtectedError'] = CLIENT() }
  override name = 'KeyProtectedError'
}
/** A key name that is empty, too long, or has a `/`; or key bytes that are not a libp2p private key. */
export class InvalidKeyError extends CairnError {
  static { ERROR_MEANINGS['InvalidKeyError'] = CLIENT() }
  override name = 'InvalidKeyError'
}
/**
 * An IPNS name or DNSLink domain could not be resolved to a path (no valid record, no DNSLink):
 * the gateway's `500`, as Kubo's "could not resolve name".
 */
export class NameResolveError extends CairnError {
  static { ERROR_MEANINGS['NameResolveError'] = SERVER(500) }
  override name = 'NameResolveError'
}
/** Name resolution went deeper than its limit (32 steps), or around a loop. */
export class ResolveDepthError extends CairnError {
  static { ERROR_MEANINGS['ResolveDepthError'] = CLIENT(508) }
  override name = 'ResolveDepthError'
}
