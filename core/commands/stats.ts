/**
 * `stats bw`: the bytes sent and received on every libp2p connection, once or polled; with
 * `--peer`, those of one peer's connections; with `--proto`, the payload bytes of one protocol's
 * streams (`/ipfs/bitswap/1.2.0`, `/ipfs/kad/1.0.0`), as Kubo counts them.
 */
import { InvalidArgumentError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { humanBytes } from './kubo-format.ts'
import { addresses, loadAddresses, requireHost, sleep } from './network-common.ts'
// type-only: the network stack loads only in a process that runs a host
import type { BandwidthFilter } from '../libp2p/index.ts'

/** `stats bw` output, Kubo's shape: totals in bytes, rates in bytes per second. */
export interface BandwidthOutput {
  TotalIn: number
  TotalOut: number
  RateIn: number
  RateOut: number
}

/** `stats bw --poll` prints again this often unless `--interval` says otherwise (Kubo's default). */
const DEFAULT_BW_POLL_INTERVAL = 1_000

export const statsBw = defineCommand<BandwidthOutput>({
  path: 'stats bw',
  description: 'Show the bytes sent and received on every libp2p connection (wire bytes, encryption and framing included)',
  args: [],
  options: [
    { name: 'peer', short: 't', type: 'string', description: 'only the connections of this peer (a peer ID)' },
    { name: 'proto', short: 'p', type: 'string', description: 'only the streams of this protocol, e.g. /ipfs/bitswap/1.2.0' },
    { name: 'poll', type: 'boolean', default: false, description: 'print the numbers again every interval until interrupted' },
    { name: 'interval', short: 'i', type: 'duration', description: 'the polling interval (default 1s)' }
  ],
  output: 'stream',
  network: true,
  text: (value) => [
    'Bandwidth',
    `TotalIn: ${humanBytes(value.TotalIn)}`,
    `TotalOut: ${humanBytes(value.TotalOut)}`,
    `RateIn: ${humanBytes(value.RateIn)}/s`,
    `RateOut: ${humanBytes(value.RateOut)}/s`
  ].join('\n'),
  async * run ({ node, options, signal }) {
    await loadAddresses()
    const host = requireHost(node)
    if (options.peer != null && options.proto != null) {
      throw new InvalidArgumentError('stats bw takes --peer or --proto, not both')
    }
    let filter: BandwidthFilter | undefined
    if (typeof options.peer === 'string') filter = { peer: addresses().parsePeerId(options.peer).toString() }
    if (typeof options.proto === 'string') filter = { protocol: options.proto }
    const interval = options.interval as number | undefined ?? DEFAULT_BW_POLL_INTERVAL
    if (options.poll === true && !(interval > 0)) {
      throw new InvalidArgumentError('stats bw --interval must be longer than 0')
    }
    while (true) {
      const stats = host.bandwidth(filter)
      yield { TotalIn: stats.totalIn, TotalOut: stats.totalOut, RateIn: stats.rateIn, RateOut: stats.rateOut }
      if (options.poll !== true) return
      await sleep(interval, signal)
    }
  }
})
