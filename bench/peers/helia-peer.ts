/**
 * A Helia peer for the Bitswap benchmark (the reference: helia + @helia/bitswap over
 * tcp+noise+yamux, as Helia's own interop fixtures build it).
 *
 *   node bench/peers/helia-peer.ts seed FILE    prints `<multiaddr> <cid>`, serves until killed
 *   node bench/peers/helia-peer.ts leech ADDR CID   prints `<bytes> <seconds> <peak RSS bytes> <CPU seconds>`
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'

const [mode, a, b] = process.argv.slice(2)
const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() },
  connectionGater: { denyDialMultiaddr: () => false }
} as never))
await helia.start()
const fs = unixfs(helia)

if (mode === 'seed') {
  const cid = await fs.addByteStream(createReadStream(a), { cidVersion: 1, rawLeaves: true } as never)
  process.stdout.write(`${helia.libp2p.getMultiaddrs()[0].toString()} ${cid.toString()}\n`)
  process.on('SIGTERM', () => { void helia.stop().then(() => process.exit(0)) })
} else {
  await helia.libp2p.dial(multiaddr(a))
  const start = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  let bytes = 0
  for await (const chunk of fs.cat(CID.parse(b))) bytes += chunk.byteLength
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const status = await readFile('/proc/self/status', 'utf8')
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(`${bytes} ${seconds} ${hwm} ${(cpu.user + cpu.system) / 1e6}\n`)
  await helia.stop()
  process.exit(0)
}
