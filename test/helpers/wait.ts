/**
 * The one way tests wait: poll a condition until it holds, with a deadline. A fixed sleep is either
 * too short on a loaded machine (the test flakes) or longer than needed everywhere else (the suite
 * crawls); a condition with a deadline is neither.
 */

/** How long `waitFor` polls before it gives up, unless told otherwise. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000

/** How long `waitFor` pauses between two checks, unless told otherwise. */
export const DEFAULT_WAIT_INTERVAL_MS = 20

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. Default {@link DEFAULT_WAIT_TIMEOUT_MS}. */
  timeout?: number
  /** Pause between checks, in milliseconds. Default {@link DEFAULT_WAIT_INTERVAL_MS}. */
  interval?: number
  /**
   * What was awaited, for the error on timeout; a function is called then, so it can describe the
   * state at that moment (a child's output so far, a count). Default: "a condition".
   */
  message?: string | (() => string)
  /** Stops the wait early with the signal's reason. */
  signal?: AbortSignal
}

/** Thrown by {@link waitFor} when the condition does not hold before the deadline. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError'
}

/** A value that means "not yet". */
type NotYet = undefined | null | false

/**
 * Checks `condition` until it returns a value other than `undefined`, `null` or `false`, and
 * returns that value; throws {@link WaitTimeoutError} when the deadline passes first. The
 * condition is checked once more at the deadline, so a slow check still gets its last chance. An
 * error thrown by the condition ends the wait with that error.
 */
export async function waitFor<T> (condition: () => T | NotYet | Promise<T | NotYet>, options: WaitForOptions = {}): Promise<Exclude<T, NotYet>> {
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS
  const interval = options.interval ?? DEFAULT_WAIT_INTERVAL_MS
  const deadline = Date.now() + timeout
  while (true) {
    options.signal?.throwIfAborted()
    const value = await condition()
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>
    if (Date.now() >= deadline) {
      const what = typeof options.message === 'function' ? options.message() : options.message ?? 'a condition'
      throw new WaitTimeoutError(`timed out after ${timeout} ms waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, Math.min(interval, Math.max(deadline - Date.now(), 0))))
  }
}

/** How many polls in a row must read the same value for {@link waitForSteady}, unless told otherwise. */
export const DEFAULT_STEADY_POLLS = 5

/** Options of {@link waitForSteady}. */
export interface WaitForSteadyOptions extends WaitForOptions {
  /** Polls in a row, after the first read, that must see the same value. Default {@link DEFAULT_STEADY_POLLS}. */
  steadyPolls?: number
}

/**
 * Waits until `read` gives the same value `steadyPolls` polls in a row, and returns it: for "it
 * has stopped" conditions (a writer blocked on a full socket, a store that no longer grows), which
 * a fixed sleep can only guess at. Throws {@link WaitTimeoutError} if the value keeps changing.
 */
export async function waitForSteady<T> (read: () => T | Promise<T>, options: WaitForSteadyOptions = {}): Promise<T> {
  const wanted = options.steadyPolls ?? DEFAULT_STEADY_POLLS
  let last: { value: T } | undefined
  let steady = 0
  await waitFor(async () => {
    const value = await read()
    steady = last !== undefined && Object.is(last.value, value) ? steady + 1 : 0
    last = { value }
    return steady >= wanted
  }, { ...options, message: options.message ?? 'a value to stop changing' })
  return (last as { value: T }).value
}

/**
 * Lets `ms` pass on purpose — pacing what a test *does* (a client that sends slowly, a command
 * that takes real time), never waiting for something to happen: use {@link waitFor} for that.
 */
export function pace (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    }, { once: true })
  })
}
