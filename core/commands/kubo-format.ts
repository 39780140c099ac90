/**
 * Numbers written the way Kubo writes them, so the network commands' text output reads the same as
 * `ipfs`'s: Go durations and go-humanize byte counts.
 */

/** Formats nanoseconds as Go's `time.Duration.String()` does (`1.5ms`, `250µs`, `2m3.5s`). */
export function formatGoDuration (nanoseconds: number): string {
  const ns = Math.round(nanoseconds)
  if (ns === 0) return '0s'
  if (ns < 0) return '-' + formatGoDuration(-ns)
  const fraction = (value: number, unit: number, digits: number): string => {
    const whole = Math.floor(value / unit)
    const rest = String(value % unit).padStart(digits, '0').replace(/0+$/, '')
    return rest === '' ? String(whole) : `${whole}.${rest}`
  }
  if (ns < 1e3) return `${ns}ns`
  if (ns < 1e6) return `${fraction(ns, 1e3, 3)}µs`
  if (ns < 1e9) return `${fraction(ns, 1e6, 6)}ms`
  const hours = Math.floor(ns / 3.6e12)
  const minutes = Math.floor((ns % 3.6e12) / 6e10)
  const seconds = fraction(ns % 6e10, 1e9, 9)
  return (hours > 0 ? `${hours}h${minutes}m` : minutes > 0 ? `${minutes}m` : '') + `${seconds}s`
}

/** Byte counts as go-humanize's `Bytes` writes them (SI units: `1.2 MB`), as Kubo prints them. */
export function humanBytes (bytes: number): string {
  if (bytes < 10) return `${Math.round(bytes)} B`
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), units.length - 1)
  const value = Math.floor(bytes / 1000 ** exponent * 10 + 0.5) / 10
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[exponent]}`
}
