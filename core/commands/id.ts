/**
 * `id`: this node's identity (from the running host, or from the config offline), or what the peer
 * store knows of another peer.
 */
import { defineCommand, type CommandRequest } from '../command.ts'
import { AGENT_VERSION } from '../libp2p/constants.ts'
import { PeerNotFoundError } from '../libp2p/errors.ts'
import type { CairnHost } from '../libp2p/index.ts'
import type { PeerId } from '@libp2p/interface'
import { addresses, byString, hostOf, loadAddresses, requireHost } from './network-common.ts'

/** `id` output, Kubo's shape. */
export interface IdOutput {
  ID: string
  /** base64 of the libp2p protobuf public key ("" when not known) */
  PublicKey: string
  Addresses: string[]
  AgentVersion: string
  Protocols: string[]
}

/**
 * The key codecs, loaded on first use: `@libp2p/crypto` (with every curve) is a fifth of the
 * CLI's start-up, and only `id` needs it.
 */
async function keys (): Promise<typeof import('@libp2p/crypto/keys')> {
  return await import('@libp2p/crypto/keys')
}

async function selfId (request: CommandRequest, host: CairnHost | undefined): Promise<IdOutput> {
  const { privateKeyFromProtobuf, publicKeyToProtobuf } = await keys()
  const { config } = request.node.repo
  if (host != null) {
    return {
      ID: host.peerId.toString(),
      PublicKey: Buffer.from(publicKeyToProtobuf(host.publicKey)).toString('base64'),
      Addresses: host.getMultiaddrs().map(a => a.toString()).sort(byString),
      AgentVersion: host.agentVersion,
      Protocols: host.registrar.getProtocols().sort(byString)
    }
  }
  const publicKey = privateKeyFromProtobuf(Buffer.from(config.Identity.PrivKey, 'base64')).publicKey
  return {
    ID: config.Identity.PeerID,
    PublicKey: Buffer.from(publicKeyToProtobuf(publicKey)).toString('base64'),
    Addresses: [],
    AgentVersion: AGENT_VERSION,
    Protocols: []
  }
}

/** What the peer store knows of a peer, in `id`'s shape. */
export async function describePeer (host: CairnHost, peer: PeerId, signal: AbortSignal): Promise<IdOutput> {
  const { publicKeyToProtobuf } = await keys()
  let known
  try {
    known = await host.peerStore.get(peer, { signal })
  } catch (err) {
    if ((err as { name?: string }).name === 'NotFoundError') {
      throw new PeerNotFoundError(`peer ${peer.toString()} is not known to this node; connect to it first (cairn swarm connect <multiaddr>)`, { cause: err })
    }
    throw err
  }
  const agent = known.metadata.get('AgentVersion')
  return {
    ID: peer.toString(),
    PublicKey: peer.publicKey != null ? Buffer.from(publicKeyToProtobuf(peer.publicKey)).toString('base64') : '',
    Addresses: known.addresses.map(a => addresses().withPeerId(a.multiaddr, peer).toString()).sort(byString),
    AgentVersion: agent != null ? new TextDecoder().decode(agent) : '',
    Protocols: [...known.protocols].sort(byString)
  }
}

/** Kubo's `id --format`: `<id>`, `<aver>`, `<pubkey>`, `<addrs>`, `<protocols>`, `\n`, `\t`. */
function formatId (format: string, value: IdOutput): string {
  return format
    .replaceAll('<id>', value.ID)
    .replaceAll('<aver>', value.AgentVersion)
    .replaceAll('<pubkey>', value.PublicKey)
    .replaceAll('<addrs>', value.Addresses.join('\n'))
    .replaceAll('<protocols>', value.Protocols.join('\n'))
    .replaceAll('\\n', '\n')
    .replaceAll('\\t', '\t')
}

export const id = defineCommand<IdOutput>({
  path: 'id',
  description: 'Show this node\'s identity, or what is known of another peer',
  args: [{ name: 'peer', description: 'a peer ID (default: this node)' }],
  options: [
    { name: 'format', short: 'f', type: 'string', description: 'print with a template: <id> <aver> <pubkey> <addrs> <protocols>' }
  ],
  output: 'value',
  text: (value, options) => typeof options.format === 'string'
    ? formatId(options.format, value)
    : JSON.stringify(value, null, '\t'),
  async run (request) {
    await loadAddresses()
    const { node, args, signal } = request
    const host = hostOf(node)
    if (args[0] === undefined) return await selfId(request, host)
    const peer = addresses().parsePeerId(args[0])
    if (peer.toString() === node.repo.config.Identity.PeerID) return await selfId(request, host)
    return await describePeer(requireHost(node), peer, signal)
  }
})
