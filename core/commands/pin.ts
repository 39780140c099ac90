import { InvalidArgumentError, NotPinnedError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import type { CoreNode } from '../node.ts'
import type { BlockGetter } from '../../blockstore/index.ts'
import { sleep } from './network-common.ts'
import { CID_BASE_OPTION, cidEncoder } from './cid-base.ts'

/** One `pin add` output value, Kubo's `AddPinOutput`: progress (blocks walked) while it runs, then the pins. */
export interface PinAddOutput {
  Pins?: string[]
  Progress?: number
}

/** `pin add --progress` reports the blocks walked this often, as Kubo does. */
const DEFAULT_PIN_PROGRESS_INTERVAL = 500

export const pinAdd = defineCommand<PinAddOutput>({
  path: 'pin add',
  description: 'Pin objects so garbage collection keeps them (fetching missing blocks when online)',
  args: [{ name: 'path', required: true, variadic: true, description: 'CIDs or /ipfs/ paths' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'pin the whole DAG (--recursive=false pins one block)' },
    { name: 'name', short: 'n', type: 'string', description: 'a name for the pin' },
    { name: 'progress', type: 'boolean', default: false, description: 'report the number of blocks fetched or checked so far' },
    CID_BASE_OPTION
  ],
  output: 'stream',
  text: (value, options) => value.Pins?.map(p => `pinned ${p} ${options.recursive === true ? 'recursively' : 'directly'}`).join('\n'),
  progressLine: (value) => value.Pins == null && value.Progress != null ? `Fetched/Processed ${value.Progress} nodes` : undefined,
  async * run ({ node, args, options, signal }) {
    let walked = 0
    const pinning = pinAll(node, args, options, signal, (n) => { walked = n })
    if (options.progress !== true) {
      yield { Pins: await pinning }
      return
    }
    // progress is sampled on a timer while the pins are fetched, so a fast pin prints no line
    let done = false
    const finished = pinning.finally(() => { done = true })
    finished.catch(() => {})
    while (!done) {
      const tick = new AbortController()
      const wait = sleep(DEFAULT_PIN_PROGRESS_INTERVAL, AbortSignal.any([signal, tick.signal])).catch(() => {})
      await Promise.race([wait, finished.catch(() => {})])
      tick.abort()
      signal.throwIfAborted()
      if (!done) yield { Progress: walked }
    }
    const pins = await finished
    if (walked > 0) yield { Progress: walked }
    yield { Pins: pins }
  }
})

/**
 * Pins every path under one GC lease. The blocks are read through one block session per root that
 * stores what it fetches under that same lease: asking for a second lease while GC waits for the
 * first would queue behind GC forever.
 */
async function pinAll (node: CoreNode, args: string[], options: Record<string, unknown>, signal: AbortSignal, onProgress: (walked: number) => void): Promise<string[]> {
  const encode = cidEncoder(options)
  const pins: string[] = []
  let before = 0
  let last = 0
  const lease = await node.gc.lease({ signal })
  // a path's blocks too are fetched under the pin's lease
  // durable: a pin must never name a block that is not on disk (the service writes behind otherwise)
  const leased: BlockGetter = { get: async (cid, opts = {}) => await node.blocks.get(cid, { ...opts, lease, durable: true }) }
  try {
    for (const path of args) {
      const cid = (await node.resolvePath(path, { signal, blocks: leased })).cid
      const session = node.blocks.session(cid, { lease, signal, durable: true })
      try {
        await node.pins.add(cid, {
          recursive: options.recursive === true,
          name: options.name as string | undefined,
          signal,
          getter: session,
          onProgress: (n) => { last = n; onProgress(before + n) }
        })
      } finally {
        session.close()
      }
      pins.push(encode(cid))
      before += last
      last = 0
    }
  } finally {
    lease.release()
  }
  return pins
}

export const pinRm = defineCommand<{ Pins: string[] }>({
  path: 'pin rm',
  description: 'Remove pins',
  args: [{ name: 'path', required: true, variadic: true, description: 'CIDs or /ipfs/ paths' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'remove a recursive pin' },
    CID_BASE_OPTION
  ],
  output: 'value',
  text: (value) => value.Pins.map(p => `unpinned ${p}`).join('\n'),
  async run ({ node, args, options, signal }) {
    const encode = cidEncoder(options)
    const pins: string[] = []
    for (const path of args) {
      const cid = (await node.resolvePath(path, { signal })).cid
      await node.pins.rm(cid, { recursive: options.recursive === true, signal })
      pins.push(encode(cid))
    }
    return { Pins: pins }
  }
})

/** One pin in `pin ls --stream`, Kubo's `PinLsObject` (empty fields left out). */
export interface PinLsEntry {
  Cid: string
  Type: string
  Name?: string
}

/** `pin ls` without `--stream`: every pin in one object, Kubo's `PinLsList`. */
export interface PinLsList {
  Keys: Record<string, { Type: string, Name: string }>
}

function pinLine (cid: string, type: string, name: string | undefined, options: Record<string, unknown>): string {
  if (options.quiet === true) return cid
  return name != null && name !== '' ? `${cid} ${type} ${name}` : `${cid} ${type}`
}

/**
 * `pin ls`, Kubo's two shapes: by default one `{"Keys":{cid:{"Type","Name"}}}` object once every
 * pin is known; with `--stream`, one `{"Cid","Type"}` object per pin as it is found (NDJSON over
 * the RPC). kubo-rpc-client asks for `stream=true` and reads either shape.
 */
export const pinLs = defineCommand<PinLsEntry | PinLsList>({
  path: 'pin ls',
  description: 'List pins',
  args: [{ name: 'path', variadic: true, description: 'only these CIDs (default: all)' }],
  options: [
    { name: 'type', short: 't', type: 'string', default: 'all', choices: ['all', 'direct', 'indirect', 'recursive'], description: 'which pins' },
    { name: 'quiet', short: 'q', type: 'boolean', default: false, description: 'print only CIDs' },
    { name: 'stream', short: 's', type: 'boolean', default: false, description: 'print each pin as it is found (NDJSON objects over the RPC) instead of one object at the end' },
    { name: 'names', type: 'boolean', default: false, description: 'print pin names' },
    CID_BASE_OPTION
  ],
  output: 'stream',
  text (value, options) {
    if ('Keys' in value) {
      return Object.entries(value.Keys).map(([cid, pin]) => pinLine(cid, pin.Type, options.names === true ? pin.Name : undefined, options)).join('\n')
    }
    return pinLine(value.Cid, value.Type, options.names === true ? value.Name : undefined, options)
  },
  async * run ({ node, args, options, signal }) {
    const type = options.type as 'all' | 'direct' | 'indirect' | 'recursive'
    const encode = cidEncoder(options)
    const names = options.names === true
    const found = (async function * (): AsyncGenerator<PinLsEntry> {
      if (args.length > 0) {
        for (const path of args) {
          const cid = (await node.resolvePath(path, { signal })).cid
          const state = await node.pins.status(cid, { signal })
          if (state == null || (type !== 'all' && !state.type.startsWith(type))) {
            throw new NotPinnedError(`path '${path}' is not pinned${type !== 'all' && state != null ? ` ${type === 'indirect' ? 'indirectly' : type === 'direct' ? 'directly' : 'recursively'} (it is pinned ${state.type})` : ''}`)
          }
          const described = state.via != null ? `${state.type} through ${encode(state.via)}` : state.type
          yield { Cid: encode(cid), Type: described, Name: names ? state.name : undefined }
        }
        return
      }
      for await (const pin of node.pins.ls({ type, signal })) {
        yield { Cid: encode(pin.cid), Type: pin.type, Name: names ? pin.name : undefined }
      }
    })()
    if (options.stream === true) {
      for await (const entry of found) yield entry.Name == null || entry.Name === '' ? { Cid: entry.Cid, Type: entry.Type } : entry
      return
    }
    const keys: PinLsList['Keys'] = {}
    for await (const entry of found) keys[entry.Cid] = { Type: entry.Type, Name: entry.Name ?? '' }
    yield { Keys: keys }
  }
})

/** `pin update`: Kubo's `PinOutput`, the old and the new root. */
export const pinUpdate = defineCommand<{ Pins: string[] }>({
  path: 'pin update',
  description: 'Move a recursive pin to a new root, checking only the blocks the old DAG does not share with the new one',
  args: [
    { name: 'from-path', required: true, description: 'the recursively pinned old root' },
    { name: 'to-path', required: true, description: 'the new root to pin' }
  ],
  options: [
    { name: 'unpin', type: 'boolean', default: true, description: 'remove the old pin (--unpin=false keeps both)' },
    CID_BASE_OPTION
  ],
  output: 'value',
  text: (value) => `updated ${value.Pins[0]} to ${value.Pins[1]}`,
  async run ({ node, args, options, signal }) {
    const encode = cidEncoder(options)
    const lease = await node.gc.lease({ signal })
    try {
      const from = (await node.resolvePath(args[0], { signal })).cid
      const to = (await node.resolvePath(args[1], { signal })).cid
      const state = await node.pins.status(from, { signal })
      if (state?.type !== 'recursive') {
        throw new NotPinnedError(`'from' ${args[0]} is not pinned recursively${state != null ? ` (it is pinned ${state.type})` : ''}: pin update moves a recursive pin`)
      }
      // the old DAG is complete (it is pinned, and the lease keeps GC away): only what the new
      // one does not share with it needs checking, then the pin is written without a full walk
      // loaded here: the walk needs the blockstore's walker, which the command table must not load
      const { ensureDiffPresent } = await import('./pin-update.ts')
      await ensureDiffPresent(from, to, { getter: node.blocks, has: async (cid, opts) => await node.blockstore.has(cid, opts) }, { signal })
      await node.pins.add(to, { recursive: true, complete: true, name: state.name, signal })
      if (options.unpin === true && !from.equals(to)) await node.pins.rm(from, { recursive: true, signal })
      return { Pins: [encode(from), encode(to)] }
    } finally {
      lease.release()
    }
  }
})

/** One `pin verify` line. */
export interface PinVerifyEntry {
  Cid: string
  Ok: boolean
  BadNodes?: Array<{ Cid: string, Err: string }>
}

export const pinVerify = defineCommand<PinVerifyEntry>({
  path: 'pin verify',
  description: 'Check that every recursive pin has all of its blocks, and that they are intact',
  args: [],
  options: [
    { name: 'verbose', type: 'boolean', default: false, description: 'also print pins that are fine' },
    { name: 'quiet', short: 'q', type: 'boolean', default: false, description: 'print only the CIDs of bad pins' }
  ],
  output: 'stream',
  text (value, options) {
    if (value.Ok) return options.verbose === true ? `${value.Cid} ok` : undefined
    if (options.quiet === true) return value.Cid
    return [`${value.Cid} broken`, ...(value.BadNodes ?? []).map(b => `  ${b.Cid}: ${b.Err}`)].join('\n')
  },
  async * run ({ node, signal }) {
    let bad = 0
    for await (const result of node.pins.verify({ signal })) {
      if (!result.ok) bad++
      yield {
        Cid: result.cid.toString(),
        Ok: result.ok,
        BadNodes: result.badNodes?.map(b => ({ Cid: b.cid.toString(), Err: b.error }))
      }
    }
    if (bad > 0) throw new InvalidArgumentError(`${bad} pin(s) failed verification`)
  }
})
