/**
 * The import rules of the architecture, checked on the source: subsystems the network plugs in
 * (routing/, dht/, bitswap/, naming/) never import core/ (they declare `…Components` instead),
 * the libp2p host sits below the command table, and no static import closes a cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SKIP = new Set(['node_modules', 'test', 'bench', '.git', '.ci'])

function sourceFiles (dir = ROOT): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (path.endsWith('.ts')) out.push(path)
  }
  return out
}

/** Relative imports of a file (project paths from the root); `typeOnly` false drops `import type`. */
function importsOf (file: string, options: { dynamic: boolean, typeOnly: boolean }): string[] {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  const add = (spec: string): void => { found.push(relative(ROOT, resolve(dirname(file), spec))) }
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gms)) {
    if (m[2] != null && !options.typeOnly) continue
    add(m[3])
  }
  for (const m of text.matchAll(/^import\s+'(\.[^']+)'/gm)) add(m[1])
  if (options.dynamic) for (const m of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)) add(m[1])
  return found
}

const FILES = sourceFiles().map(f => relative(ROOT, f))

describe('layers', () => {
  it('routing/, dht/, bitswap/, naming/ and mfs/ never import core/ (not even its types)', () => {
    const offending: string[] = []
    for (const file of FILES.filter(f => /^(routing|dht|bitswap|naming|mfs)\//.test(f))) {
      for (const target of importsOf(join(ROOT, file), { dynamic: true, typeOnly: true })) {
        if (target.startsWith('core/')) offending.push(`${file} → ${target}`)
      }
    }
    expect(offending).toEqual([])
  })

  it('the libp2p host does not import the command table (the version lives in a leaf module)', () => {
    const offending: string[] = []
    for (const file of FILES.filter(f => f.startsWith('core/libp2p/') || f === 'core/version.ts')) {
      for (const target of importsOf(join(ROOT, file), { dynamic: true, typeOnly: true })) {
        if (target.startsWith('core/commands/') || target === 'core/index.ts' || target === 'core/node.ts') offending.push(`${file} → ${target}`)
      }
    }
    expect(offending).toEqual([])
  })

  it('errors/ is a leaf: it imports nothing of Cairn outside itself', () => {
    const offending = FILES.filter(f => f.startsWith('errors/'))
      .flatMap(file => importsOf(join(ROOT, file), { dynamic: true, typeOnly: true }).filter(t => !t.startsWith('errors/')).map(t => `${file} → ${t}`))
    expect(offending).toEqual([])
  })

  it('no static import closes a cycle', () => {
    const graph = new Map(FILES.map(f => [f, importsOf(join(ROOT, f), { dynamic: false, typeOnly: false })]))
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const stack: string[] = []
    const visit = (file: string): void => {
      state.set(file, 'open')
      stack.push(file)
      for (const next of graph.get(file) ?? []) {
        if (!graph.has(next)) continue
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '))
        else if (state.get(next) == null) visit(next)
      }
      stack.pop()
      state.set(file, 'done')
    }
    for (const file of graph.keys()) if (state.get(file) == null) visit(file)
    expect(cycles).toEqual([])
  })
})
