/**
 * The reading `files` commands: `files ls`, `files read`, `files flush`.
 */
import { defineCommand } from '../command.ts'
import { mfsOf } from './files-mfs.ts'

/** One entry of Kubo's `files ls` (boxo `mfs.NodeListing`). */
export interface FilesLsEntry {
  Name: string
  /** 0 file, 1 directory. */
  Type: number
  Size: number
  Hash: string
}

/** Kubo's `files ls` answer; `Entries` is null for an empty directory, as Go encodes a nil slice. */
export interface FilesLs {
  Entries: FilesLsEntry[] | null
}

export const filesLs = defineCommand<FilesLs>({
  path: 'files ls',
  description: 'List a directory of the mutable file system (MFS)',
  args: [{ name: 'path', description: "path to list (default '/')" }],
  options: [
    { name: 'long', short: 'l', type: 'boolean', default: false, description: 'use the long listing format (type, CID and size)' },
    { name: 'U', short: 'U', type: 'boolean', default: false, description: 'do not sort; list entries in directory order' }
  ],
  output: 'value',
  text (value, options) {
    const entries = [...(value.Entries ?? [])]
    // Go compares strings by their bytes
    if (options.U !== true) entries.sort((a, b) => Buffer.compare(Buffer.from(a.Name), Buffer.from(b.Name)))
    return entries.map(e => options.long === true
      ? `${e.Name}${e.Type === 1 ? '/' : ''}\t${e.Hash}\t${e.Size}`
      : e.Name).join('\n')
  },
  async run ({ node, args, options, signal }) {
    const mfs = await mfsOf(node)
    const long = options.long === true
    const entries: FilesLsEntry[] = []
    for await (const entry of mfs.ls(args[0] ?? '/', { long, signal })) {
      entries.push(long
        ? { Name: entry.name, Type: entry.type, Size: entry.size, Hash: entry.cid.toString() }
        : { Name: entry.name, Type: 0, Size: 0, Hash: '' })
    }
    return { Entries: entries.length === 0 ? null : entries }
  }
})

export const filesRead = defineCommand<Uint8Array>({
  path: 'files read',
  description: 'Read a file of the mutable file system (MFS)',
  args: [{ name: 'path', required: true, description: 'path of the file' }],
  options: [
    { name: 'offset', short: 'o', type: 'number', description: 'byte offset to begin reading from' },
    { name: 'count', short: 'n', type: 'number', description: 'maximum number of bytes to read' }
  ],
  output: 'bytes',
  async * run ({ node, args, options, signal }) {
    const mfs = await mfsOf(node)
    yield * mfs.read(args[0], { offset: options.offset as number | undefined, count: options.count as number | undefined, signal })
  }
})

/** Kubo's `files flush` answer. */
export interface FilesFlush {
  Cid: string
}

export const filesFlush = defineCommand<FilesFlush>({
  path: 'files flush',
  description: "Flush a path of the mutable file system to disk and print its CID (Cairn's MFS is always flushed)",
  args: [{ name: 'path', description: "path to flush (default '/')" }],
  options: [],
  output: 'value',
  text: (value) => value.Cid,
  async run ({ node, args, signal }) {
    const mfs = await mfsOf(node)
    return { Cid: (await mfs.lookup(args[0] ?? '/', { signal })).toString() }
  }
})
