/**
 * The one way an abort becomes an error. An AbortSignal fires with a reason: Cairn's own error
 * when Cairn aborted (`AbortedError('interrupted')`, the gateway's `TimeoutError`), a DOMException
 * `AbortError` from a bare `controller.abort()`, or a DOMException `TimeoutError` from
 * `AbortSignal.timeout()`. Every subsystem turns that reason into an error through
 * {@link abortError}, so the CLI, the RPC API and the gateway see one of two names
 * (`AbortedError`, `TimeoutError`) whatever aborted them.
 *
 * A leaf module: it imports only the error classes, so every layer can use it.
 */
import { AbortedError, CairnError, ERROR_MEANINGS, TimeoutError } from './index.ts'

/**
 * The Cairn error an aborted signal stands for: its reason when that is already a Cairn error (or
 * an error with a name of the error table),
 * `TimeoutError` for a timeout, `AbortedError` otherwise (the reason kept as the cause).
 *
 * @param what - what was stopped, for the message (default "the operation")
 */
export function abortError (signal: AbortSignal, what = 'the operation'): Error {
  const reason: unknown = signal.reason
  // a Cairn error, or any error carrying one of the table's names (one rebuilt from an RPC answer)
  if (reason instanceof CairnError) return reason
  if (reason instanceof Error && !(reason instanceof DOMException) && ERROR_MEANINGS[reason.name] != null) return reason
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return new TimeoutError(`${what} timed out`, { cause: reason })
  }
  return new AbortedError(`${what} was aborted`, { cause: reason })
}

/** Throws {@link abortError} when `signal` has fired; does nothing without a signal. */
export function throwIfAborted (signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted === true) throw abortError(signal, what)
}

/**
 * True for an error that stands for an abort, in any of its forms: Cairn's `AbortedError` and
 * `TimeoutError`, and the DOMException `AbortError` / `TimeoutError` that platform APIs throw.
 */
export function isAbortError (err: unknown): boolean {
  const name = (err as { name?: unknown } | null | undefined)?.name
  return name === 'AbortedError' || name === 'AbortError' || name === 'TimeoutError'
}

/**
 * Settles with `promise`, or rejects with {@link abortError} as soon as `signal` fires (the
 * promise's own late answer is then ignored).
 */
export async function raceSignal<T> (promise: Promise<T>, signal: AbortSignal | undefined, what?: string): Promise<T> {
  if (signal == null) return await promise
  if (signal.aborted) {
    promise.catch(() => {}) // nobody waits for the answer any more; its failure is moot
    throw abortError(signal, what)
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(abortError(signal, what)) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
    // the answer may still come after an abort; nobody waits for it any more
    promise.catch(() => {})
  }
}

/**
 * One signal that fires when any of `signals` fires (undefined ones are skipped), with the reason
 * of the first. Returns undefined when no signal was given, so callers pass it on unchanged.
 */
export function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s != null)
  if (present.length === 0) return undefined
  if (present.length === 1) return present[0]
  return AbortSignal.any(present)
}
