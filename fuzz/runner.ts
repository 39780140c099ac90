/**
 * The common runner: feeds a target's inputs in batches through fast-check, holds every input to
 * the property of target.ts, shrinks each counterexample and keeps going until the target has
 * seen its inputs, so one run reports every distinct finding rather than the first.
 *
 * Memory: the heap (with the ArrayBuffers outside it) is measured after a full GC once the first batch has warmed the code up, and
 * again at the end; growth over {@link DEFAULT_MAX_HEAP_GROWTH_BYTES} is a finding.
 */
import * as fc from 'fast-check'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { messageOf } from '../errors/index.ts'
import { DEFAULT_INPUT_CPU_LIMIT_MS, DEFAULT_INPUT_HANG_MS, isNamedError, isStackOverflow, type FuzzTarget } from './target.ts'

/** Inputs per fast-check run; each failing batch yields one shrunk counterexample. */
export const DEFAULT_BATCH_SIZE = 10_000

/** Heap growth (after GC) over a whole run that counts as a leak. */
export const DEFAULT_MAX_HEAP_GROWTH_BYTES = 32 * 1024 * 1024

/** Distinct findings after which a target stops early. */
export const DEFAULT_MAX_FINDINGS = 5

/** Failing batches (a finding each, distinct or not) after which a target stops early. */
export const DEFAULT_MAX_FAILING_BATCHES = 50

/** Options of {@link runTarget}. */
export interface RunTargetOptions {
  /** Inputs to feed. */
  runs: number
  /** Seed of the first batch (batch i uses seed + i). Default: random. */
  seed?: number
  /** Replay one input: fast-check's counterexample path within the batch of `seed`. */
  path?: string
  /** Default {@link DEFAULT_BATCH_SIZE}. */
  batchSize?: number
  /** Default {@link DEFAULT_MAX_FINDINGS}. */
  maxFindings?: number
  /** Default {@link DEFAULT_MAX_FAILING_BATCHES}. */
  maxFailingBatches?: number
  /** Default {@link DEFAULT_MAX_HEAP_GROWTH_BYTES}. */
  maxHeapGrowthBytes?: number
  /** Measure heap growth (two full GCs per run; pointless for short runs). Default true. */
  checkHeap?: boolean
  /** How long an async input may stay unsettled. Default {@link DEFAULT_INPUT_HANG_MS}. */
  hangMs?: number
  /**
   * Shared progress for a watchdog (see watchdog.ts): [0] inputs so far, [1] the batch's seed,
   * [2] the input's index in its batch. Bumped before each input.
   */
  heartbeat?: Int32Array
}

/** One finding: a property violation, shrunk. */
export interface Finding {
  target: string
  /** `error` (a non-named throw), `check`, `slow`, `hang` or `memory`. */
  kind: FindingKind
  /** What happened, one line. */
  message: string
  /** The shrunk input, as fast-check prints it (empty for `memory`). */
  counterexample: string
  /** Replays it: `npm run fuzz -- --only <target> --seed <seed> --path <path>`. */
  seed?: number
  path?: string
  stack?: string
}

export type FindingKind = 'error' | 'check' | 'slow' | 'hang' | 'memory'

/** What one target's run found. */
export interface TargetReport {
  target: string
  inputs: number
  /** Wall time of the run, in seconds (shrinking included). */
  seconds: number
  /** CPU time (user + system) of the run, in seconds. */
  cpuSeconds: number
  findings: Finding[]
  /** Inputs that hit each known finding (see KnownFinding). */
  known: Record<string, number>
  /** Heap after GC: after the warm-up batch, and at the end. */
  heapBeforeBytes: number
  heapAfterBytes: number
}

/** What a failed input did, and a signature that tells distinct findings apart. */
function violationOf (err: unknown): { kind: FindingKind, message: string, cause: unknown, signature: string } {
  const kind = err instanceof PropertyViolation ? err.kind : 'error'
  const message = err instanceof PropertyViolation ? err.message : `threw ${describe(err)}`
  const cause = err instanceof PropertyViolation ? err.cause : err
  return { kind, message, cause, signature: `${kind}:${message.replace(/\d+/g, 'N').slice(0, 120)}` }
}

/** A property violation, carrying its kind through fast-check to the report. */
class PropertyViolation extends Error {
  override name = 'PropertyViolation'
  readonly kind: FindingKind
  constructor (kind: FindingKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
  }
}

function describe (err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0].slice(0, 300)}`
  return `a non-error value ${String(err).slice(0, 100)}`
}

let collect: (() => void) | undefined

/** A full GC (the flag is set at run time so plain `node` and vitest workers can run this too). */
export function fullGc (): void {
  if (collect == null) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed != null) {
      collect = exposed
    } else {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    }
  }
  collect()
  collect()
}

/** The JS heap plus memory held outside it by ArrayBuffers (where leaked byte arrays live). */
function heapUsed (): number {
  fullGc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

function cpuMs (since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

/** Runs one target; never throws for findings (they are in the report). */
export async function runTarget<T> (target: FuzzTarget<T>, options: RunTargetOptions): Promise<TargetReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS
  const maxFailingBatches = options.maxFailingBatches ?? DEFAULT_MAX_FAILING_BATCHES
  const maxGrowth = options.maxHeapGrowthBytes ?? DEFAULT_MAX_HEAP_GROWTH_BYTES
  const cpuLimit = target.cpuLimitMs ?? DEFAULT_INPUT_CPU_LIMIT_MS
  const checkHeap = options.checkHeap ?? true
  const hangMs = options.hangMs ?? DEFAULT_INPUT_HANG_MS
  const heartbeat = options.heartbeat
  const known: Record<string, number> = {}
  const findings: Finding[] = []
  const signatures = new Set<string>()

  /** A throw from the code under test: named errors and known findings pass, the rest is a finding. */
  const judgeThrow = (err: unknown, input: T, kind: FindingKind): void => {
    // a stack overflow wrapped in a named error is still a crash: where it strikes depends on
    // how deep the caller's stack already was
    if (kind === 'error' && isNamedError(err) && !isStackOverflow(err)) return
    const match = target.known?.find(k => k.matches(err, input))
    if (match != null) {
      known[match.id] = (known[match.id] ?? 0) + 1
      return
    }
    const what = kind === 'check'
      ? `check failed: ${messageOf(err)}`
      : isStackOverflow(err) && isNamedError(err) ? `overflowed the stack (thrown as ${describe(err)})` : `threw ${describe(err)}`
    throw new PropertyViolation(kind, what, { cause: err })
  }
  const judgeOutput = (output: unknown, input: T): void => {
    if (target.check == null) return
    try {
      target.check(output, input)
    } catch (err) {
      judgeThrow(err, input, 'check')
    }
  }
  const judgeTime = (start: NodeJS.CpuUsage): void => {
    const used = cpuMs(start)
    if (used > cpuLimit) throw new PropertyViolation('slow', `took ${Math.round(used)} ms of CPU for one input (limit ${cpuLimit} ms)`)
  }
  let index = 0
  const beat = (): void => {
    if (heartbeat == null) return
    Atomics.add(heartbeat, 0, 1)
    Atomics.store(heartbeat, 2, index)
  }

  const syncProperty = (input: T): void => {
    beat()
    index++
    const start = process.cpuUsage()
    let output: unknown
    try {
      output = target.run(input)
    } catch (err) {
      judgeTime(start)
      judgeThrow(err, input, 'error')
      return
    }
    judgeTime(start)
    judgeOutput(output, input)
  }
  const asyncProperty = async (input: T): Promise<void> => {
    beat()
    index++
    const start = process.cpuUsage()
    let timer: NodeJS.Timeout | undefined
    const hang = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new PropertyViolation('hang', `did not settle within ${hangMs} ms`)) }, hangMs)
    })
    let output: unknown
    try {
      output = await Promise.race([Promise.resolve().then(() => target.run(input)), hang])
    } catch (err) {
      if (err instanceof PropertyViolation) throw err
      judgeTime(start)
      judgeThrow(err, input, 'error')
      return
    } finally {
      clearTimeout(timer)
    }
    judgeTime(start)
    judgeOutput(output, input)
  }

  const started = performance.now()
  const cpuStart = process.cpuUsage()
  const baseSeed = options.seed ?? (Math.random() * 2 ** 31) | 0
  let inputs = 0
  let heapBefore = 0
  const check = async (parameters: fc.Parameters<[T]>): Promise<fc.RunDetails<[T]>> => target.async === true
    ? await fc.check(fc.asyncProperty(target.arbitrary, asyncProperty), parameters)
    : fc.check(fc.property(target.arbitrary, syncProperty), parameters)
  let failingBatches = 0
  for (let batch = 0; inputs < options.runs && findings.length < maxFindings && failingBatches < maxFailingBatches; batch++) {
    const seed = (baseSeed + batch) | 0
    const numRuns = Math.min(batchSize, options.runs - inputs)
    index = 0
    if (heartbeat != null) Atomics.store(heartbeat, 1, seed)
    // batches stop at their first failure without shrinking: the same bug met again is not news,
    // and shrinking it again in every batch would cost more than the fuzzing
    const replay = options.path != null
    let details = await check({ seed, numRuns, path: options.path, endOnFailure: !replay })
    inputs += details.numRuns
    if (details.failed && details.counterexample != null) {
      failingBatches++
      let violation = violationOf(details.errorInstance)
      if (!signatures.has(violation.signature)) {
        signatures.add(violation.signature)
        if (!replay) {
          // a new finding: replay it from its path, shrinking this time
          index = 0
          const shrunk = await check({ seed, numRuns, path: details.counterexamplePath ?? undefined })
          if (shrunk.failed && shrunk.counterexample != null) {
            details = shrunk
            violation = violationOf(shrunk.errorInstance)
          }
        }
        findings.push({
          target: target.name,
          kind: violation.kind,
          message: violation.message,
          counterexample: fc.stringify(details.counterexample?.[0]),
          seed: details.seed,
          path: details.counterexamplePath ?? undefined,
          stack: violation.cause instanceof Error ? violation.cause.stack : undefined
        })
      }
    }
    if (batch === 0 && checkHeap) heapBefore = heapUsed()
    if (replay) break // a replay is one batch
  }
  const heapAfter = checkHeap ? heapUsed() : 0
  if (heapAfter - heapBefore > maxGrowth) {
    findings.push({
      target: target.name,
      kind: 'memory',
      message: `the heap grew by ${(heapAfter - heapBefore) / 2 ** 20 | 0} MiB after GC over ${inputs} inputs (limit ${maxGrowth / 2 ** 20} MiB)`,
      counterexample: '',
      seed: baseSeed
    })
  }
  return {
    target: target.name,
    inputs,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuMs(cpuStart) / 1000,
    findings,
    known,
    heapBeforeBytes: heapBefore,
    heapAfterBytes: heapAfter
  }
}
