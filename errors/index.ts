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
}

/** Base class: every Cairn error carries a stable name and keeps its cause. */
export class CairnError extends Error {
  static readonly code: string = 'CairnError'
  override name = 'CairnError'

  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

function define (name: string, meaning: ErrorMeaning): typeof CairnError {
  const cls = class extends CairnError {
    override name = name
  }
  Object.defineProperty(cls, 'name', { value: name })
  ERROR_MEANINGS[name] = meaning
  return cls
}

/**
 * Error name → meaning. A name missing here is treated as an internal error
 * (RPC code 2 / HTTP 500 / exit 1).
 */
export const ERROR_MEANINGS: Record<string, ErrorMeaning> = {}

const CLIENT = (gatewayStatus = 400): ErrorMeaning => ({ rpcCode: 1, gatewayStatus })
const SERVER = (gatewayStatus = 500): ErrorMeaning => ({ rpcCode: 2, gatewayStatus })

// --- input errors (the user's fault: 400 over RPC, exit 1 on the CLI) ---
export const InvalidArgumentError = define('InvalidArgumentError', CLIENT())
export const InvalidCIDError = define('InvalidCIDError', CLIENT())
export const InvalidPathError = define('InvalidPathError', CLIENT())
export const UnsupportedCodecError = define('UnsupportedCodecError', CLIENT(501))
export const UnsupportedHashError = define('UnsupportedHashError', CLIENT())
export const InvalidChunkerError = define('InvalidChunkerError', CLIENT())
export const InvalidConfigError = define('InvalidConfigError', CLIENT())
export const UnknownConfigKeyError = define('UnknownConfigKeyError', CLIENT())
export const BlockTooBigError = define('BlockTooBigError', CLIENT())
export const InvalidCARError = define('InvalidCARError', CLIENT())
export const FileNotFoundError = define('FileNotFoundError', CLIENT(404))
export const UnsafePathError = define('UnsafePathError', CLIENT())
export const NotADirectoryError = define('NotADirectoryError', CLIENT())
export const NotAFileError = define('NotAFileError', CLIENT())
export const InvalidRangeError = define('InvalidRangeError', CLIENT(416))
export const UnknownCommandError = define('UnknownCommandError', CLIENT(404))

// --- content errors ---
export const BlockNotFoundError = define('BlockNotFoundError', SERVER(404))
export const PathNotFoundError = define('PathNotFoundError', CLIENT(404))
export const BlockCorruptError = define('BlockCorruptError', SERVER(500))
export const NotPinnedError = define('NotPinnedError', CLIENT())
export const PinnedBlockError = define('PinnedBlockError', CLIENT())
export const IncompleteDAGError = define('IncompleteDAGError', SERVER(404))

// --- repo and runtime ---
export const RepoLockedError = define('RepoLockedError', SERVER())
export const RepoNotInitializedError = define('RepoNotInitializedError', CLIENT())
export const RepoExistsError = define('RepoExistsError', CLIENT())
export const RepoVersionError = define('RepoVersionError', SERVER())
export const TimeoutError = define('TimeoutError', SERVER(504))
export const AbortedError = define('AbortedError', SERVER(499))
export const OfflineError = define('OfflineError', SERVER(504))
export const ApiUnreachableError = define('ApiUnreachableError', SERVER(502))

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
