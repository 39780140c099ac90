/**
 * The text of `config profile apply`: what changed between two configs, one dotted key a line
 * (`- Key: old` for what goes, `+ Key: new` for what comes), in key order. Kubo prints a coloured
 * JSON diff here; a key-per-line list says the same and is easy to read in a log or a terminal.
 */

/** Flattens a config to dotted keys and leaf values (arrays are leaves). */
function flatten (value: unknown, prefix: string, out: Map<string, string>): void {
  if (value != null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix === '' ? key : `${prefix}.${key}`, out)
    return
  }
  out.set(prefix, JSON.stringify(value))
}

/** The change from `before` to `after`, or a line saying there is none. */
export function configDiff (before: Record<string, unknown>, after: Record<string, unknown>): string {
  const old = new Map<string, string>()
  const next = new Map<string, string>()
  flatten(before, '', old)
  flatten(after, '', next)
  const keys = [...new Set([...old.keys(), ...next.keys()])].sort()
  const lines: string[] = []
  for (const key of keys) {
    const a = old.get(key)
    const b = next.get(key)
    if (a === b) continue
    if (a !== undefined) lines.push(`- ${key}: ${a}`)
    if (b !== undefined) lines.push(`+ ${key}: ${b}`)
  }
  return lines.length === 0 ? 'no change' : lines.join('\n')
}
