/**
 * A daemon that announces its gateway (`HTTPRetrieval.Announce`) and serves nothing over Bitswap
 * (`Bitswap.ServerEnabled` false): another daemon finds it through the DHT, sees the `/http`
 * address in its provider record, and fetches the file from its gateway block by block.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/wait.ts'
import { killDaemon, ok, startDaemon, type Daemon } from './helpers.ts'

describe('a daemon that announces its gateway as an HTTP provider', () => {
  let seeder: Daemon
  let leecher: Daemon

  beforeAll(async () => {
    ;[seeder, leecher] = await Promise.all([
      startDaemon({ config: [['HTTPRetrieval.Announce', 'true', '--bool'], ['Bitswap.ServerEnabled', 'false', '--bool']] }),
      startDaemon()
    ])
    await ok(leecher.repo, ['swarm', 'connect', seeder.addr])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([seeder, leecher].filter(d => d != null).map(async d => { await killDaemon(d) }))
    await Promise.all([seeder, leecher].filter(d => d != null).map(async d => { await d.repo.cleanup() }))
  })

  it('is found through the DHT with its /http address, and its gateway serves the blocks', async () => {
    const port = new URL(seeder.gateway).port
    expect(seeder.output()).toContain(`Announcing the gateway as /ip4/127.0.0.1/tcp/${port}/http`)
    const data = randomBytes(1024 * 1024 + 7)
    const file = join(seeder.repo.dir, 'data.bin')
    await writeFile(file, data)
    const cid = (await ok(seeder.repo, ['add', '-Q', '--cid-version=1', '--raw-leaves', '--chunker=size-65536', file])).trim()
    await waitFor(async () => (await seeder.repo.run(['routing', 'provide', cid])).code === 0, { timeout: 30_000, interval: 250 })
    const found = await ok(leecher.repo, ['routing', 'findprovs', '-n', '1', cid, '--enc=json'])
    expect(found).toContain(`/ip4/127.0.0.1/tcp/${port}/http`)

    const cat = await leecher.repo.run(['cat', cid])
    expect(cat.stderr).toBe('')
    expect(Buffer.compare(cat.stdout, data)).toBe(0)
    // every block came over HTTP: the seeder sent nothing over Bitswap
    const ledger = JSON.parse(await ok(seeder.repo, ['bitswap', 'ledger', leecher.id, '--enc=json'])) as { Sent: number }
    expect(ledger.Sent).toBe(0)
    const stat = JSON.parse(await ok(leecher.repo, ['bitswap', 'stat', '--enc=json'])) as { BlocksReceived: number }
    expect(stat.BlocksReceived).toBeGreaterThanOrEqual(17)
  }, 120_000)
})
