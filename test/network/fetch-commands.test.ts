/**
 * The commands that read DAGs fetch what the repo lacks when the daemon is online, and never touch
 * the network with `--offline`; the gateway gives up with 504 after `Gateway.RetrievalTimeout`;
 * `pin add` of a remote DAG reports progress, keeps what it fetched from GC under its lease (GC
 * run meanwhile neither loses blocks nor deadlocks), and after a crash resumes without fetching
 * again what it already has. Two real daemons on loopback: a seeder and a leecher.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureOutput } from '../helpers/cli.ts'
import { waitFor } from '../helpers/wait.ts'
import { killDaemon, ok, startDaemon, type Daemon } from './helpers.ts'

const CHUNK = 64 * 1024

describe('fetching commands between two daemons', () => {
  let seeder: Daemon
  let leecher: Daemon
  let files = 0

  /** Adds random bytes on the seeder (not pinned): returns the CID and the bytes. */
  async function addFile (size: number): Promise<{ cid: string, data: Buffer, file: string }> {
    const data = randomBytes(size)
    const file = join(seeder.repo.dir, `file-${files++}.bin`)
    await writeFile(file, data)
    const cid = (await ok(seeder.repo, ['add', '-Q', '--pin=false', '--cid-version=1', '--raw-leaves', `--chunker=size-${CHUNK}`, file])).trim()
    return { cid, data, file }
  }

  /** Adds a directory of two files on the seeder. */
  async function addDir (): Promise<string> {
    const dir = join(seeder.repo.dir, `dir-${files++}`)
    await mkdir(dir)
    await writeFile(join(dir, 'a.bin'), randomBytes(3 * CHUNK + 5))
    await writeFile(join(dir, 'b.txt'), 'hello from the seeder\n')
    const lines = (await ok(seeder.repo, ['add', '-r', '-Q', '--cid-version=1', `--chunker=size-${CHUNK}`, dir])).trim().split('\n')
    return lines[lines.length - 1]
  }

  const stat = async (d: Daemon): Promise<{ BlocksReceived: number, Wantlist: unknown[] }> =>
    JSON.parse(await ok(d.repo, ['bitswap', 'stat', '--enc=json'])) as { BlocksReceived: number, Wantlist: unknown[] }

  const progressOf = (text: string): number => Math.max(0, ...[...text.matchAll(/Fetched\/Processed (\d+) nodes/g)].map(m => Number(m[1])))

  beforeAll(async () => {
    ;[seeder, leecher] = await Promise.all([startDaemon(), startDaemon({ config: [['Gateway.RetrievalTimeout', '1s']], env: { DEBUG: 'cairn:blockstore:gc' } })])
    await ok(leecher.repo, ['swarm', 'connect', seeder.addr])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([seeder, leecher].filter(d => d != null).map(async d => { await killDaemon(d) }))
    await Promise.all([seeder, leecher].filter(d => d != null).map(async d => { await d.repo.cleanup() }))
  })

  it('ls, refs -r, get and dag export fetch the blocks the repo lacks', async () => {
    const listed = await addDir()
    const ls = await ok(leecher.repo, ['ls', listed])
    expect(ls).toMatch(/ a\.bin\n/)
    expect(ls).toMatch(/ b\.txt\n/)

    const refed = await addDir()
    expect(await ok(leecher.repo, ['refs', '-r', refed])).toBe(await ok(seeder.repo, ['refs', '-r', refed]))

    const got = await addDir()
    const out = join(leecher.repo.dir, 'got')
    await ok(leecher.repo, ['get', got, '-o', out])
    expect(await readFile(join(out, 'b.txt'), 'utf8')).toBe('hello from the seeder\n')

    const exported = await addDir()
    const car = await leecher.repo.run(['dag', 'export', exported])
    expect(car.code).toBe(0)
    expect(Buffer.compare(car.stdout, (await seeder.repo.run(['dag', 'export', exported])).stdout)).toBe(0)
  }, 120_000)

  it('--offline reads only the repo: nothing is asked of any peer, and online the same read fetches', async () => {
    const { cid, data } = await addFile(4 * CHUNK)
    const before = await stat(leecher)
    const ledger = async (): Promise<number> => (JSON.parse(await ok(seeder.repo, ['bitswap', 'ledger', leecher.id, '--enc=json'])) as { Exchanged: number }).Exchanged
    const exchanged = await ledger()
    for (const args of [['cat', cid], ['ls', cid], ['refs', '-r', cid], ['dag', 'export', cid], ['get', cid, '-o', join(leecher.repo.dir, 'offline-get')], ['pin', 'add', cid], ['block', 'get', cid]]) {
      const r = await leecher.repo.run([...args, '--offline'])
      expect(r.code, `${args.join(' ')} --offline`).toBe(1)
      expect(r.stderr, `${args.join(' ')} --offline`).toMatch(/^Error: .*(not found|not available)/m)
    }
    expect((await stat(leecher)).BlocksReceived).toBe(before.BlocksReceived)
    expect((await stat(leecher)).Wantlist).toEqual([])
    // the seeder heard nothing from the leecher meanwhile
    expect(await ledger()).toBe(exchanged)
    const cat = await leecher.repo.run(['cat', cid])
    expect(Buffer.compare(cat.stdout, data)).toBe(0)
    // stats bw counts the Bitswap traffic by protocol, and the seeder's connection by peer
    const bw = async (d: Daemon, ...args: string[]): Promise<{ TotalIn: number, TotalOut: number }> =>
      JSON.parse(await ok(d.repo, ['stats', 'bw', ...args, '--enc=json'])) as { TotalIn: number, TotalOut: number }
    const bitswapIn = (await bw(leecher, '--proto', '/ipfs/bitswap/1.2.0')).TotalIn
    expect(bitswapIn).toBeGreaterThanOrEqual(data.length)
    expect((await bw(seeder, '--proto', '/ipfs/bitswap/1.2.0')).TotalOut).toBeGreaterThanOrEqual(data.length)
    expect((await bw(leecher, '--peer', seeder.id)).TotalIn).toBeGreaterThanOrEqual(bitswapIn)
    expect((await bw(leecher, '--proto', '/ipfs/kad/1.0.0')).TotalIn).toBeLessThan(bitswapIn)
  }, 120_000)

  it('the gateway answers 504 once Gateway.RetrievalTimeout passes with no block from the network', async () => {
    const nobodyHasIt = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const res = await fetch(`${leecher.gateway}/ipfs/${nobodyHasIt}`, { signal: AbortSignal.timeout(20_000) })
    expect(res.status).toBe(504)
    expect(await res.text()).toContain('Gateway.RetrievalTimeout')
    // and a block the seeder has comes through the same gateway
    const { cid, data } = await addFile(2 * CHUNK)
    const found = await fetch(`${leecher.gateway}/ipfs/${cid}`, { signal: AbortSignal.timeout(20_000) })
    expect(found.status).toBe(200)
    expect(Buffer.from(await found.arrayBuffer()).equals(data)).toBe(true)
  }, 60_000)

  /**
   * A DAG of 1 root and 24 leaves whose last 8 leaves the seeder has dropped: a pin of it fetches
   * 17 blocks and then waits until the seeder has the rest again.
   */
  async function partialDag (): Promise<{ cid: string, file: string, total: number, leaves: string[], missing: string[] }> {
    const { cid, file } = await addFile(24 * CHUNK)
    const leaves = (await ok(seeder.repo, ['refs', cid])).trim().split('\n')
    expect(leaves).toHaveLength(24)
    const missing = leaves.slice(16)
    await ok(seeder.repo, ['block', 'rm', ...missing])
    return { cid, file, total: 25, leaves, missing }
  }

  /** Restores the dropped leaves on the seeder (its bitswap serves the peers still waiting). */
  async function restore (file: string): Promise<void> {
    await ok(seeder.repo, ['add', '-Q', '--pin=false', '--cid-version=1', '--raw-leaves', `--chunker=size-${CHUNK}`, file])
  }

  it('pin add reports progress, and a GC run while it fetches neither loses a block nor deadlocks', async () => {
    const dag = await partialDag()
    const pin = leecher.repo.spawn(['pin', 'add', '--progress', dag.cid])
    const pinOutput = captureOutput(pin)
    const pinned = new Promise<number | null>(resolve => pin.on('close', resolve))
    try {
      await waitFor(() => progressOf(pinOutput()) >= 17, { timeout: 30_000, message: () => `pin add to fetch what the seeder has: ${pinOutput()}` })
      // GC asks for its exclusive lease while the pin holds its shared one and waits for blocks
      const waiting = (): number => leecher.output().split('gc: waiting for running writers').length
      const before = waiting()
      const gc = leecher.repo.spawn(['repo', 'gc'])
      const gcOutput = captureOutput(gc)
      const collected = new Promise<number | null>(resolve => gc.on('close', resolve))
      await waitFor(() => waiting() > before, { timeout: 30_000, message: () => `GC to wait for the pin's lease: ${gcOutput()}` })
      await restore(dag.file)
      await waitFor(() => pin.exitCode != null, { timeout: 60_000, message: () => `pin add to finish while GC waits (a lease deadlock?): ${pinOutput()}` })
      expect(await pinned, pinOutput()).toBe(0)
      expect(pinOutput()).toContain(`pinned ${dag.cid} recursively`)
      expect(await collected, gcOutput()).toBe(0)
      // nothing the pin fetched was collected: the whole DAG is there and intact
      const local = new Set((await ok(leecher.repo, ['refs', 'local'])).trim().split('\n'))
      for (const ref of (await ok(seeder.repo, ['refs', '-r', dag.cid])).trim().split('\n')) expect(local.has(ref)).toBe(true)
      expect(await ok(leecher.repo, ['pin', 'verify', '--verbose'])).toContain(`${dag.cid} ok`)
    } finally {
      pin.kill('SIGKILL')
    }
  }, 120_000)

  it('pin add after a crash resumes: the blocks fetched before it are not fetched again', async () => {
    const dag = await partialDag()
    const pin = leecher.repo.spawn(['pin', 'add', '--progress', '--enc=json', dag.cid])
    const pinOutput = captureOutput(pin)
    const pinDone = new Promise(resolve => pin.on('close', resolve))
    const progress = (): number => Math.max(0, ...[...pinOutput().matchAll(/\{"Progress":(\d+)\}/g)].map(m => Number(m[1])))
    await waitFor(() => progress() >= 17, { timeout: 30_000, message: () => `pin add progress: ${pinOutput()}` })
    await killDaemon(leecher)
    await pinDone
    leecher = await startDaemon({ repo: leecher.repo })
    await ok(leecher.repo, ['swarm', 'connect', seeder.addr])
    // the root and the 16 leaves walked before the crash are in the repo (refs local names every
    // block as a raw CID, as Kubo does: the leaves are raw already)
    await ok(leecher.repo, ['block', 'stat', '--offline', dag.cid])
    const local = new Set((await ok(leecher.repo, ['refs', 'local'])).trim().split('\n'))
    const kept = 1 + dag.leaves.filter(r => local.has(r)).length
    expect(kept).toBe(17)
    await restore(dag.file)
    const again = await ok(leecher.repo, ['pin', 'add', '--progress', '--enc=json', dag.cid])
    const values = again.trim().split('\n').map(line => JSON.parse(line) as { Pins?: string[], Progress?: number })
    expect(values[values.length - 1]).toEqual({ Pins: [dag.cid] })
    // only the blocks the crash left missing came over the network
    expect((await stat(leecher)).BlocksReceived).toBe(dag.total - kept)
  }, 180_000)

  it('a cat finishes when its seeder drops out mid-transfer and comes back on a new port', async () => {
    const { cid, data, file } = await addFile(24 * CHUNK)
    const leaves = (await ok(seeder.repo, ['refs', cid])).trim().split('\n')
    await ok(seeder.repo, ['block', 'rm', ...leaves.slice(12)])
    const cat = leecher.repo.spawn(['cat', cid])
    const out: Buffer[] = []
    cat.stdout?.on('data', (chunk: Buffer) => { out.push(chunk) })
    const catDone = new Promise<number | null>(resolve => cat.on('close', resolve))
    try {
      // half the file has arrived; the rest is not on the seeder yet
      await waitFor(() => Buffer.concat(out).byteLength >= 12 * CHUNK, { timeout: 30_000, message: 'the first half of the file' })
      const oldAddr = seeder.addr
      await killDaemon(seeder)
      seeder = await startDaemon({ repo: seeder.repo })
      expect(seeder.addr).not.toBe(oldAddr)
      await restore(file)
      await ok(seeder.repo, ['swarm', 'connect', leecher.addr])
      expect(await catDone).toBe(0)
      expect(Buffer.concat(out).equals(data)).toBe(true)
    } finally {
      cat.kill('SIGKILL')
    }
  }, 120_000)
})
