/**
 * Durations: the one parser of Go-style duration strings (`30s`, `1m30s`, `597h`), and the one
 * place that turns a duration into a timer.
 *
 * Node's timers hold a signed 32-bit millisecond delay: anything longer (about 24.8 days) is
 * silently set to 1 ms, so an RPC `?timeout=597h` used to fire at once. {@link startTimer} and
 * {@link timeoutSignal} re-arm the timer until the whole duration has passed instead, and
 * {@link parseDuration} refuses durations no clock here could count (past
 * {@link MAX_DURATION_MS}).
 */
import { InvalidArgumentError } from '../errors/index.ts'

/** The longest delay a Node timer holds: 2^31 − 1 ms (about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/**
 * The longest duration {@link parseDuration} accepts: Go's own limit (a duration is an int64 of
 * nanoseconds, about 292 years), which also keeps every millisecond count a safe integer.
 */
export const MAX_DURATION_MS = Math.floor(Number(2n ** 63n - 1n) / 1e6)

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Parses a Go-style duration ("5000ms", "1m30s", "2h") into milliseconds. Throws
 * `InvalidArgumentError` for anything else, and for durations over {@link MAX_DURATION_MS}.
 */
export function parseDuration (text: string): number {
  const trimmed = text.trim()
  if (trimmed === '0') return 0
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let consumed = 0
  let match: RegExpExecArray | null
  while ((match = re.exec(trimmed)) != null) {
    total += Number(match[1]) * DURATION_UNITS[match[2]]
    consumed = re.lastIndex
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new InvalidArgumentError(`"${text}" is not a duration (e.g. 30s, 5000ms, 1m30s)`)
  }
  if (!(total <= MAX_DURATION_MS)) {
    throw new InvalidArgumentError(`duration "${text}" is too long: the longest is ${Math.floor(MAX_DURATION_MS / 3_600_000)}h`)
  }
  return total
}

/** A running timer from {@link startTimer}. */
export interface DurationTimer {
  /** Stops the timer; `onFire` is then never called. */
  clear(): void
}

/** Options of {@link startTimer}. */
export interface StartTimerOptions {
  /** Keep the process alive while the timer runs. Default true, as Node's own timers. */
  ref?: boolean
}

/**
 * Calls `onFire` once `ms` milliseconds have passed, however long that is: delays past
 * {@link MAX_TIMER_DELAY_MS} are counted in several timers. A delay of `Infinity` never fires.
 */
export function startTimer (ms: number, onFire: () => void, options: StartTimerOptions = {}): DurationTimer {
  if (Number.isNaN(ms)) throw new RangeError('a timer delay must be a number')
  let timer: NodeJS.Timeout | undefined
  let cleared = false
  const deadline = performance.now() + Math.max(0, ms)
  const arm = (): void => {
    if (cleared || !Number.isFinite(deadline)) return
    const left = deadline - performance.now()
    timer = setTimeout(() => {
      if (deadline - performance.now() > 1) arm()
      else onFire()
    }, Math.max(0, Math.min(MAX_TIMER_DELAY_MS, left)))
    if (options.ref === false) timer.unref()
  }
  arm()
  return {
    clear () {
      cleared = true
      clearTimeout(timer)
    }
  }
}

/**
 * An AbortSignal that aborts with `reason()` once `ms` milliseconds have passed: use it instead of
 * `AbortSignal.timeout`, which shares the timers' 24.8-day overflow. The timer does not keep the
 * process alive, as `AbortSignal.timeout`'s does not.
 */
export function timeoutSignal (ms: number, reason: () => unknown): AbortSignal {
  const controller = new AbortController()
  startTimer(ms, () => { controller.abort(reason()) }, { ref: false })
  return controller.signal
}
