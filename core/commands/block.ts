import { InvalidArgumentError, PinnedBlockError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { dagModule } from './dag-module.ts'
import { CID_BASE_OPTION, cidEncoder } from './cid-base.ts'

/** Reads a whole input into memory, refusing more than `limit` bytes. */
export async function readAll (content: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of content) {
    size += chunk.byteLength
    if (size > limit) {
      throw new InvalidArgumentError(`${what} is larger than ${limit} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** The most a single block input may hold before it is refused unread (the big-block limit is checked after). */
const MAX_BLOCK_INPUT = 64 * 1024 * 1024

export const blockPut = defineCommand<{ Key: string, Size: number }>({
  path: 'block put',
  description: 'Store raw blocks from files or stdin',
  args: [{ name: 'file', variadic: true, description: 'files to read (stdin when absent)' }],
  input: 'files',
  options: [
    { name: 'cid-codec', type: 'string', default: 'raw', description: 'the CID\'s codec' },
    { name: 'mhtype', type: 'string', default: 'sha2-256', description: 'multihash function' },
    { name: 'mhlen', type: 'number', default: -1, description: 'multihash length (-1: the function\'s default)' },
    { name: 'pin', type: 'boolean', default: false, description: 'pin the block' },
    { name: 'allow-big-block', type: 'boolean', default: false, description: 'accept blocks over 2 MiB' },
    { name: 'format', short: 'f', type: 'string', description: 'deprecated: v0 for dag-pb CIDv0' },
    CID_BASE_OPTION
  ],
  output: 'stream',
  text: (value) => value.Key,
  async * run ({ node, input, options, signal }) {
    const encode = cidEncoder(options)
    const lease = await node.gc.lease({ signal })
    try {
      for await (const file of input.files ?? []) {
        const bytes = await readAll(file.content, MAX_BLOCK_INPUT, 'the block')
        const block = await (await dagModule()).blockPut(bytes, {
          cidCodec: options['cid-codec'] as string,
          mhtype: options.mhtype as string,
          mhlen: options.mhlen as number,
          format: options.format as string | undefined,
          allowBigBlock: options['allow-big-block'] === true
        })
        await node.blockstore.putMany([block], { signal, allowBigBlock: options['allow-big-block'] === true })
        if (options.pin === true) await node.pins.add(block.cid, { recursive: true, signal })
        yield { Key: encode(block.cid), Size: bytes.byteLength }
      }
    } finally {
      lease.release()
    }
  }
})

export const blockGet = defineCommand<Uint8Array>({
  path: 'block get',
  description: 'Show the raw bytes of a block',
  args: [{ name: 'cid', required: true, description: 'the block\'s CID' }],
  options: [],
  output: 'bytes',
  async * run ({ node, args, signal }) {
    yield await node.blocks.get((await node.resolvePath(args[0], { signal })).cid, { signal })
  }
})

export const blockStat = defineCommand<{ Key: string, Size: number }>({
  path: 'block stat',
  description: 'Show a block\'s CID and size',
  args: [{ name: 'cid', required: true, description: 'the block\'s CID' }],
  options: [CID_BASE_OPTION],
  output: 'value',
  text: (value) => `Key: ${value.Key}\nSize: ${value.Size}`,
  async run ({ node, args, options, signal }) {
    const encode = cidEncoder(options)
    const cid = (await node.resolvePath(args[0], { signal })).cid
    // a local block's size is in the index: no need to read and hash its bytes
    const size = await node.blockstore.getSize(cid, { signal })
    if (size != null) return { Key: encode(cid), Size: size }
    // not here: the block service says so (or, online, fetches it)
    const bytes = await node.blocks.get(cid, { signal })
    return { Key: encode(cid), Size: bytes.byteLength }
  }
})

export const blockRm = defineCommand<{ Hash: string, Error?: string }>({
  path: 'block rm',
  description: 'Remove blocks (pinned blocks are refused)',
  args: [{ name: 'cid', required: true, variadic: true, description: 'CIDs of the blocks' }],
  options: [
    { name: 'force', short: 'f', type: 'boolean', default: false, description: 'ignore blocks that are absent' },
    { name: 'quiet', short: 'q', type: 'boolean', default: false, description: 'print only errors' }
  ],
  output: 'stream',
  text (value, options) {
    if (value.Error != null) return `cannot remove ${value.Hash}: ${value.Error}`
    return options.quiet === true ? undefined : `removed ${value.Hash}`
  },
  async * run ({ node, args, options, signal }) {
    let failed = 0
    const lease = await node.gc.exclusive({ signal })
    try {
      for (const arg of args) {
        const cid = (await node.resolvePath(arg, { signal })).cid
        const pinned = await node.pins.status(cid, { signal })
        if (pinned != null) {
          failed++
          yield { Hash: cid.toString(), Error: new PinnedBlockError(`pinned: ${pinned.type}`).message }
          continue
        }
        if (!(await node.blockstore.has(cid, { signal }))) {
          if (options.force !== true) {
            failed++
            yield { Hash: cid.toString(), Error: 'block not found' }
          }
          continue
        }
        await node.blockstore.deleteMany([cid], { signal })
        yield { Hash: cid.toString() }
      }
    } finally {
      lease.release()
    }
    if (failed > 0) throw new InvalidArgumentError('some blocks not removed')
  }
})
