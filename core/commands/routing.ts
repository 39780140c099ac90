/**
 * `routing findprovs|findpeer|provide|get|put` and `dht query`: the node's routers (the DHT and
 * any delegated HTTP routers), streamed as Kubo's QueryEvent NDJSON so kubo-rpc-client's
 * `routing.*` calls read them as they are. The CLI prints what Kubo's prints: provider IDs,
 * a peer's addresses, a record's bytes.
 */
import { CID } from 'multiformats/cid'
import { InvalidArgumentError, OfflineError } from '../../errors/index.ts'
import { defineCommand, type CommandRequest } from '../command.ts'
import { parseCID } from '../../dag/path.ts'
import { addresses, loadAddresses } from './network-common.ts'
import type { CoreNode } from '../node.ts'
import type { PeerInfo, Routing, RoutingEvent } from '../../routing/index.ts'

/** Kubo's QueryEvent types (`routing.QueryEventType`). */
export const QUERY_EVENT = {
  SendingQuery: 0,
  PeerResponse: 1,
  FinalPeer: 2,
  QueryError: 3,
  Provider: 4,
  Value: 5,
  AddingPeer: 6,
  DialingPeer: 7
} as const

/** One routing event, Kubo's shape. */
export interface QueryEvent {
  Extra: string
  ID: string
  Responses: Array<{ ID: string, Addrs: string[] }> | null
  Type: number
}

/** The node's routers, or a named error when it runs none. */
export function requireRouting (node: CoreNode): Routing {
  const routing = (node as CoreNode & { routing?: Routing }).routing
  if (routing == null) throw new OfflineError('this command needs a running daemon (cairn daemon) with routing')
  return routing
}

const info = (p: PeerInfo): { ID: string, Addrs: string[] } => ({ ID: p.id.toString(), Addrs: p.multiaddrs.map(a => a.toString()) })

/** A routing progress event as a QueryEvent. */
export function toQueryEvent (event: RoutingEvent): QueryEvent {
  switch (event.type) {
    case 'sending-query': return { Extra: '', ID: event.peer.toString(), Responses: null, Type: QUERY_EVENT.SendingQuery }
    case 'peer-response': return { Extra: '', ID: event.peer.toString(), Responses: [...event.closer, ...event.providers].map(info), Type: QUERY_EVENT.PeerResponse }
    case 'final-peer': return { Extra: '', ID: event.peer.id.toString(), Responses: [info(event.peer)], Type: QUERY_EVENT.FinalPeer }
    case 'query-error': return { Extra: event.error.message, ID: event.peer.toString(), Responses: null, Type: QUERY_EVENT.QueryError }
    case 'provider': return { Extra: '', ID: event.from.toString(), Responses: [info(event.provider)], Type: QUERY_EVENT.Provider }
    case 'value': return { Extra: Buffer.from(event.value).toString('base64'), ID: event.from.toString(), Responses: null, Type: QUERY_EVENT.Value }
    case 'adding-peer': return { Extra: '', ID: '', Responses: [{ ID: event.peer.toString(), Addrs: [] }], Type: QUERY_EVENT.AddingPeer }
    case 'dialing-peer': return { Extra: '', ID: '', Responses: [{ ID: event.peer.toString(), Addrs: [] }], Type: QUERY_EVENT.DialingPeer }
  }
}

/**
 * Runs `work` and yields the events it reports as they happen, then the values it returns; an
 * error from `work` ends the stream with that error.
 */
export async function * eventStream (signal: AbortSignal, work: (push: (event: QueryEvent) => void) => Promise<QueryEvent[] | void>): AsyncGenerator<QueryEvent> {
  const queue: QueryEvent[] = []
  let wake: (() => void) | undefined
  let done = false
  let failure: unknown
  const push = (event: QueryEvent): void => {
    queue.push(event)
    wake?.()
  }
  void work(push).then(final => {
    for (const event of final ?? []) queue.push(event)
  }, err => { failure = err }).finally(() => {
    done = true
    wake?.()
  })
  while (true) {
    if (queue.length > 0) {
      yield queue.shift()!
      continue
    }
    if (done) break
    signal.throwIfAborted()
    await new Promise<void>(resolve => { wake = resolve })
    wake = undefined
  }
  if (failure != null) throw failure
}

const verboseOption = { name: 'verbose', short: 'v', type: 'boolean' as const, default: false, description: 'print extra information (every query event)' }

/** Text of an event: what Kubo's CLI prints for it, or every event when verbose. */
const eventText = (show: number[]) => (event: QueryEvent, options: Record<string, unknown>): string | undefined => {
  if (options.verbose === true) return `${event.Type}\t${event.ID}\t${(event.Responses ?? []).map(r => r.ID).join(',')}\t${event.Extra}`
  if (!show.includes(event.Type)) return undefined
  if (event.Type === QUERY_EVENT.Provider) return (event.Responses ?? []).map(r => r.ID).join('\n')
  if (event.Type === QUERY_EVENT.FinalPeer) return (event.Responses ?? []).flatMap(r => r.Addrs).join('\n')
  return undefined
}

/** A CID as `routing` commands take it: bare or as `/ipfs/<cid>`. */
function parseCid (text: string): CID {
  return parseCID(text.replace(/^\/ipfs\//, ''))
}

/** A value-record key as Kubo takes it: `/pk/…` or `/ipns/…` with the name as a peer ID or CID. */
export async function recordKey (text: string): Promise<Uint8Array> {
  const match = /^\/(ipns|pk)\/([^/]+)$/.exec(text)
  if (match == null) throw new InvalidArgumentError(`invalid record key "${text}": expected /ipns/<name> or /pk/<peer ID>`)
  await loadAddresses()
  const peer = addresses().parsePeerId(match[2])
  const mh = peer.toMultihash().bytes
  const prefix = new TextEncoder().encode(`/${match[1]}/`)
  const key = new Uint8Array(prefix.byteLength + mh.byteLength)
  key.set(prefix)
  key.set(mh, prefix.byteLength)
  return key
}

export const routingFindprovs = defineCommand<QueryEvent>({
  path: 'routing findprovs',
  description: 'Find peers that provide a CID',
  args: [{ name: 'cid', required: true, description: 'the CID to find providers of' }],
  options: [
    verboseOption,
    { name: 'num-providers', short: 'n', type: 'number', default: 20, description: 'stop after this many providers' }
  ],
  output: 'stream',
  network: true,
  text: eventText([QUERY_EVENT.Provider]),
  run ({ node, args, options, signal }: CommandRequest) {
    const routing = requireRouting(node)
    const cid = parseCid(args[0])
    const max = options['num-providers'] as number
    if (!(max > 0)) throw new InvalidArgumentError('num-providers must be greater than 0')
    return eventStream(signal, async (push) => {
      const onProgress = (e: RoutingEvent): void => { if (e.type !== 'provider') push(toQueryEvent(e)) }
      for await (const provider of routing.findProviders(cid, { signal, maxProviders: max, onProgress })) {
        push({ Extra: '', ID: '', Responses: [info(provider)], Type: QUERY_EVENT.Provider })
      }
    })
  }
})

export const routingFindpeer = defineCommand<QueryEvent>({
  path: 'routing findpeer',
  description: 'Find the addresses of a peer',
  args: [{ name: 'peer', required: true, description: 'the peer ID' }],
  options: [verboseOption],
  output: 'stream',
  network: true,
  text: eventText([QUERY_EVENT.FinalPeer]),
  run ({ node, args, signal }: CommandRequest) {
    const routing = requireRouting(node)
    return eventStream(signal, async (push) => {
      await loadAddresses()
      const peer = addresses().parsePeerId(args[0])
      const found = await routing.findPeer(peer, { signal, onProgress: e => { if (e.type !== 'final-peer') push(toQueryEvent(e)) } })
      return [{ Extra: '', ID: '', Responses: [info(found)], Type: QUERY_EVENT.FinalPeer }]
    })
  }
})

export const routingProvide = defineCommand<QueryEvent>({
  path: 'routing provide',
  description: 'Announce to the network that this node provides the given CIDs (their blocks must be local)',
  args: [{ name: 'cid', required: true, variadic: true, description: 'the CIDs to provide' }],
  options: [
    verboseOption,
    { name: 'recursive', short: 'r', type: 'boolean', default: false, description: 'provide every block of the DAGs too' }
  ],
  output: 'stream',
  network: true,
  text: eventText([]),
  run ({ node, args, options, signal }: CommandRequest) {
    const routing = requireRouting(node)
    const roots = args.map(parseCid)
    return eventStream(signal, async (push) => {
      for (const root of roots) {
        if (!await node.blockstore.has(root, { signal })) {
          throw new InvalidArgumentError(`block ${root.toString()} is not in the local store: only local blocks can be provided`)
        }
      }
      const cids: CID[] = []
      if (options.recursive === true) {
        const { loadBlockBytes, nodeKey, walkDag } = await import('../../blockstore/index.ts')
        const load = async (cid: CID, opts: { signal?: AbortSignal }): Promise<Uint8Array> => loadBlockBytes(cid, node.blocks, opts)
        for await (const block of walkDag(roots, { load, dedupe: { seen: new Set(), key: nodeKey }, signal })) cids.push(block.cid)
      } else {
        cids.push(...roots)
      }
      const onProgress = (e: RoutingEvent): void => { push(toQueryEvent(e)) }
      for (const cid of cids) await routing.provide(cid, { signal, onProgress })
    })
  }
})

export const routingGet = defineCommand<QueryEvent>({
  path: 'routing get',
  description: 'Read a value record (/ipns/<name>, /pk/<peer>) from the routers',
  args: [{ name: 'key', required: true, description: 'the record key' }],
  options: [verboseOption],
  output: 'stream',
  network: true,
  text: eventText([]),
  textBytes: (event: QueryEvent) => event.Type === QUERY_EVENT.Value ? Buffer.from(event.Extra, 'base64') : undefined,
  run ({ node, args, signal }: CommandRequest) {
    const routing = requireRouting(node)
    return eventStream(signal, async (push) => {
      const key = await recordKey(args[0])
      const value = await routing.get(key, { signal, onProgress: e => { if (e.type !== 'value') push(toQueryEvent(e)) } })
        .catch(async (err: unknown) => {
          // a node without routers still has the /ipns/ records it keeps (routing put --allow-offline)
          if ((err as Error).name !== 'RoutingOffError' || !args[0].startsWith('/ipns/')) throw err
          const { namingOf } = await import('./name.ts')
          return (await (await namingOf(node)).getRecord(args[0].slice('/ipns/'.length), { offline: true, signal })).bytes
        })
      return [{ Extra: Buffer.from(value).toString('base64'), ID: '', Responses: null, Type: QUERY_EVENT.Value }]
    })
  }
})

export const routingPut = defineCommand<QueryEvent>({
  path: 'routing put',
  description: 'Store a value record (/ipns/<name>, /pk/<peer>) with the routers; the record file is its protobuf bytes',
  args: [
    { name: 'key', required: true, description: 'the record key' },
    // sent as the request's file part, not as an argument: optional here as in block put (stdin when absent)
    { name: 'value-file', description: 'the file holding the record (stdin when absent)' }
  ],
  options: [
    verboseOption,
    { name: 'allow-offline', type: 'boolean', default: false, description: 'store the record locally when no peer can take it' }
  ],
  input: 'files',
  output: 'stream',
  network: true,
  text: eventText([]),
  run ({ node, args, options, input, signal }: CommandRequest) {
    const routing = requireRouting(node)
    return eventStream(signal, async (push) => {
      const key = await recordKey(args[0])
      let value: Uint8Array | undefined
      for await (const file of input.files ?? []) {
        const parts: Uint8Array[] = []
        for await (const part of file.content) parts.push(part)
        value = Buffer.concat(parts)
        break
      }
      if (value == null) throw new InvalidArgumentError('routing put needs the record file')
      const onProgress = (e: RoutingEvent): void => { push(toQueryEvent(e)) }
      try {
        await routing.put(key, value, { signal, onProgress })
      } catch (err) {
        // no peer could take it: with --allow-offline the record is kept locally all the same
        if (options['allow-offline'] !== true) throw err
        if (args[0].startsWith('/ipns/')) {
          // validated and kept where name resolution looks first, also on a node without routers
          const { namingOf } = await import('./name.ts')
          await (await namingOf(node)).putRecord(key.subarray('/ipns/'.length), value, { signal })
          await routing.put(key, value, { signal, offline: true, onProgress }).catch((offErr: unknown) => {
            if ((offErr as Error).name !== 'RoutingOffError') throw offErr
          })
          return
        }
        await routing.put(key, value, { signal, offline: true, onProgress })
      }
    })
  }
})

export const dhtQuery = defineCommand<QueryEvent>({
  path: 'dht query',
  description: 'Find the closest peers to a peer ID by walking the DHT',
  args: [{ name: 'peer', required: true, description: 'the peer ID to look up' }],
  options: [verboseOption],
  output: 'stream',
  network: true,
  text: (event, options) => options.verbose === true ? eventText([])(event, options) : event.Type === QUERY_EVENT.FinalPeer ? event.ID : undefined,
  run ({ node, args, signal }: CommandRequest) {
    const routing = requireRouting(node)
    return eventStream(signal, async (push) => {
      await loadAddresses()
      const peer = addresses().parsePeerId(args[0])
      for await (const p of routing.getClosestPeers(peer.toMultihash().bytes, { signal, onProgress: e => { if (e.type !== 'final-peer') push(toQueryEvent(e)) } })) {
        push({ Extra: '', ID: p.id.toString(), Responses: null, Type: QUERY_EVENT.FinalPeer })
      }
    })
  }
})
