/**
 * The watchdog of `npm run fuzz`: a worker thread that watches the runner's heartbeat and, when no
 * input has finished for {@link DEFAULT_WATCHDOG_MS}, records a `hang` finding (target, seed and
 * input index, which replay it) and kills the process — a synchronous endless loop cannot be
 * interrupted from inside, and a fuzzer that hangs silently finds nothing.
 *
 * Async inputs have their own, shorter limit in the runner; this catches synchronous ones.
 */
import { writeFileSync, mkdirSync, writeSync } from 'node:fs'
import { Worker, isMainThread, workerData } from 'node:worker_threads'

/** No progress for this long is a hang. */
export const DEFAULT_WATCHDOG_MS = 30_000

/** Heartbeat slots: inputs done, batch seed, index in batch, target index. */
export const HEARTBEAT_SLOTS = 4

interface WatchdogData {
  buffer: SharedArrayBuffer
  names: string[]
  limitMs: number
  findingsDir: string
}

/** Starts the watchdog; returns the heartbeat the runner bumps ([3] is the target's index). */
export function startWatchdog (names: string[], findingsDir: string, limitMs = DEFAULT_WATCHDOG_MS): Int32Array {
  const buffer = new SharedArrayBuffer(HEARTBEAT_SLOTS * 4)
  const data: WatchdogData = { buffer, names, limitMs, findingsDir }
  const worker = new Worker(new URL(import.meta.url), { workerData: data })
  worker.unref()
  return new Int32Array(buffer)
}

if (!isMainThread && (workerData as Partial<WatchdogData> | null)?.buffer != null) {
  const { buffer, names, limitMs, findingsDir } = workerData as WatchdogData
  const heartbeat = new Int32Array(buffer)
  let last = Atomics.load(heartbeat, 0)
  let since = Date.now()
  /** The input at `index` of the batch of `seed`, regenerated here (the main thread is stuck). */
  const inputOf = async (target: string, seed: number, index: number): Promise<string> => {
    try {
      const fc = await import('fast-check')
      const { loadTargets } = await import('./registry.ts')
      const found = (await loadTargets()).find(t => t.name === target)
      if (found == null) return '(target not found)'
      return fc.stringify(fc.sample(found.arbitrary, { seed, path: String(index), numRuns: 1 })[0])
    } catch (err) {
      return `(could not regenerate it: ${String(err)})`
    }
  }
  let reporting = false
  setInterval(() => {
    if (reporting) return
    const now = Atomics.load(heartbeat, 0)
    if (now !== last) {
      last = now
      since = Date.now()
      return
    }
    if (Date.now() - since < limitMs) return
    const target = names[Atomics.load(heartbeat, 3)] ?? 'unknown'
    const seed = Atomics.load(heartbeat, 1)
    const index = Atomics.load(heartbeat, 2)
    reporting = true
    void inputOf(target, seed, index).then(input => {
      const text = `target: ${target}\nkind: hang\nmessage: no input finished for ${limitMs} ms (a synchronous endless loop?)\n` +
        `replay: npm run fuzz -- --only ${target} --seed ${seed} --path ${index}\n` +
        `counterexample (unless the hang came while shrinking): ${input}\n`
      try {
        mkdirSync(findingsDir, { recursive: true })
        writeFileSync(`${findingsDir}/${target}-hang-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`, text)
      } finally {
        writeSync(2, `\nFUZZ HANG\n${text}`)
        process.kill(process.pid, 'SIGKILL')
      }
    })
  }, 500)
}
