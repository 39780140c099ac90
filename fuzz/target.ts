/**
 * What a fuzz target is. A target is one file in `fuzz/targets/` whose default export is made by
 * {@link defineTarget}; the runner (runner.ts) feeds it inputs and holds it to one property:
 *
 * - for every input the code under test returns, or throws an error whose `name` is one of
 *   Cairn's named errors (errors/index.ts, `ERROR_MEANINGS`) — never a TypeError, RangeError,
 *   a plain `Error` or a non-error value;
 * - no input takes more than {@link DEFAULT_INPUT_CPU_LIMIT_MS} of CPU, and no async input stays
 *   unsettled for {@link DEFAULT_INPUT_HANG_MS};
 * - what it returns passes the target's own `check`, when it has one;
 * - the heap, after a full GC, does not grow over a run (checked by the runner).
 *
 * Outside bytes reach Cairn through these decoders and parsers, so a violation is a crash, a 500
 * or a stalled event loop waiting for a stranger to find it.
 */
import type * as fc from 'fast-check'
import { ERROR_MEANINGS } from '../errors/index.ts'

/** Most CPU time one input may take before it counts as a finding. */
export const DEFAULT_INPUT_CPU_LIMIT_MS = 500

/** Most wall time an async input may stay unsettled before it counts as a hang. */
export const DEFAULT_INPUT_HANG_MS = 5_000

/**
 * A finding that is known and owned elsewhere (another issue item, another engineer's branch).
 * Inputs it matches are counted and reported on every run, but do not fail the target, so the
 * smoke pass stays a regression check for everything else. Remove the entry when the fix lands.
 */
export interface KnownFinding {
  /** Short stable id, printed with its count, e.g. `deep-nesting`. */
  id: string
  /** What is wrong and who fixes it (printed). */
  note: string
  /** True when a thrown error (or a failed check, as its `FuzzCheckError`) is this finding. */
  matches(err: unknown, input: unknown): boolean
}

/** One fuzz target: a decoder or parser that takes outside bytes, and how to feed it. */
export interface FuzzTarget<T = unknown> {
  /** Kebab-case name, as `--only` takes it. */
  name: string
  /** The entry points it calls and where their input comes from. */
  description: string
  /** Inputs: structured ones plus raw mutations of valid seeds (see mutate.ts). */
  arbitrary: fc.Arbitrary<T>
  /** True when {@link run} returns a promise. */
  async?: boolean
  /** Feeds one input to the code under test; what it returns goes to {@link check}. */
  run(input: T): unknown
  /** Checks what {@link run} returned; throw {@link FuzzCheckError} to report a finding. */
  check?(output: unknown, input: T): void
  /** Known findings owned elsewhere (see {@link KnownFinding}). */
  known?: readonly KnownFinding[]
  /** CPU budget per input. Default {@link DEFAULT_INPUT_CPU_LIMIT_MS}. */
  cpuLimitMs?: number
}

/** Declares a target (the identity function, for the types). */
export function defineTarget<T> (target: FuzzTarget<T>): FuzzTarget<T> {
  return target
}

/** A target's `check` found a returned value that breaks its contract. */
export class FuzzCheckError extends Error {
  override name = 'FuzzCheckError'
}

/** Throws {@link FuzzCheckError} with `message` unless `condition` holds. */
export function expectThat (condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new FuzzCheckError(typeof message === 'string' ? message : message())
}

/** True when `err` is one of Cairn's named errors: an Error whose `name` is in the error table. */
export function isNamedError (err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name
  return err instanceof Error && typeof name === 'string' && Object.hasOwn(ERROR_MEANINGS, name)
}

/** True when `err`, or an error in its `cause` chain, is a stack overflow. */
export function isStackOverflow (err: unknown): boolean {
  for (let e = err, i = 0; e != null && i < 16; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) return true
  }
  return false
}

/**
 * Calls each entry point on the same input, so one that throws does not hide the others; then
 * throws the worst error seen (an unnamed one before a named one) or returns every result.
 */
export function callEach (calls: ReadonlyArray<() => unknown>): unknown[] {
  const results: unknown[] = []
  const errors: unknown[] = []
  for (const call of calls) {
    try {
      results.push(call())
    } catch (err) {
      errors.push(err)
    }
  }
  const worst = errors.find(e => !isNamedError(e) || isStackOverflow(e)) ?? errors[0]
  if (worst !== undefined) throw worst
  return results
}
