import type { ExportEntry } from '../../dag/index.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { exporterModule } from './dag-module.ts'

/** UnixFS type numbers as Kubo's `ls` reports them. */
const LS_TYPE: Record<string, number> = { raw: 2, directory: 1, file: 2, symlink: 4 }

export const cat = defineCommand<Uint8Array>({
  path: 'cat',
  description: 'Show the bytes of a file: cairn cat <cid>[/path]',
  args: [{ name: 'path', required: true, variadic: true, description: 'CID or /ipfs/ path of the file' }],
  options: [
    { name: 'offset', short: 'o', type: 'number', description: 'byte offset to start at' },
    { name: 'length', short: 'l', type: 'number', description: 'maximum number of bytes to read' }
  ],
  output: 'bytes',
  async * run ({ node, args, options, signal }) {
    const offset = options.offset as number | undefined
    const length = options.length as number | undefined
    if (offset != null && (offset < 0 || !Number.isInteger(offset))) throw new InvalidArgumentError(`--offset must be a whole number ≥ 0, not ${offset}`)
    if (length != null && (length < 0 || !Number.isInteger(length))) throw new InvalidArgumentError(`--length must be a whole number ≥ 0, not ${length}`)
    const { cat } = await exporterModule()
    for (const path of args) {
      const resolved = await node.resolvePath(path, { signal })
      yield * cat(resolved.cid, node.blocks, { offset, length, signal })
    }
  }
})

/** Kubo's `ls` object. */
export interface LsObject {
  Objects: Array<{ Hash: string, Links: Array<{ Name: string, Hash: string, Size: number, Type: number, Target: string }> }>
}

export const ls = defineCommand<LsObject>({
  path: 'ls',
  description: 'List the links of a directory: name, CID, size and type',
  args: [{ name: 'path', required: true, variadic: true, description: 'CID or /ipfs/ path of the directory' }],
  options: [
    { name: 'headers', short: 'v', type: 'boolean', default: false, description: 'print a header line' },
    { name: 'resolve-type', type: 'boolean', default: true, description: 'resolve the type of each child' },
    { name: 'size', type: 'boolean', default: true, description: 'resolve the size of each child' },
    { name: 'stream', short: 's', type: 'boolean', default: false, description: 'accepted for Kubo compatibility' }
  ],
  output: 'value',
  text (value, options) {
    const lines: string[] = []
    for (const object of value.Objects) {
      if (value.Objects.length > 1) lines.push(`${object.Hash}:`)
      if (options.headers === true) lines.push('Hash\tSize\tName')
      for (const link of object.Links) {
        const name = link.Type === 1 || link.Type === 5 ? `${link.Name}/` : link.Name
        lines.push(`${link.Hash} ${link.Type === 1 || link.Type === 5 ? '-' : link.Size} ${name}`)
      }
    }
    return lines.join('\n')
  },
  async run ({ node, args, options, signal }) {
    const { ls } = await exporterModule()
    const objects: LsObject['Objects'] = []
    for (const path of args) {
      const resolved = await node.resolvePath(path, { signal, describe: true })
      if (resolved.entry.type !== 'directory') {
        // Kubo lists a file as an object with no links
        objects.push({ Hash: resolved.cid.toString(), Links: [] })
        continue
      }
      const links = []
      for await (const entry of ls(resolved.cid, node.blocks, { signal, resolveType: options['resolve-type'] === true })) {
        links.push({
          Name: entry.name,
          Hash: entry.cid.toString(),
          Size: Number(entry.size ?? 0),
          Type: LS_TYPE[entry.type] ?? 0,
          Target: entry.target ?? ''
        })
      }
      objects.push({ Hash: resolved.cid.toString(), Links: links })
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
    { name: 'archive', short: 'a', type: 'boolean', default: false, description: 'write one tar file (OUT.tar) instead of files' }
  ],
  output: 'entries',
  async * run ({ node, args, signal }) {
    // the path's own root and segments: the exporter names the entries after the last segment
    const { root, segments } = await node.resolvePath(args[0], { signal })
    yield * (await exporterModule()).walk({ root, segments }, node.blocks, { signal })
  }
})
