import { SingleBar } from 'cli-progress'

/** A progress bar on stderr: bytes, rate and ETA. */
export interface ProgressBar {
  update(bytes: number): void
  stop(): void
}

function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${n.toFixed(i === 0 ? 0 : 2)} ${units[i]}`
}

/** Starts a bar for `total` bytes, drawn on stderr. */
export function createProgressBar (total: number): ProgressBar {
  const started = Date.now()
  const bar = new SingleBar({
    stream: process.stderr,
    format: ' {done} / {size} [{bar}] {percentage}% {rate}/s {eta_formatted}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 1000,
    etaBuffer: 50,
    formatValue: (v, _o, type) => type === 'value' || type === 'total' ? formatBytes(v) : String(v)
  })
  bar.start(Math.max(total, 1), 0, { done: formatBytes(0), size: formatBytes(total), rate: formatBytes(0) })
  return {
    update (bytes) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001)
      bar.update(bytes, { done: formatBytes(bytes), size: formatBytes(total), rate: formatBytes(bytes / seconds) })
    },
    stop () {
      bar.stop()
    }
  }
}
