/**
 * `.ci/run`: it fails when the type check, the linter or the tests fail, and always ends on the
 * plain line "N passed, N failed". The script runs in a copy of the checkout's `.ci/` with a
 * stand-in `npm` on the PATH, because the real one would reinstall node_modules and run the whole
 * suite; the stand-in answers each step with the exit status a case asks for and writes the JSON
 * report vitest would.
 */
import { spawn } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** Records each call in `$FAKE_LOG`, and exits as `$FAKE_<STEP>` says (0 when unset). */
const FAKE_NPM = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$1" in
  ci) exit "\${FAKE_CI:-0}" ;;
  run) if [ "$2" = typecheck ]; then exit "\${FAKE_TYPECHECK:-0}"; else exit "\${FAKE_LINT:-0}"; fi ;;
  test)
    for arg in "$@"; do
      case "$arg" in --outputFile.json=*) out="\${arg#--outputFile.json=}" ;; esac
    done
    if [ -n "\${FAKE_REPORT:-}" ]; then printf '%s' "$FAKE_REPORT" > "$out"; fi
    exit "\${FAKE_TEST:-0}" ;;
esac
exit 2
`

interface Outcome {
  code: number | null
  lines: string[]
  calls: string[]
}

/** A vitest JSON report with `passed` passing and `failed` failing tests. */
function report (passed: number, failed: number): string {
  return JSON.stringify({
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: 0,
    numTotalTests: passed + failed,
    testResults: [{ status: failed > 0 ? 'failed' : 'passed', assertionResults: [{ status: failed > 0 ? 'failed' : 'passed' }] }]
  })
}

describe('.ci/run', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-ci-run-'))
    await mkdir(join(dir, 'checkout', '.ci'), { recursive: true })
    await copyFile(join(ROOT, '.ci', 'run'), join(dir, 'checkout', '.ci', 'run'))
    // the script's summary runs node_modules/.bin/node from the checkout
    await symlink(join(ROOT, 'node_modules'), join(dir, 'checkout', 'node_modules'))
    await mkdir(join(dir, 'bin'))
    await writeFile(join(dir, 'bin', 'npm'), FAKE_NPM)
    await chmod(join(dir, 'bin', 'npm'), 0o755)
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function run (env: Record<string, string>): Promise<Outcome> {
    const log = join(dir, 'calls.log')
    await writeFile(log, '')
    const child = spawn('bash', [join(dir, 'checkout', '.ci', 'run')], {
      env: { ...process.env, ...env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, FAKE_LOG: log, TMPDIR: dir },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', resolve)
    })
    const calls = (await readFile(log, 'utf8')).split('\n').filter(l => l !== '').map(l => l.split(' ').slice(0, 2).join(' '))
    return { code, lines: out.trimEnd().split('\n'), calls }
  }

  it('passes when every step passes, and runs install, type check, lint and tests in order', async () => {
    const outcome = await run({ FAKE_REPORT: report(7, 0) })
    expect(outcome.code).toBe(0)
    expect(outcome.lines.at(-1)).toBe('7 passed, 0 failed')
    expect(outcome.calls).toEqual(['ci --no-audit', 'run typecheck', 'run lint', 'test --'])
  })

  it('fails when the type check fails, still running the tests and printing their count last', async () => {
    const outcome = await run({ FAKE_TYPECHECK: '2', FAKE_REPORT: report(7, 0) })
    expect(outcome.code).not.toBe(0)
    expect(outcome.lines.at(-1)).toBe('7 passed, 0 failed')
    expect(outcome.lines).toContain('type check (npm run typecheck) failed')
    expect(outcome.calls).toContain('test --')
  })

  it('fails when the linter fails, still printing the count last', async () => {
    const outcome = await run({ FAKE_LINT: '1', FAKE_REPORT: report(7, 0) })
    expect(outcome.code).not.toBe(0)
    expect(outcome.lines.at(-1)).toBe('7 passed, 0 failed')
    expect(outcome.lines).toContain('lint (npm run lint) failed')
  })

  it('fails when a test fails', async () => {
    const outcome = await run({ FAKE_TEST: '1', FAKE_REPORT: report(6, 1) })
    expect(outcome.code).not.toBe(0)
    expect(outcome.lines.at(-1)).toBe('6 passed, 1 failed')
  })

  it('fails with a count when no report was written', async () => {
    const outcome = await run({ FAKE_TEST: '1' })
    expect(outcome.code).not.toBe(0)
    expect(outcome.lines.at(-1)).toBe('0 passed, 1 failed')
  })

  it('stops when the install fails', async () => {
    const outcome = await run({ FAKE_CI: '1', FAKE_REPORT: report(7, 0) })
    expect(outcome.code).not.toBe(0)
    expect(outcome.calls).toEqual(['ci --no-audit'])
  })
})
