/**
 * The pieces of work `cairn cat FILE | wc -c` cannot avoid, each alone, for `bench/cat-floor.ts`:
 *
 *   node bench/reference/floor-probe.ts read FILE   reads FILE (page cache) in 4 MiB pieces
 *   node bench/reference/floor-probe.ts hash FILE   the same, and sha256 of every 1 MiB
 *   node bench/reference/floor-probe.ts pipe BYTES  writes BYTES from memory to stdout
 *
 * Each prints nothing else; its cost is measured from outside (wall clock, CPU of the process and
 * of the pipe's reader). Only built-in modules, so its start-up is Node's own.
 */
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync, writeSync } from 'node:fs'

const PIECE = 4 * 1024 * 1024
const LEAF = 1024 * 1024
const [mode, target] = process.argv.slice(2)

if (mode === 'read' || mode === 'hash') {
  const fd = openSync(target, 'r')
  const buffer = Buffer.allocUnsafe(PIECE)
  for (let position = 0; ;) {
    const n = readSync(fd, buffer, 0, PIECE, position)
    if (n === 0) break
    position += n
    if (mode === 'hash') {
      for (let o = 0; o < n; o += LEAF) createHash('sha256').update(buffer.subarray(o, Math.min(n, o + LEAF))).digest()
    }
  }
  closeSync(fd)
} else if (mode === 'pipe') {
  const buffer = Buffer.alloc(PIECE, 0x61)
  // blocking writes: stdout is a pipe Node has not touched, so the descriptor is still blocking
  for (let left = Number(target); left > 0; left -= PIECE) {
    const n = Math.min(left, PIECE)
    for (let o = 0; o < n;) o += writeSync(1, buffer, o, n - o)
  }
} else {
  throw new Error('usage: floor-probe.ts read FILE | hash FILE | pipe BYTES')
}
