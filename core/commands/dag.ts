import { CID } from 'multiformats/cid'
import { MAX_BLOCK_SIZE } from '../../blockstore/types.ts'
import { InvalidCARError, InvalidArgumentError, messageOf } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { dagModule } from './dag-module.ts'
import { readAll } from './block.ts'
import { CID_BASE_OPTION, cidEncoder } from './cid-base.ts'

/** The most a `dag put` input may hold with `--allow-big-block`. */
const MAX_DAG_PUT_INPUT = 64 * 1024 * 1024

/**
 * The most one `dag put` input may hold: the block limit, unless `--allow-big-block`. It is
 * checked as the input streams in, so an oversized upload is refused after 2 MiB, not read (and
 * decoded) whole first.
 */
export function dagPutInputLimit (allowBigBlock: boolean): number {
  return allowBigBlock ? MAX_DAG_PUT_INPUT : MAX_BLOCK_SIZE
}

export const dagPut = defineCommand<{ Cid: { '/': string } }>({
  path: 'dag put',
  description: 'Store IPLD nodes read from files or stdin',
  args: [{ name: 'file', variadic: true, description: 'files to read (stdin when absent)' }],
  input: 'files',
  options: [
    { name: 'store-codec', type: 'string', default: 'dag-cbor', description: 'codec to store the node with' },
    { name: 'input-codec', type: 'string', default: 'dag-json', description: 'codec the input is in' },
    { name: 'pin', type: 'boolean', default: false, description: 'pin the node' },
    { name: 'hash', type: 'string', default: 'sha2-256', description: 'multihash function' },
    { name: 'allow-big-block', type: 'boolean', default: false, description: 'accept blocks over 2 MiB' },
    CID_BASE_OPTION
  ],
  output: 'stream',
  // as Kubo: the text in the asked base, the JSON ({"/": …}) in the CID's own
  text: (value, options) => options['cid-base'] != null ? cidEncoder(options)(CID.parse(value.Cid['/'])) : value.Cid['/'],
  async * run ({ node, input, options, signal }) {
    const lease = await node.gc.lease({ signal })
    try {
      for await (const file of input.files ?? []) {
        const bytes = await readAll(file.content, dagPutInputLimit(options['allow-big-block'] === true),
          options['allow-big-block'] === true ? 'the input' : 'the input (without --allow-big-block, at most the block limit)')
        const block = await (await dagModule()).dagPut(bytes, {
          inputCodec: options['input-codec'] as string,
          storeCodec: options['store-codec'] as string,
          hash: options.hash as string,
          allowBigBlock: options['allow-big-block'] === true
        })
        await node.blockstore.putMany([block], { signal, allowBigBlock: options['allow-big-block'] === true })
        if (options.pin === true) await node.pins.add(block.cid, { recursive: true, signal })
        yield { Cid: { '/': block.cid.toString() } }
      }
    } finally {
      lease.release()
    }
  }
})

export const dagGet = defineCommand<Uint8Array>({
  path: 'dag get',
  description: 'Show an IPLD node, encoded with --output-codec',
  args: [{ name: 'path', required: true, description: 'CID or /ipfs/ path' }],
  options: [
    { name: 'output-codec', type: 'string', default: 'dag-json', description: 'codec to print the node with' }
  ],
  output: 'bytes',
  async * run ({ node, args, options, signal }) {
    const { dagGet } = await dagModule()
    const resolved = await node.resolvePath(args[0], { signal })
    const bytes = await node.blocks.get(resolved.cid, { signal })
    yield await dagGet({ cid: resolved.cid, bytes }, {
      outputCodec: options['output-codec'] as string,
      path: resolved.remainder,
      getter: node.blocks,
      signal
    })
  }
})

/** `dag resolve`: Kubo's `ResolveOutput`, the last block a path reaches and what is left inside it. */
export interface DagResolveOutput {
  Cid: { '/': string }
  /** The path inside that block's value (dag-cbor, dag-json), `/`-led; empty when the path ends at the block. */
  RemPath: string
}

export const dagResolve = defineCommand<DagResolveOutput>({
  path: 'dag resolve',
  description: 'Show the CID of the last block a path reaches, and the path left inside it',
  args: [{ name: 'ref', required: true, description: 'CID or /ipfs/ path' }],
  options: [CID_BASE_OPTION],
  output: 'value',
  text (value, options) {
    const cid = CID.parse(value.Cid['/'])
    // as Kubo: in the asked base, else in the base the CID was given in
    return `${options['cid-base'] != null ? cidEncoder(options)(cid) : value.Cid['/']}${value.RemPath}`
  },
  async run ({ node, args, options, signal }) {
    cidEncoder(options) // an unknown base is refused before any work
    const resolved = await node.resolvePath(args[0], { signal })
    return {
      Cid: { '/': resolved.cid.toString() },
      RemPath: resolved.remainder.length > 0 ? `/${resolved.remainder.join('/')}` : ''
    }
  }
})

export const dagExport = defineCommand<Uint8Array>({
  path: 'dag export',
  description: 'Write a DAG as a CARv1 stream (DFS order)',
  args: [{ name: 'cid', required: true, description: 'the root CID or /ipfs/ path' }],
  options: [
    { name: 'progress', short: 'p', type: 'boolean', default: false, description: 'accepted for Kubo compatibility' }
  ],
  output: 'bytes',
  async * run ({ node, args, signal }) {
    const root = (await node.resolvePath(args[0], { signal })).cid
    yield * (await dagModule()).exportCar([root], node.blocks, { signal })
  }
})

/** `dag import` events, Kubo's shapes. */
export interface DagImportEvent {
  Root?: { Cid: { '/': string }, PinErrorMsg: string }
  Stats?: { BlockCount: number, BlockBytesCount: number }
  /** Cairn: a block or file that was refused, named. */
  Error?: string
}

export const dagImport = defineCommand<DagImportEvent>({
  path: 'dag import',
  description: 'Import the blocks of CAR files, verifying each; pins the roots',
  args: [{ name: 'file', variadic: true, description: 'CAR files (stdin when absent)' }],
  input: 'files',
  options: [
    { name: 'pin-roots', type: 'boolean', default: true, description: 'pin the roots (--pin-roots=false to skip)' },
    { name: 'stats', type: 'boolean', default: false, description: 'print block counts' },
    { name: 'silent', type: 'boolean', default: false, description: 'print nothing' },
    { name: 'allow-big-block', type: 'boolean', default: false, description: 'accept blocks over 2 MiB' }
  ],
  output: 'stream',
  text (value, options) {
    if (options.silent === true) return undefined
    if (value.Error != null) return `error: ${value.Error}`
    if (value.Root != null) {
      return value.Root.PinErrorMsg === ''
        ? `Pinned root\t${value.Root.Cid['/']}\tsuccess`
        : `pinning root ${value.Root.Cid['/']} FAILED: ${value.Root.PinErrorMsg}`
    }
    if (value.Stats != null) return `Imported ${value.Stats.BlockCount} blocks (${value.Stats.BlockBytesCount} bytes)`
    return undefined
  },
  async * run ({ node, input, options, signal }) {
    const roots = new Map<string, CID>()
    let blockCount = 0
    let blockBytes = 0
    let failures = 0
    const { importCar } = await dagModule()
    const lease = await node.gc.lease({ signal })
    try {
      for await (const file of input.files ?? []) {
        const name = file.name === '' ? 'stdin' : file.name
        try {
          const result = await importCar(file.content, node.blockstore, { signal, allowBigBlock: options['allow-big-block'] === true })
          blockCount += result.blockCount
          blockBytes += result.blockBytes
          for (const root of result.roots) roots.set(root.toString(), root)
          for (const error of result.errors) {
            failures++
            yield { Error: `${name}: ${error.cid != null ? `block ${error.cid.toString()}: ` : ''}${error.message}` }
          }
        } catch (err) {
          if ((err as { name?: string }).name !== InvalidCARError.name) throw err
          failures++
          yield { Error: `${name}: ${messageOf(err)}` }
        }
      }
      if (options['pin-roots'] === true) {
        for (const root of roots.values()) {
          let message = ''
          try {
            await node.pins.add(root, { recursive: true, signal })
          } catch (err) {
            if (signal.aborted) throw err
            failures++
            message = messageOf(err)
          }
          yield { Root: { Cid: { '/': root.toString() }, PinErrorMsg: message } }
        }
      }
    } finally {
      lease.release()
    }
    if (options.stats === true) yield { Stats: { BlockCount: blockCount, BlockBytesCount: blockBytes } }
    if (failures > 0) throw new InvalidArgumentError(`dag import finished with ${failures} error(s)`)
  }
})
