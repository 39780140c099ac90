/**
 * kill -9 at any moment leaves a repo that verifies: every indexed block hashes right, no pin
 * points at a missing block, every pin a child reported as done survives, and writing works.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBlockstore, createGc, createLeases, createPins } from '../../blockstore/index.ts'
import { collect, smallDag, tempDir } from './helpers.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.ts')

interface ChildRun {
  lines: string[]
  code: number | null
  signal: NodeJS.Signals | null
}

/** Runs the child; with `killAfter`, SIGKILLs it once it has printed that many `pinned` lines. */
async function runChild (dir: string, args: string[], killAfter?: number): Promise<ChildRun> {
  const child = spawn(NODE, [CHILD, dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  let partial = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    if (killAfter != null && lines.filter(line => line.startsWith('pinned ')).length >= killAfter) {
      child.kill('SIGKILL')
    }
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  return await new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code !== 0 && signal == null) reject(new Error(`child failed (${code}): ${stderr}`))
      else resolve({ lines, code, signal })
    })
  })
}

/** Roots the child reported pinned and never started to unpin. */
function reportedPins (lines: string[]): string[] {
  const unpinning = new Set(lines.filter(l => l.startsWith('unpinning ')).map(l => l.slice('unpinning '.length)))
  return lines.filter(l => l.startsWith('pinned ')).map(l => l.slice('pinned '.length)).filter(cid => !unpinning.has(cid))
}

/** Opens what the child left and checks it; then writes, pins and collects garbage again. */
async function checkRepo (dir: string, mustBePinned: string[]): Promise<void> {
  const store = createBlockstore({ path: join(dir, 'blocks') }, { maxPackSize: 256 * 1024 })
  await store.open()
  const datastore = new Level<Uint8Array, Uint8Array>(join(dir, 'pins'), { keyEncoding: 'view', valueEncoding: 'view' })
  try {
    const pins = createPins({ blockstore: store, datastore })
    const blocks = await collect(store.verify())
    expect(blocks.filter(r => !r.ok)).toEqual([])
    const pinResults = await collect(pins.verify())
    expect(pinResults.filter(r => !r.ok).map(r => r.cid.toString())).toEqual([])
    for (const cid of mustBePinned) expect(await pins.isPinned(CID.parse(cid))).toBe(true)

    const dag = smallDag(4, 5000)
    await store.putMany(dag.blocks)
    await pins.add(dag.root.cid)
    await collect(createGc({ blockstore: store, pins, leases: createLeases() }).collect())
    expect((await collect(store.verify())).every(r => r.ok)).toBe(true)
    expect((await collect(pins.verify())).every(r => r.ok)).toBe(true)
    expect(await store.has(dag.blocks[0].cid)).toBe(true)
    for (const cid of mustBePinned) expect(await pins.isPinned(CID.parse(cid))).toBe(true)
  } finally {
    await store.close()
    await datastore.close()
  }
}

let dir: { path: string, remove: () => Promise<void> }

beforeEach(async () => {
  dir = await tempDir('cairn-crash-')
})

afterEach(async () => {
  await dir.remove()
})

describe('kill -9', () => {
  it('while writing and pinning, at a random moment, twice over the same repo', async () => {
    let pinned: string[] = []
    for (const killAfter of [3 + Math.floor(Math.random() * 6), 2 + Math.floor(Math.random() * 6)]) {
      const run = await runChild(dir.path, ['write'], killAfter)
      expect(run.signal).toBe('SIGKILL')
      pinned = [...pinned, ...reportedPins(run.lines)]
      await checkRepo(dir.path, pinned)
    }
  })

  for (const step of ['put:packs-synced@3', 'put:indexed@4']) {
    it(`while writing, exactly at ${step}`, async () => {
      const run = await runChild(dir.path, ['write', step])
      expect(run.signal).toBe('SIGKILL')
      await checkRepo(dir.path, reportedPins(run.lines))
    })
  }

  it('while writing, pinning and collecting garbage, at a random moment', async () => {
    const run = await runChild(dir.path, ['churn'], 7 + Math.floor(Math.random() * 8))
    expect(run.signal).toBe('SIGKILL')
    expect(run.lines).toContain('gc done')
    await checkRepo(dir.path, reportedPins(run.lines))
  })

  for (const step of ['delete:indexed@1', 'compact:unlinked@1', 'compact:copied@2', 'compact:repointed@1', 'compact:repointed@3', 'compact:unlinked@3']) {
    it(`during gc and compaction, exactly at ${step}`, async () => {
      const prepared = await runChild(dir.path, ['prepare'])
      const pinned = reportedPins(prepared.lines)
      expect(pinned).toHaveLength(6)
      const run = await runChild(dir.path, ['gc', step])
      expect(run.signal).toBe('SIGKILL')
      await checkRepo(dir.path, pinned)
    })
  }
})
