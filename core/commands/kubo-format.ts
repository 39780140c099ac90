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

/**
 * Aligns tab-separated text as Go's `text/tabwriter` does with flags 0 (Kubo's `ls` uses
 * `tabwriter.NewWriter(w, minWidth, 2, padding, ' ', 0)`): every tab-terminated cell is padded
 * with spaces to the widest cell of its column plus `padding`, a column spanning only the
 * consecutive lines that have that cell; the text after a line's last tab is not aligned.
 */
export function alignColumns (text: string, minWidth = 1, padding = 1): string {
  const rows = text.split('\n').map(line => line.split('\t'))
  const out = rows.map(row => row.slice())
  const width = (cell: string): number => [...cell].length
  const format = (column: number, from: number, to: number): void => {
    let line = from
    while (line < to) {
      if (rows[line].length - 1 <= column) {
        line++
        continue
      }
      // a block: the consecutive lines that have a tab-terminated cell in this column
      let end = line
      let columnWidth = minWidth
      while (end < to && rows[end].length - 1 > column) {
        columnWidth = Math.max(columnWidth, width(rows[end][column]) + padding)
        end++
      }
      for (let row = line; row < end; row++) out[row][column] = rows[row][column] + ' '.repeat(columnWidth - width(rows[row][column]))
      format(column + 1, line, end)
      line = end
    }
  }
  format(0, 0, rows.length)
  return out.map(row => row.join('')).join('\n')
}
