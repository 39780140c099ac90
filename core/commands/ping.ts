/** `ping`: round trips to a peer over libp2p's ping protocol, one a second, Kubo's output. */
import { InvalidArgumentError, messageOf } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { DEFAULT_PING_COUNT, PING_INTERVAL } from '../libp2p/constants.ts'
import { DialError } from '../libp2p/errors.ts'
import { addresses, loadAddresses, requireHost, sleep } from './network-common.ts'

/** One line of `ping`, Kubo's shape. */
export interface PingResult {
  Success: boolean
  /** Round trip in nanoseconds (0 on lines that carry only text) */
  Time: number
  Text: string
}

export const pingCommand = defineCommand<PingResult>({
  path: 'ping',
  description: 'Measure the round trip to a peer',
  args: [{ name: 'peer', required: true, description: 'a peer ID, or a multiaddr ending in /p2p/<peer ID>' }],
  options: [
    { name: 'count', short: 'n', type: 'number', default: DEFAULT_PING_COUNT, description: 'how many pings to send, one a second' }
  ],
  output: 'stream',
  network: true,
  text: (value) => value.Text === '' ? `Pong received: time=${(value.Time / 1e6).toFixed(2)} ms` : value.Text,
  async * run ({ node, args, options, signal }) {
    await loadAddresses()
    const host = requireHost(node)
    const target = addresses().parsePeerTarget(args[0])
    const count = options.count as number
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidArgumentError(`ping count must be a whole number greater than 0, not ${count}`)
    }
    if (target.peerId.equals(host.peerId)) {
      throw new InvalidArgumentError('peer ID refers to the local node')
    }
    const dialTarget = target.transport != null ? target.multiaddr : target.peerId
    yield { Success: true, Time: 0, Text: `PING ${target.peerId.toString()}.` }
    let received = 0
    let total = 0
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(PING_INTERVAL, signal)
      try {
        const rtt = Math.round(await host.ping(dialTarget, { signal }) * 1e6)
        received++
        total += rtt
        yield { Success: true, Time: rtt, Text: '' }
      } catch (err) {
        signal.throwIfAborted()
        yield { Success: false, Time: 0, Text: `Ping error: ${messageOf(err)}` }
      }
    }
    if (received === 0) throw new DialError(`ping ${target.peerId.toString()} failed: no answer to ${count} ping(s)`)
    yield { Success: true, Time: 0, Text: `Average latency: ${(total / received / 1e6).toFixed(2)}ms` }
  }
})
