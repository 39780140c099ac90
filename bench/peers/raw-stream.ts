/**
 * The ceiling for the Bitswap benchmark: one libp2p stream (tcp+noise+yamux, the same stack and
 * settings as Cairn's host, its noise record cipher included) carrying N bytes from one process
 * to another, with backpressure, nothing else.
 *
 *   node bench/peers/raw-stream.ts serve BYTES      prints `<multiaddr>`, serves until killed
 *   node bench/peers/raw-stream.ts fetch ADDR       prints `<bytes> <seconds> <peak RSS bytes> <CPU seconds>`
 */
import { readFile } from 'node:fs/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { noiseCrypto } from '../../core/libp2p/noise-crypto.ts'

const PROTOCOL = '/cairn/bench/raw/1.0.0'
const [mode, arg] = process.argv.slice(2)
const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise({ crypto: noiseCrypto })],
  streamMuxers: [yamux()],
  connectionGater: { denyDialMultiaddr: () => false }
})
await node.start()

if (mode === 'serve') {
  const total = Number(arg)
  const chunk = new Uint8Array(256 * 1024).fill(7)
  await node.handle(PROTOCOL, async (stream) => {
    for (let sent = 0; sent < total; sent += chunk.byteLength) {
      if (!stream.send(chunk.subarray(0, Math.min(chunk.byteLength, total - sent)))) await stream.onDrain()
    }
    await stream.close()
  })
  process.stdout.write(`${node.getMultiaddrs()[0].toString()}\n`)
  process.on('SIGTERM', () => { void Promise.resolve(node.stop()).then(() => process.exit(0)) })
} else {
  const start = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  const stream = await node.dialProtocol(multiaddr(arg), PROTOCOL)
  let bytes = 0
  for await (const chunk of stream) bytes += chunk.byteLength
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const status = await readFile('/proc/self/status', 'utf8')
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024
  process.stdout.write(`${bytes} ${seconds} ${hwm} ${(cpu.user + cpu.system) / 1e6}\n`)
  await node.stop()
  process.exit(0)
}
