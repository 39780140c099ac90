import type { ExportEntry } from '../../dag/index.ts'
import { InvalidRangeError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { exporterModule } from './dag-module.ts'
import { CID_BASE_OPTION, cidEncoder } from './cid-base.ts'
import { alignColumns } from './kubo-format.ts'

/** UnixFS type numbers as Kubo's `ls` reports them. */
const LS_TYPE: Record<string, number> = { raw: 2, directory: 1, file: 2, symlink: 4 }

/**
 * `cat`: the files' bytes one after the other, as one stream. `--offset` and `--length` apply to
 * that concatenated stream, as in Kubo's `cat` (an offset past the first file starts in a later
 * one); an offset past the end of all of them is refused, naming the total size.
 */
export const cat = defineCommand<Uint8Array>({
  path: 'cat',
  description: 'Show the bytes of files, one after the other: cairn cat <cid>[/path]...',
  args: [{ name: 'path', required: true, variadic: true, description: 'CID or /ipfs/ path of the file' }],
  options: [
    { name: 'offset', short: 'o', type: 'number', description: 'byte offset to start at, in the files\' bytes taken together' },
    { name: 'length', short: 'l', type: 'number', description: 'maximum number of bytes to read, in all' }
  ],
  output: 'bytes',
  preload: exporterModule,
  async * run ({ node, args, options, signal, releasesChunks }) {
    const offset = options.offset as number | undefined
    const length = options.length as number | undefined
    const lend = releasesChunks === true
    if (offset != null && (offset < 0 || !Number.isInteger(offset))) throw new InvalidRangeError(`--offset must be a whole number ≥ 0, not ${offset}`)
    if (length != null && (length < 0 || !Number.isInteger(length))) throw new InvalidRangeError(`--length must be a whole number ≥ 0, not ${length}`)
    if (length === 0) return
    const { cat } = await exporterModule()
    let skip = offset ?? 0
    let left = length
    let total = 0
    for (const path of args) {
      if (skip === 0) {
        // nothing to skip: no need to know the size first
        const resolved = await node.resolvePath(path, { signal })
        for await (const chunk of cat(resolved.cid, node.blocks, { length: left, signal, lend })) {
          if (left != null) left -= chunk.byteLength
          yield chunk
        }
        if (left === 0) return
        continue
      }
      const resolved = await node.resolvePath(path, { signal, describe: true })
      const size = resolved.entry.size
      if (size != null && skip >= size) {
        // this file ends before the offset: it is skipped whole (a directory still fails below)
        skip -= size
        total += size
        continue
      }
      for await (const chunk of cat(resolved.cid, node.blocks, { offset: skip, length: left, signal, lend })) {
        if (left != null) left -= chunk.byteLength
        yield chunk
      }
      skip = 0
      if (left === 0) return
    }
    if (skip > 0) {
      throw new InvalidRangeError(`--offset ${offset} is past the end of the content: ${args.length > 1 ? `the ${args.length} files hold` : 'the file holds'} ${total} bytes`)
    }
  }
})

/** Kubo's `ls` object. */
export interface LsObject {
  Objects: Array<{ Hash: string, Links: Array<{ Name: string, Hash: string, Size: number, Type: number, Target: string }> }>
}

/** Kubo's link types for directories (plain, HAMT shard, metadata): printed with `-` and a `/`. */
function isDirectoryType (type: number): boolean {
  return type === 1 || type === 5 || type === 3
}

/**
 * `ls`'s text, Kubo's tabular output: `<cid> <size> <name>` aligned as its tabwriter aligns
 * them (directories show `-` and end in `/`), `--size=false` leaves the size column out, `-v`
 * adds the header, and several arguments are listed each under its `<cid>:` line.
 */
export function lsText (value: LsObject, options: Record<string, unknown>): string {
  const size = options.size !== false
  const lines: string[] = []
  value.Objects.forEach((object, index) => {
    if (value.Objects.length > 1) {
      if (index > 0) lines.push('')
      lines.push(`${object.Hash}:`)
    }
    if (options.headers === true) lines.push(size ? 'Hash\tSize\tName' : 'Hash\tName')
    for (const link of object.Links) {
      const directory = isDirectoryType(link.Type)
      const name = directory ? `${link.Name}/` : link.Name
      lines.push(size ? `${link.Hash}\t${directory ? '-' : link.Size}\t${name}` : `${link.Hash}\t${name}`)
    }
  })
  return alignColumns(lines.join('\n'))
}

export const ls = defineCommand<LsObject>({
  path: 'ls',
  description: 'List the links of a directory: name, CID, size and type',
  args: [{ name: 'path', required: true, variadic: true, description: 'CID or /ipfs/ path of the directory' }],
  options: [
    { name: 'headers', short: 'v', type: 'boolean', default: false, description: 'print a header line (Hash Size Name)' },
    { name: 'resolve-type', type: 'boolean', default: true, description: 'resolve the type of each child' },
    { name: 'size', type: 'boolean', default: true, description: 'resolve and print the size of each child (--size=false leaves the column out)' },
    { name: 'stream', short: 's', type: 'boolean', default: false, description: 'accepted for Kubo compatibility' },
    CID_BASE_OPTION
  ],
  output: 'value',
  text: lsText,
  async run ({ node, args, options, signal }) {
    const { ls } = await exporterModule()
    const encode = cidEncoder(options)
    const size = options.size !== false
    const objects: LsObject['Objects'] = []
    for (const path of args) {
      const resolved = await node.resolvePath(path, { signal, describe: true })
      if (resolved.entry.type !== 'directory') {
        // Kubo lists a file as an object with no links
        objects.push({ Hash: encode(resolved.cid), Links: [] })
        continue
      }
      const links = []
      for await (const entry of ls(resolved.cid, node.blocks, { signal, resolveType: options['resolve-type'] === true || size })) {
        links.push({
          Name: entry.name,
          Hash: encode(entry.cid),
          Size: size ? Number(entry.size ?? 0) : 0,
          Type: LS_TYPE[entry.type] ?? 0,
          Target: entry.target ?? ''
        })
      }
      objects.push({ Hash: encode(resolved.cid), Links: links })
    }
    return { Objects: objects }
  }
})

export const get = defineCommand<ExportEntry>({
  path: 'get',
  description: 'Write a file or directory to disk: cairn get <cid>[/path] [-o OUT]',
  args: [{ name: 'path', required: true, description: 'CID or /ipfs/ path' }],
  options: [
    { name: 'output', short: 'o', type: 'string', description: 'where to write (default: the CID or last path segment)' },
    { name: 'archive', short: 'a', type: 'boolean', default: false, description: 'write one tar file (OUT.tar) instead of files' },
    { name: 'compress', short: 'C', type: 'boolean', default: false, description: 'gzip the output: OUT.tar.gz with -a, else the file\'s bytes as OUT.gz' },
    { name: 'compression-level', short: 'l', type: 'number', description: 'gzip level, 1 to 9 (default 6, with -C)' }
  ],
  output: 'entries',
  async * run ({ node, args, signal }) {
    // the path's own root and segments: the exporter names the entries after the last segment
    const { root, segments } = await node.resolvePath(args[0], { signal })
    yield * (await exporterModule()).walk({ root, segments }, node.blocks, { signal })
  }
})
