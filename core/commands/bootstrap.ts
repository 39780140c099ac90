/**
 * `bootstrap`, `bootstrap list`, `add`, `rm`: the peers the daemon dials when it starts, kept in
 * the config's `Bootstrap` list; they work offline and take effect at the next start.
 */
import { InvalidArgumentError, messageOf } from '../../errors/index.ts'
import { DEFAULT_BOOTSTRAP, readBootstrap, setConfigValue } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import type { PeerAddress } from '../libp2p/addresses.ts'
import type { CoreNode } from '../node.ts'
import { addresses, loadAddresses } from './network-common.ts'

/** `bootstrap` output, Kubo's shape. */
export interface BootstrapPeers {
  Peers: string[]
}

function bootstrapList (node: CoreNode): string[] {
  return readBootstrap(node.repo.config)
}

function checkBootstrapAddress (address: string): PeerAddress {
  try {
    return addresses().parsePeerAddress(address)
  } catch (err) {
    throw new InvalidArgumentError(`invalid bootstrap address: ${messageOf(err)}`, { cause: err })
  }
}

/** The multiaddr's canonical text, so the same address typed twice is listed once. */
function canonicalAddress (address: string): string {
  try {
    return addresses().parsePeerAddress(address).multiaddr.toString()
  } catch {
    return address
  }
}

const bootstrapText = (value: BootstrapPeers): string | undefined => value.Peers.length > 0 ? value.Peers.join('\n') : undefined

export const bootstrapListCommand = defineCommand<BootstrapPeers>({
  path: 'bootstrap list',
  description: 'List the peers dialed when the daemon starts',
  args: [],
  options: [],
  output: 'value',
  text: bootstrapText,
  async run ({ node }) {
    await loadAddresses()
    return { Peers: bootstrapList(node) }
  }
})

export const bootstrap = defineCommand<BootstrapPeers>({
  ...bootstrapListCommand,
  path: 'bootstrap',
  description: 'List the peers dialed when the daemon starts (see bootstrap add, bootstrap rm)'
})

export const bootstrapAdd = defineCommand<BootstrapPeers>({
  path: 'bootstrap add',
  description: 'Add peers to the bootstrap list (takes effect when the daemon next starts)',
  args: [{ name: 'address', variadic: true, description: 'multiaddrs ending in /p2p/<peer ID>' }],
  options: [
    { name: 'default', type: 'boolean', default: false, description: 'add the public IPFS bootstrap peers' }
  ],
  output: 'value',
  text: bootstrapText,
  async run ({ node, args, options }) {
    await loadAddresses()
    const wanted = [...(options.default === true ? DEFAULT_BOOTSTRAP : []), ...args]
    if (wanted.length === 0) {
      throw new InvalidArgumentError('no bootstrap peers to add: give multiaddrs ending in /p2p/<peer ID>, or --default for the public IPFS bootstrap peers')
    }
    const parsed = wanted.map(checkBootstrapAddress)
    const current = bootstrapList(node)
    const present = new Set(current.map(canonicalAddress))
    const added: string[] = []
    for (const address of parsed) {
      const text = address.multiaddr.toString()
      if (present.has(text)) continue
      present.add(text)
      added.push(text)
    }
    if (added.length > 0) {
      await node.repo.saveConfig(setConfigValue(node.repo.config, 'Bootstrap', [...current, ...added]))
    }
    return { Peers: added }
  }
})

export const bootstrapRm = defineCommand<BootstrapPeers>({
  path: 'bootstrap rm',
  description: 'Remove peers from the bootstrap list: an address, every address of a /p2p/<peer ID>, or --all',
  args: [{ name: 'address', variadic: true, description: 'multiaddrs ending in /p2p/<peer ID>' }],
  options: [
    { name: 'all', type: 'boolean', default: false, description: 'remove every bootstrap peer' }
  ],
  output: 'value',
  text: bootstrapText,
  async run ({ node, args, options }) {
    await loadAddresses()
    const current = bootstrapList(node)
    if (options.all !== true && args.length === 0) {
      throw new InvalidArgumentError('no bootstrap peers to remove: give multiaddrs ending in /p2p/<peer ID>, or --all')
    }
    const targets = args.map(checkBootstrapAddress)
    const removes = (address: string): boolean => {
      if (options.all === true) return true
      let entry: PeerAddress
      try {
        entry = addresses().parsePeerAddress(address)
      } catch {
        return false
      }
      return targets.some(t => t.transport == null
        ? t.peerId.equals(entry.peerId)
        : t.multiaddr.toString() === entry.multiaddr.toString())
    }
    const removed = current.filter(removes)
    if (removed.length > 0) {
      await node.repo.saveConfig(setConfigValue(node.repo.config, 'Bootstrap', current.filter(a => !removes(a))))
    }
    return { Peers: removed }
  }
})
