/**
 * The registry of fuzz targets: every `fuzz/targets/*.ts` file whose default export is a target
 * (see target.ts). Adding a target is adding one file there; nothing else lists them.
 */
import { readdir } from 'node:fs/promises'
import type { FuzzTarget } from './target.ts'

const TARGETS_DIR = new URL('./targets/', import.meta.url)

function isTarget (value: unknown): value is FuzzTarget {
  const t = value as Partial<FuzzTarget> | null
  return t != null && typeof t.name === 'string' && typeof t.run === 'function' && t.arbitrary != null
}

/** Loads every target, sorted by name; throws when a file exports no target or two share a name. */
export async function loadTargets (): Promise<FuzzTarget[]> {
  const files = (await readdir(TARGETS_DIR)).filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort()
  const targets: FuzzTarget[] = []
  const names = new Set<string>()
  for (const file of files) {
    const module = await import(new URL(file, TARGETS_DIR).href) as { default?: unknown }
    if (!isTarget(module.default)) {
      throw new Error(`fuzz/targets/${file} has no default export made by defineTarget()`)
    }
    if (names.has(module.default.name)) {
      throw new Error(`fuzz/targets/${file}: a target named "${module.default.name}" exists already`)
    }
    names.add(module.default.name)
    targets.push(module.default)
  }
  return targets.sort((a, b) => a.name.localeCompare(b.name))
}
