/**
 * The suite runs from any clone: no test or benchmark may read a folder beside the checkout or name
 * a folder of the machine it was written on. Both worked on that machine and broke everywhere else,
 * so this scan keeps them from coming back. Tests also wait on conditions, never on the clock:
 * a fixed sleep flakes on a loaded machine and wastes time everywhere else.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { GATEWAY_CONFORMANCE_FIXTURES } from './helpers/fixtures.ts'

/** The checkout's root: this file is `<root>/test/repo-hygiene.test.ts`. */
const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** Folders scanned, relative to the root. */
const SCANNED = ['test', 'bench']

/** Data, not source: fixtures are third-party bytes and bench/data is generated input. */
const SKIPPED = new Set(['test/fixtures', 'bench/data', 'node_modules'])

const SOURCE = /\.(?:[cm]?[jt]s|sh)$/

/**
 * What a machine-bound path looks like. The patterns are built from pieces so that this file does
 * not match itself.
 */
const FORBIDDEN: Array<{ reason: string, pattern: RegExp }> = [
  { reason: 'reads a folder beside the checkout', pattern: new RegExp(String.raw`\.\./(?:\.\./)*` + 'shared' + String.raw`\b`) },
  { reason: 'reads a folder beside the checkout', pattern: new RegExp(String.raw`['"]\.\.['"]\s*,\s*(?:['"]\.\.['"]\s*,\s*)*['"]` + 'shared' + `['"]`) },
  // a path that starts at the root of the file system (alone, in a string or in a file: URL),
  // not `${cid}/root/…` or `x/work/…`
  { reason: 'names an absolute path of one machine', pattern: new RegExp(String.raw`(?<![\w$}.\-])/(?:` + ['work', 'root', 'home'].join('|') + String.raw`)(?![\w.\-])`) }
]

/**
 * A test that sleeps: the promise-around-a-timer idiom, or the timers' promise API. Only
 * `test/helpers/wait.ts` (the one poll loop, which pauses between checks) may do either.
 */
const CLOCK_WAITS: Array<{ reason: string, pattern: RegExp }> = [
  { reason: 'sleeps instead of waiting on a condition (use test/helpers/wait.ts)', pattern: new RegExp(String.raw`set` + String.raw`Timeout\(\s*(?:resolve|r|res|done)\b`) },
  { reason: 'sleeps instead of waiting on a condition (use test/helpers/wait.ts)', pattern: new RegExp(`node:timers/` + 'promises') }
]

/** The one place allowed to pause between checks. */
const WAIT_HELPER = 'test/helpers/wait.ts'

/** One offending line: where it is and why it is refused. */
interface Finding {
  file: string
  line: number
  reason: string
  text: string
}

/** The lines of `text` that match a forbidden pattern. */
function findMachinePaths (file: string, text: string): Finding[] {
  return findLines(file, text, FORBIDDEN)
}

/** The lines of a test's `text` that sleep on the clock. */
function findClockWaits (file: string, text: string): Finding[] {
  return file === WAIT_HELPER ? [] : findLines(file, text, CLOCK_WAITS)
}

function findLines (file: string, text: string, rules: Array<{ reason: string, pattern: RegExp }>): Finding[] {
  const findings: Finding[] = []
  text.split('\n').forEach((line, i) => {
    for (const { reason, pattern } of rules) {
      if (pattern.test(line)) findings.push({ file, line: i + 1, reason, text: line.trim() })
    }
  })
  return findings
}

function sourceFiles (dir: string): string[] {
  const rel = relative(ROOT, dir).split(sep).join('/')
  if (SKIPPED.has(rel) || !existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return SOURCE.test(entry.name) ? [path] : []
  })
}

describe('repository hygiene', () => {
  it('recognises each kind of machine-bound path, and not look-alikes', () => {
    const bad = [
      `const FIXTURES = new URL('../../../${'shared'}/fixtures/x/', import.meta.url)`,
      `const FIXTURES = join(import.meta.dirname, '..', '..', '${'shared'}', 'fixtures')`,
      `const FIXTURES = '/${'work'}/${'shared'}/fixtures/gateway-conformance'`,
      `const home = "/${'root'}/.cache"`,
      `const url = 'file:///${'work'}/main/dag/car.ts'`,
      `const main = url.indexOf('/${'work'}/main/')`,
      `cd /${'home'}/me/cairn`
    ]
    for (const line of bad) expect(findMachinePaths('x.ts', line), line).not.toEqual([])
    const fine = [
      'await gw.get(`/ipfs/${CACHE}/root2/root3/root4/`)',
      'await gw.get(`/ipfs/${CACHE}/root/index.html`)',
      "const shared = randomBlock(10)",
      "it('counts per root and shared blocks as Kubo does')",
      "const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.ts')",
      "new URL('../fixtures/gateway-conformance/', import.meta.url)",
      '//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/cairn.js add big.bin',
      "const dir = 'network/workers/x'"
    ]
    for (const line of fine) expect(findMachinePaths('x.ts', line), line).toEqual([])
  })

  it('no test or benchmark reads outside the clone or names a folder of this machine', () => {
    const files = SCANNED.flatMap(dir => sourceFiles(join(ROOT, dir)))
    expect(files.length).toBeGreaterThan(50)
    const findings = files.flatMap(path => findMachinePaths(relative(ROOT, path), readFileSync(path, 'utf8')))
    expect(findings).toEqual([])
  })

  it('recognises a fixed sleep, and not a timer that guards or paces', () => {
    const bad = [
      `await new Promise(resolve => set${'Timeout'}(resolve, 400))`,
      `await new Promise(r => set${'Timeout'}(r, 50))`,
      `import { setTimeout as sleep } from 'node:timers/${'promises'}'`
    ]
    for (const line of bad) expect(findClockWaits('test/x.test.ts', line), line).not.toEqual([])
    const fine = [
      "const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)",
      'await new Promise(resolve => setImmediate(resolve))',
      "await waitFor(() => output().includes('ready'), { timeout: 30_000 })"
    ]
    for (const line of fine) expect(findClockWaits('test/x.test.ts', line), line).toEqual([])
    expect(findClockWaits(WAIT_HELPER, bad[0])).toEqual([])
  })

  it('no test sleeps on the clock instead of waiting on a condition', () => {
    const files = sourceFiles(join(ROOT, 'test'))
    const findings = files.flatMap(path => {
      const name = relative(ROOT, path).split(sep).join('/')
      return findClockWaits(name, readFileSync(path, 'utf8'))
    })
    expect(findings).toEqual([])
  })

  it('keeps the conformance fixtures inside the clone', () => {
    expect(relative(ROOT, GATEWAY_CONFORMANCE_FIXTURES).startsWith('..')).toBe(false)
    expect(existsSync(join(GATEWAY_CONFORMANCE_FIXTURES, 'README.md'))).toBe(true)
    expect(existsSync(join(GATEWAY_CONFORMANCE_FIXTURES, 'trustless_gateway_car', 'dir-with-duplicate-files.car'))).toBe(true)
  })
})
