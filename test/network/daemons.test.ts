/**
 * End-to-end over the network: real `cairn daemon`s on loopback (the `test` profile: DHT servers
 * that admit loopback peers). Content added on one daemon is found through the DHT and fetched
 * with Bitswap by a daemon that was never connected to it, verified and byte for byte.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo } from '../helpers/cli.ts'
import { waitFor } from '../helpers/wait.ts'
import { killDaemon, startDaemon, type Daemon } from './helpers.ts'

describe('daemons on loopback: routing and Bitswap', () => {
  const daemons: Daemon[] = []
  let seeder: Daemon
  let middle: Daemon
  let leecher: Daemon
  const data = randomBytes(3 * 1024 * 1024 + 333)
  let cid = ''

  beforeAll(async () => {
    daemons.push(...await Promise.all([startDaemon(), startDaemon(), startDaemon()]))
    ;[seeder, middle, leecher] = daemons
    // a line: leecher — middle — seeder; the leecher is never told about the seeder
    expect((await middle.repo.run(['swarm', 'connect', seeder.addr])).code).toBe(0)
    expect((await leecher.repo.run(['swarm', 'connect', middle.addr])).code).toBe(0)
    const file = join(seeder.repo.dir, 'data.bin')
    await writeFile(file, data)
    const added = await seeder.repo.run(['add', '-Q', '--cid-version', '1', '--raw-leaves', file])
    expect(added.code).toBe(0)
    cid = added.out.trim()
  }, 180_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async d => {
      await killDaemon(d)
      await d.repo.cleanup()
    }))
  })

  it('provides on one daemon and finds the provider from another through the DHT', async () => {
    // the DHT tables fill as peers connect and identify: provide once the seeder knows a server
    await waitFor(async () => (await seeder.repo.run(['routing', 'provide', cid])).code === 0, { timeout: 30_000, interval: 250 })
    const found = await leecher.repo.run(['routing', 'findprovs', '-n', '1', cid])
    expect(found.code).toBe(0)
    expect(found.out.trim().split('\n')).toContain(seeder.id)
    // the NDJSON form is Kubo's QueryEvent: Type 4 carries the provider with its addresses
    const json = await leecher.repo.run(['routing', 'findprovs', '-n', '1', cid, '--enc=json'])
    const events = json.out.trim().split('\n').map(line => JSON.parse(line) as { Type: number, Responses: Array<{ ID: string, Addrs: string[] }> | null })
    const provider = events.find(e => e.Type === 4)
    expect(provider?.Responses?.[0].ID).toBe(seeder.id)
    expect(provider?.Responses?.[0].Addrs.length).toBeGreaterThan(0)
  })

  it('cats a multi-block file added on a daemon it never connected to, byte for byte, and keeps it', async () => {
    const cat = await leecher.repo.run(['cat', cid])
    expect(cat.stderr).toBe('')
    expect(cat.code).toBe(0)
    expect(Buffer.compare(cat.stdout, data)).toBe(0)
    // the blocks were verified and stored: the leecher serves them offline now
    const stat = JSON.parse((await leecher.repo.run(['bitswap', 'stat', '--enc=json'])).out) as { BlocksReceived: number, DataReceived: number, Peers: string[] }
    expect(stat.BlocksReceived).toBeGreaterThanOrEqual(14)
    expect(stat.Peers).toContain(seeder.id)
    const ledger = JSON.parse((await seeder.repo.run(['bitswap', 'ledger', leecher.id, '--enc=json'])).out) as { Sent: number }
    expect(ledger.Sent).toBeGreaterThanOrEqual(data.length)
    // blocks are written behind the reader, but the answer ends only once they are durable:
    // every block of the file is in the leecher's store when cat returns
    const local = await leecher.repo.run(['refs', '-r', '--offline', cid])
    expect(local.stderr).toBe('')
    expect(local.code).toBe(0)
    expect(local.out.trim().split('\n').length).toBeGreaterThanOrEqual(13)
  })

  it('publishes an IPNS name on one daemon and resolves and cats it on another through the DHT', async () => {
    const published = await seeder.repo.run(['name', 'publish', '--enc=json', `/ipfs/${cid}`])
    expect(published.stderr).toBe('')
    const { Name, Value } = JSON.parse(published.out) as { Name: string, Value: string }
    expect(Value).toBe(`/ipfs/${cid}`)
    expect(Name).toMatch(/^k51/)
    const resolved = await leecher.repo.run(['name', 'resolve', '--nocache', Name])
    expect(resolved.stderr).toBe('')
    expect(resolved.out.trim()).toBe(`/ipfs/${cid}`)
    const cat = await leecher.repo.run(['cat', `/ipns/${Name}`])
    expect(cat.code).toBe(0)
    expect(Buffer.compare(cat.stdout, data)).toBe(0)
    // the record went to the DHT: `routing get` returns its bytes, which the middle node holds too
    const record = await middle.repo.run(['routing', 'get', `/ipns/${Name}`])
    expect(record.code).toBe(0)
    expect(record.stdout.byteLength).toBeGreaterThan(100)
  })

  it('answers an unknown block with a clear timeout, and routing commands offline with a named error', async () => {
    const missing = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const cat = await leecher.repo.run(['cat', '--timeout', '2s', missing])
    expect(cat.code).toBe(1)
    expect(cat.stderr).toMatch(/Error: .*timed out/i)
    const offline = await createTestRepo()
    try {
      const r = await offline.run(['routing', 'findprovs', cid])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^Error: .*daemon/m)
    } finally {
      await offline.cleanup()
    }
  })
})
