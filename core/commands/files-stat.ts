import { InvalidArgumentError, InvalidPathError } from '../../errors/index.ts'
import type { NodeStat } from '../../mfs/index.ts'
import { defineCommand } from '../command.ts'
import { contentPath, isContentPath, mfsOf } from './files-mfs.ts'

/** Kubo's `files stat` answer. */
export type FilesStat = NodeStat

/** Kubo's default `--format`. */
export const DEFAULT_STAT_FORMAT = '<hash>\nSize: <size>\nCumulativeSize: <cumulsize>\nChildBlocks: <childs>\nType: <type>\nMode: <mode> (<mode-octal>)\nMtime: <mtime>'

/** What Kubo prints for a mode or mtime the node does not set. */
const NOT_SET = 'not set'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** The format the options ask for; more than one of `--hash`, `--size`, `--format` is an error. */
function formatOf (options: Record<string, unknown>): string {
  const hash = options.hash === true
  const size = options.size === true
  const format = typeof options.format === 'string' ? options.format : DEFAULT_STAT_FORMAT
  const custom = format !== DEFAULT_STAT_FORMAT
  if ((hash && size) || (hash && custom) || (size && custom)) {
    throw new InvalidArgumentError('invalid parameters: format was set by multiple options. Only one format option is allowed')
  }
  if (hash) return '<hash>'
  if (size) return '<cumulsize>'
  return format
}

/** A permission mode as Go's `os.FileMode.String()` writes it, lower-cased (`-rw-r--r--`). */
function modeString (mode: number): string {
  const bits = 'rwxrwxrwx'
  let out = '-'
  for (let i = 0; i < 9; i++) out += (mode & (1 << (8 - i))) !== 0 ? bits[i] : '-'
  return out
}

/** A time as Go's `"2 Jan 2006, 15:04:05 MST"` in UTC. */
function mtimeString (secs: number): string {
  const d = new Date(secs * 1000)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`
}

/** Kubo's text for `files stat`: the format with its tokens replaced, then the locality line. */
export function renderStat (value: FilesStat, options: Record<string, unknown>): string {
  const mode = value.Mode != null ? parseInt(value.Mode, 8) : 0
  const hasMtime = value.Mtime != null && value.Mtime > 0
  const tokens: Record<string, string> = {
    '<hash>': value.Hash,
    '<size>': String(value.Size),
    '<cumulsize>': String(value.CumulativeSize),
    '<childs>': String(value.Blocks),
    '<type>': value.Type,
    '<mode>': mode !== 0 ? modeString(mode) : NOT_SET,
    '<mode-octal>': mode !== 0 ? '0' + (mode & 0o777).toString(8) : NOT_SET,
    '<mtime>': hasMtime ? mtimeString(value.Mtime as number) : NOT_SET,
    '<mtime-secs>': hasMtime ? String(value.Mtime) : NOT_SET,
    '<mtime-nsecs>': hasMtime ? String(value.MtimeNsecs ?? 0) : NOT_SET
  }
  let text = formatOf(options)
  for (const [token, replacement] of Object.entries(tokens)) text = text.split(token).join(replacement)
  if (value.WithLocality === true) {
    const local = value.SizeLocal ?? 0
    const percent = value.CumulativeSize === 0 ? 100 : 100 * local / value.CumulativeSize
    text += `\nLocal: ${humanBytes(local)} of ${humanBytes(value.CumulativeSize)} (${percent.toFixed(2)}%)`
  }
  return text
}

/** go-humanize's `Bytes`: SI units, one decimal under 10. */
function humanBytes (n: number): string {
  if (n < 10) return `${n} B`
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1)
  const value = Math.floor(n / 1000 ** e * 10 + 0.5) / 10
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[e]}`
}

/**
 * `files stat` of an MFS path or a content path (`/ipfs/…`, `/ipns/…`), as Kubo: the CID, file
 * size, cumulative size, links and type, and the mode and mtime when the node sets them.
 */
export const filesStat = defineCommand<FilesStat>({
  path: 'files stat',
  description: 'Show the CID, size and type of an MFS path or an /ipfs/ path',
  args: [{ name: 'path', required: true, description: 'an MFS path, or an /ipfs/ or /ipns/ path' }],
  options: [
    { name: 'format', type: 'string', default: DEFAULT_STAT_FORMAT, description: 'print in this format; tokens: <hash> <size> <cumulsize> <type> <childs> <mode> <mode-octal> <mtime> <mtime-secs> <mtime-nsecs>' },
    { name: 'hash', type: 'boolean', default: false, description: 'print only the CID (--format=<hash>)' },
    { name: 'size', type: 'boolean', default: false, description: 'print only the cumulative size (--format=<cumulsize>)' },
    { name: 'with-local', type: 'boolean', default: false, description: 'also say how much of the DAG is in the local store' }
  ],
  output: 'value',
  text: (value, options) => renderStat(value, options),
  async run ({ node, args, options, signal }) {
    formatOf(options)
    const path = args[0]
    const { statNode, localityOf } = await import('../../mfs/index.ts')
    let cid
    if (isContentPath(path)) {
      const resolved = await node.resolvePath(contentPath(path), { signal })
      if (resolved.remainder.length > 0) {
        throw new InvalidPathError(`${path} ends inside a node, not at a file or directory`)
      }
      cid = resolved.cid
    } else {
      cid = await (await mfsOf(node)).lookup(path, { signal })
    }
    const stat = await statNode(cid, node.blocks, { signal })
    if (options['with-local'] === true) {
      const locality = await localityOf(cid, node.blockstore, { signal })
      stat.WithLocality = true
      stat.Local = locality.local
      stat.SizeLocal = locality.sizeLocal
    }
    return stat
  }
})
