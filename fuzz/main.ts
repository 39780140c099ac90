/**
 * `npm run fuzz`: runs every fuzz target (fuzz/targets/*.ts) and prints, per target, the inputs
 * fed, inputs per second, findings and heap growth. Findings are printed and written to
 * fuzz/findings/ (git-ignored); the exit code is 1 when there are any.
 *
 *   npm run fuzz                                  # every target, 100,000 inputs each
 *   npm run fuzz -- --runs 5000 --only cid-text   # one target (repeat --only, or a,b)
 *   npm run fuzz -- --only car-import --seed 12 --path 345:2:0   # replay a finding
 *
 * Options: --runs N (inputs per target), --only NAME, --seed S, --path P (replay), --batch N
 * (inputs per fast-check run), --watchdog MS (no progress for this long is a hang; default 30 s).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadTargets } from './registry.ts'
import { runTarget, type Finding, type TargetReport } from './runner.ts'
import { DEFAULT_WATCHDOG_MS, startWatchdog } from './watchdog.ts'

/** Inputs per target when `--runs` is not given (issue 10 §6 asks for at least this many). */
export const DEFAULT_RUNS = 100_000

const FINDINGS_DIR = fileURLToPath(new URL('./findings/', import.meta.url))

function parseCount (text: string | undefined, fallback: number, flag: string): number {
  if (text == null) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} takes a positive integer, not "${text}"`)
  return n
}

function formatFinding (f: Finding): string {
  return [
    `target: ${f.target}`,
    `kind: ${f.kind}`,
    `message: ${f.message}`,
    f.seed != null ? `replay: npm run fuzz -- --only ${f.target} --seed ${f.seed}${f.path != null ? ` --path ${f.path}` : ''}` : '',
    f.counterexample !== '' ? `counterexample: ${f.counterexample}` : '',
    f.stack != null ? `stack:\n${f.stack}` : ''
  ].filter(line => line !== '').join('\n') + '\n'
}

async function saveFinding (f: Finding): Promise<string> {
  await mkdir(FINDINGS_DIR, { recursive: true })
  const file = `${FINDINGS_DIR}${f.target}-${f.kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`
  await writeFile(file, formatFinding(f))
  return file
}

function row (cells: Array<string | number>): string {
  const widths = [26, 9, 10, 10, 9, 12, 24]
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join(' ').trimEnd()
}

function summary (r: TargetReport): string[] {
  const growth = (r.heapAfterBytes - r.heapBeforeBytes) / 2 ** 20
  const known = Object.entries(r.known).map(([id, n]) => `${id}×${n}`).join(', ')
  return [
    r.target,
    r.inputs.toString(),
    Math.round(r.inputs / r.seconds).toString(),
    Math.round(r.inputs / Math.max(r.cpuSeconds, 1e-9)).toString(),
    r.findings.length.toString(),
    `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB`,
    known
  ]
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      only: { type: 'string', multiple: true },
      seed: { type: 'string' },
      path: { type: 'string' },
      batch: { type: 'string' },
      watchdog: { type: 'string' }
    }
  })
  const runs = parseCount(values.runs, DEFAULT_RUNS, '--runs')
  const batchSize = values.batch == null ? undefined : parseCount(values.batch, 0, '--batch')
  const seed = values.seed == null ? undefined : Number(values.seed)
  if (seed != null && !Number.isSafeInteger(seed)) throw new Error(`--seed takes an integer, not "${values.seed}"`)

  let targets = await loadTargets()
  if (values.only != null) {
    const wanted = new Set(values.only.flatMap(o => o.split(',')).map(o => o.trim()).filter(o => o !== ''))
    const unknown = [...wanted].filter(w => !targets.some(t => t.name === w))
    if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}; targets: ${targets.map(t => t.name).join(', ')}`)
    targets = targets.filter(t => wanted.has(t.name))
  }

  const heartbeat = startWatchdog(targets.map(t => t.name), FINDINGS_DIR, parseCount(values.watchdog, DEFAULT_WATCHDOG_MS, '--watchdog'))
  console.log(row(['target', 'inputs', 'inputs/s', 'cpu in/s', 'findings', 'heap growth', 'known (not failing)']))
  const reports: TargetReport[] = []
  for (const [i, target] of targets.entries()) {
    Atomics.store(heartbeat, 3, i)
    const report = await runTarget(target, { runs, seed, path: values.path, batchSize, heartbeat })
    reports.push(report)
    console.log(row(summary(report)))
    for (const finding of report.findings) {
      const file = await saveFinding(finding)
      console.log(`\n  FINDING (${file})\n  ${formatFinding(finding).trimEnd().replace(/\n/g, '\n  ')}\n`)
    }
  }
  const findings = reports.reduce((n, r) => n + r.findings.length, 0)
  const knownNotes = new Map<string, string>(targets.flatMap(t => (t.known ?? []).map(k => [`${t.name}/${k.id}`, k.note] as const)))
  const hit = reports.flatMap(r => Object.keys(r.known).map(id => `${r.target}/${id}`))
  if (hit.length > 0) {
    console.log('\nknown findings (owned elsewhere; they do not fail the run):')
    for (const id of hit) console.log(`  ${id}: ${knownNotes.get(id) ?? ''}`)
  }
  console.log(`\n${targets.length} targets, ${reports.reduce((n, r) => n + r.inputs, 0)} inputs, ${findings} finding(s)`)
  return findings === 0 ? 0 : 1
}

main().then(code => { process.exitCode = code }, (err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 2
})
