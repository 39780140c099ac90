/**
 * A manual check of issue 10 §4 on a real, small file system: a repo on a tmpfs of a few MiB,
 * filled by an `add` until the disk is full. Needs root (it mounts the tmpfs), so it is not part of
 * `npm test` (test/blockstore/full-disk.test.ts injects ENOSPC at each write step instead); run it
 * with `sudo node bench/full-disk.ts` (Node ≥ 22), or as root `node bench/full-disk.ts`.
 *
 * It checks, and prints, each step: the failing `add` says "no space left" and names the repo, its
 * bytes are rolled back (the file system's usage returns to where it was), `cat`, `pin ls` and
 * `repo gc` work on the full disk, and every later command (each opens the repo anew, as after a
 * restart) works; it exits 1 if any check fails.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CAIRN_BIN = join(import.meta.dirname, '..', 'bin', 'cairn.js')
/** Big enough for an empty repo and a small file, too small for the big one. */
const FS_SIZE = '4m'

const dir = await mkdtemp(join(tmpdir(), 'cairn-full-disk-'))
const mountPoint = join(dir, 'mnt')
const repo = join(mountPoint, 'repo')
let failures = 0

function sh (command: string, args: string[]): { code: number | null, out: string, err: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  return { code: result.status, out: result.stdout ?? '', err: result.stderr ?? '' }
}

function cairn (args: string[], input?: Buffer): { code: number | null, out: string, err: string } {
  const result = spawnSync(process.execPath, [CAIRN_BIN, ...args], { input, env: { ...process.env, CAIRN_PATH: repo }, maxBuffer: 64 * 1024 * 1024 })
  return { code: result.status, out: result.stdout?.toString() ?? '', err: result.stderr?.toString() ?? '' }
}

function used (): number {
  const stats = statfsSync(mountPoint)
  return (stats.blocks - stats.bfree) * stats.bsize
}

function check (what: string, ok: boolean, detail = ''): void {
  if (!ok) failures++
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail === '' ? '' : `: ${detail}`}\n`)
}

try {
  await import('node:fs/promises').then(async fs => await fs.mkdir(mountPoint))
  const mount = sh('mount', ['-t', 'tmpfs', '-o', `size=${FS_SIZE}`, 'tmpfs', mountPoint])
  if (mount.code !== 0) throw new Error(`could not mount a tmpfs (run as root): ${mount.err.trim()}`)
  try {
    check('init', cairn(['init', '--profile', 'test']).code === 0)
    const small = cairn(['add', '-q'], Buffer.from('kept while the disk is full\n'))
    check('add a small file', small.code === 0)
    const cid = small.out.trim()
    const before = used()

    const big = join(dir, 'big.bin')
    await writeFile(big, randomBytes(16 * 1024 * 1024))
    const failed = cairn(['add', '-q', big])
    const message = failed.err.trim()
    check('the add that fills the disk fails', failed.code !== 0, message)
    check('its error says "no space left"', message.includes('no space left'))
    check('its error names the repo', message.includes(repo))
    const after = used()
    check('its bytes are rolled back', after <= before + 256 * 1024, `${before} bytes used before, ${after} after`)

    check('cat works (the repo opens anew)', cairn(['cat', cid]).out === 'kept while the disk is full\n')
    check('pin ls works', cairn(['pin', 'ls', '--type=recursive']).out.includes(cid))
    const gc = cairn(['repo', 'gc'])
    check('repo gc works', gc.code === 0, gc.err.trim())
    check('repo verify passes', cairn(['repo', 'verify']).code === 0)
    const later = cairn(['add', '-q'], Buffer.from('written after the failure\n'))
    check('a later small add works', later.code === 0, later.err.trim())
  } finally {
    sh('umount', [mountPoint])
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
process.exitCode = failures === 0 ? 0 : 1
