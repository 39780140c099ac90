/**
 * `bitswap stat`, `bitswap wantlist`, `bitswap ledger` and `stats bitswap`: what the running
 * daemon's Bitswap holds, in Kubo's shapes (kubo-rpc-client's `bitswap.*` reads them as they are).
 */
import { OfflineError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { humanBytes } from './kubo-format.ts'
import { addresses, loadAddresses } from './network-common.ts'
import type { CoreNode } from '../node.ts'
// type-only: Bitswap loads only in a process that runs a host
import type { Bitswap, BitswapStat, LedgerInfo } from '../../bitswap/index.ts'

/** The running daemon's Bitswap, or OfflineError at once. */
export function requireBitswap (node: CoreNode): Bitswap {
  const bitswap = (node as CoreNode & { bitswap?: Bitswap }).bitswap
  if (bitswap == null) throw new OfflineError('this command needs a running daemon (cairn daemon) with Bitswap')
  return bitswap
}

const statText = (human: boolean) => (s: BitswapStat): string => {
  const bytes = (n: number): string => human ? humanBytes(n) : String(n)
  return [
    'bitswap status',
    `\tprovides buffer: ${s.ProvideBufLen} / 256`,
    `\tblocks received: ${s.BlocksReceived}`,
    `\tblocks sent: ${s.BlocksSent}`,
    `\tdata received: ${bytes(s.DataReceived)}`,
    `\tdata sent: ${bytes(s.DataSent)}`,
    `\tdup blocks received: ${s.DupBlksReceived}`,
    `\tdup data received: ${bytes(s.DupDataReceived)}`,
    `\twantlist [${s.Wantlist.length} keys]`,
    ...s.Wantlist.map(k => `\t\t${k['/']}`),
    `\tpartners [${s.Peers.length}]`
  ].join('\n')
}

const statOptions = [
  { name: 'verbose', short: 'v', type: 'boolean' as const, default: false, description: 'print extra information' },
  { name: 'human', type: 'boolean' as const, default: false, description: 'print sizes in human-readable form' }
]

export const bitswapStat = defineCommand<BitswapStat>({
  path: 'bitswap stat',
  description: "Show Bitswap's counters: blocks and bytes exchanged, duplicates, the wantlist and partners",
  args: [],
  options: statOptions,
  output: 'value',
  network: true,
  text: (value, options) => statText(options.human === true)(value),
  async run ({ node }) {
    return requireBitswap(node).stat()
  }
})

export const statsBitswap = defineCommand<BitswapStat>({
  ...bitswapStat,
  path: 'stats bitswap'
})

/** `bitswap wantlist` output, Kubo's shape. */
export interface WantlistOutput {
  Keys: Array<{ '/': string }>
}

export const bitswapWantlist = defineCommand<WantlistOutput>({
  path: 'bitswap wantlist',
  description: 'Show the blocks this node is looking for, or those a peer wants from it',
  args: [],
  options: [
    { name: 'peer', short: 'p', type: 'string', description: 'the wantlist a peer sent us' }
  ],
  output: 'value',
  network: true,
  text: (value) => value.Keys.map(k => k['/']).join('\n'),
  async run ({ node, options }) {
    const bitswap = requireBitswap(node)
    let peer
    if (typeof options.peer === 'string') {
      await loadAddresses()
      peer = addresses().parsePeerId(options.peer)
    }
    return { Keys: bitswap.wantlist(peer).map(cid => ({ '/': cid.toString() })) }
  }
})

export const bitswapLedger = defineCommand<LedgerInfo>({
  path: 'bitswap ledger',
  description: 'Show what this node and a peer have exchanged',
  args: [{ name: 'peer', required: true, description: 'the peer ID' }],
  options: [],
  output: 'value',
  network: true,
  text: (l) => [
    `Ledger for ${l.Peer}`,
    `Debt ratio:\t${l.Value.toFixed(6)}`,
    `Exchanges:\t${l.Exchanged}`,
    `Bytes sent:\t${l.Sent}`,
    `Bytes received:\t${l.Recv}`
  ].join('\n'),
  async run ({ node, args }) {
    const bitswap = requireBitswap(node)
    await loadAddresses()
    return bitswap.ledger(addresses().parsePeerId(args[0]))
  }
})
