/** `stats bw`: the bytes sent and received on every libp2p connection, once or polled. */
import { InvalidArgumentError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { humanBytes } from './kubo-format.ts'
import { loadAddresses, requireHost, sleep } from './network-common.ts'

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
    { name: 'peer', type: 'string', description: 'per-peer counts (not supported yet)' },
    { name: 'proto', type: 'string', description: 'per-protocol counts (not supported yet)' },
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
    if (options.peer != null || options.proto != null) {
      throw new InvalidArgumentError('stats bw --peer and --proto are not supported yet: Cairn counts all connections together')
    }
    const interval = options.interval as number | undefined ?? DEFAULT_BW_POLL_INTERVAL
    if (options.poll === true && !(interval > 0)) {
      throw new InvalidArgumentError('stats bw --interval must be longer than 0')
    }
    while (true) {
      const stats = host.bandwidth()
      yield { TotalIn: stats.totalIn, TotalOut: stats.totalOut, RateIn: stats.rateIn, RateOut: stats.rateOut }
      if (options.poll !== true) return
      await sleep(interval, signal)
    }
  }
})
