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

/** Starts a bar for `total` bytes (unknown for stdin), drawn on stderr. */
export function createProgressBar (total: number | undefined): ProgressBar {
  const started = Date.now()
  const bar = new SingleBar({
    stream: process.stderr,
    format: total != null ? ' {done} / {size} [{bar}] {percentage}% {rate}/s {eta_formatted}' : ' {done} {rate}/s',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 1000,
    etaBuffer: 50,
    formatValue: (v, _o, type) => type === 'value' || type === 'total' ? formatBytes(v) : String(v)
  })
  const size = formatBytes(total ?? 0)
  bar.start(Math.max(total ?? 0, 1), 0, { done: formatBytes(0), size, rate: formatBytes(0) })
  return {
    update (bytes) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001)
      if (total == null) bar.setTotal(Math.max(bytes, 1))
      bar.update(bytes, { done: formatBytes(bytes), size, rate: formatBytes(bytes / seconds) })
    },
    stop () {
      bar.stop()
    }
  }
}
