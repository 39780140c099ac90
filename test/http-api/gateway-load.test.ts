/**
 * Load and memory: 1,000 concurrent requests over a mix of cached content (only the configured
 * 429s may fail, memory settles back near its baseline), and a large file streamed to a client
 * that stops reading (the gateway stops reading blocks too: memory does not grow with file size).
 *
 * Tolerances: heap + array buffers within 16 MiB of the baseline after the 1,000 requests
 * (forced GC); within 24 MiB while 32 MiB of a 64 MiB file are still unread.
 */
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importFile } from '../../dag/index.ts'
import { randomBytesOf } from './helpers.ts'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'
import { waitForSteady } from '../helpers/wait.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const MiB = 1024 * 1024

function retained (): number {
  gc()
  gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

const FILES = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const MIXED = 'bafybeidh6k2vzukelqtrjsmd4p52cpmltd2ufqrdtdg6yigi73in672fwu'
const HAMT = 'bafybeidbclfqleg2uojchspzd4bob56dqetqjsj27gy2cq3klkkgxtpn4i'
const MIX: Array<[string, Record<string, string>]> = [
  [`/ipfs/${FILES}/ascii.txt`, {}],
  [`/ipfs/${FILES}/multiblock.txt`, {}],
  [`/ipfs/${FILES}/multiblock.txt`, { Range: 'bytes=300-700' }],
  [`/ipfs/${FILES}/`, {}],
  [`/ipfs/${FILES}?format=raw`, {}],
  [`/ipfs/${MIXED}?format=car`, {}],
  [`/ipfs/${HAMT}/685.txt`, {}],
  [`/ipfs/${HAMT}/`, {}]
]

let blocksRead = 0
let gw: GatewayFixture
beforeAll(async () => {
  gw = await startGateway({ maxConcurrentRequests: 64 }, {
    blocks: (real) => ({ get: async (cid, options) => { blocksRead++; return await real.get(cid, options) } })
  })
})
afterAll(async () => { await gw?.close() })

describe('under load', () => {
  it('serves 1,000 concurrent requests with no errors but the configured 429s, and memory settles', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1000 })
    const one = async (i: number): Promise<number> => await new Promise((resolve, reject) => {
      const [path, headers] = MIX[i % MIX.length]
      const req = httpRequest({ host: '127.0.0.1', port: gw.port, path, headers, agent }, (res: IncomingMessage) => {
        res.resume()
        res.on('end', () => { resolve(res.statusCode ?? 0) })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    await Promise.all(MIX.map(async (_, i) => await one(i))) // warm up
    const baseline = retained()
    const statuses = await Promise.all(Array.from({ length: 1000 }, async (_, i) => await one(i)))
    const counts = new Map<number, number>()
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1)
    expect([...counts.keys()].every(s => s === 200 || s === 206 || s === 429), JSON.stringify([...counts])).toBe(true)
    expect((counts.get(200) ?? 0) + (counts.get(206) ?? 0)).toBeGreaterThan(200)
    agent.destroy()
    expect(retained() - baseline).toBeLessThan(16 * MiB)
  })

  it('streams a large file with backpressure: a client that stops reading stops the block reads', async () => {
    const data = randomBytesOf(64 * MiB, 5)
    async function * one (): AsyncGenerator<Uint8Array> { yield data }
    const { cid } = await importFile(one(), gw.node.blockstore, { cidVersion: 1, rawLeaves: true, chunker: 'size-1048576' })
    const baseline = retained()
    let received = 0
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: `/ipfs/${cid.toString()}` }, resolve)
      req.on('error', reject)
      req.end()
    })
    expect(response.statusCode).toBe(200)
    await new Promise<void>((resolve) => {
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received >= 32 * MiB) {
          response.pause()
          response.removeAllListeners('data')
          resolve()
        }
      })
    })
    // wait until the gateway stops reading blocks (its socket is full)
    await waitForSteady(() => blocksRead, { interval: 50, message: 'the gateway to stop reading blocks' })
    const held = retained() - baseline
    response.destroy()
    expect(received).toBeLessThan(48 * MiB)
    expect(held).toBeLessThan(24 * MiB)
  })
})
