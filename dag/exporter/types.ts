/**
 * Public types of the exporter.
 */

import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../../blockstore/types.ts'

/**
 * What a node is, as `ls`, `resolve` and `walk` report it.
 *
 * - `file`: a UnixFS file (dag-pb `File`, or the legacy dag-pb `Raw` type)
 * - `raw`: a raw-codec (0x55) block, which UnixFS reads as a single-block file (Kubo's `ls` shows it
 *   as a file, Type 2)
 * - `directory`: a UnixFS directory, basic or HAMT-sharded
 * - `symlink`: a UnixFS symlink (`target` holds its text)
 * - `object`: not UnixFS (dag-cbor, dag-json, dag-pb without UnixFS data, UnixFS `Metadata`)
 * - `unknown`: not looked at (`ls` with `resolveType: false` on a dag-pb child)
 */
export type EntryType = 'file' | 'raw' | 'directory' | 'symlink' | 'object' | 'unknown'

/** A UnixFS modification time (seconds since the epoch, optional nanoseconds). */
export interface Mtime {
  secs: bigint
  nsecs?: number
}

/** What is known about one node of a DAG. */
export interface EntryInfo {
  /** The node's CID. */
  cid: CID
  /** Its name: the last path component that led to it, or the root CID as a string. */
  name: string
  type: EntryType
  /**
   * File size in bytes for `file` and `raw`; undefined for everything else (Kubo reports 0 there).
   */
  size?: number
  /** The symlink's target text (symlinks only). */
  target?: string
  /** UnixFS mode (`mode & 0o7777`), only when the node sets one. */
  mode?: number
  /** UnixFS modification time, only when the node sets one. */
  mtime?: Mtime
  /** True for HAMT-sharded directories. */
  sharded?: boolean
}

/** The answer of `resolve`. */
export interface ResolveResult {
  /** The CID the path leads to: the last block reached. */
  cid: CID
  /**
   * Path components consumed inside that block (dag-cbor/dag-json paths that end inside a value
   * rather than at a link). Absent when the path ends at the block itself.
   */
  remainder?: string[]
  /** What the block is. */
  entry: EntryInfo
}

/** One entry of a directory listing. */
export interface LsEntry {
  name: string
  cid: CID
  /** The child's type; `unknown` for dag-pb children when `resolveType` is false. */
  type: EntryType
  /** File size of files and raw blocks when known (for raw blocks: the link's Tsize). */
  size?: number
  /** The link's Tsize: cumulative size of the child's DAG, as its parent recorded it. */
  tsize?: number
  target?: string
  mode?: number
  mtime?: Mtime
}

/** Options of `ls`. */
export interface LsOptions extends AbortOptions {
  /**
   * Fetch each dag-pb child (one block each, read ahead in order) to report its type, file size,
   * symlink target, mode and mtime, as Kubo's `ls` does by default. Raw-codec children are never
   * fetched: their CID says what they are and their Tsize is their size.
   * Default {@link DEFAULT_LS_RESOLVE_TYPE}.
   */
  resolveType?: boolean
}

/** By default `ls` resolves children's types and sizes, like Kubo's `--resolve-type=true`. */
export const DEFAULT_LS_RESOLVE_TYPE = true

/** Options of `cat`. */
export interface CatOptions extends AbortOptions {
  /** First byte to read. Default 0. Beyond the end of the file reads nothing. */
  offset?: number
  /** Most bytes to read. Default: to the end of the file. */
  length?: number
  /**
   * Read the file's leaves lent (`GetOptions.lend`): the caller hands every chunk yielded back
   * with the getter's `release` once it is done with it (the CLI does, once the chunk is written).
   * Default false.
   */
  lend?: boolean
}

/** One entry of `walk`, in depth-first order, parents before children. */
export interface ExportEntry {
  /**
   * The entry's names from the walk's root down; `[]` for the root itself. Names are exactly as
   * the DAG has them: check them (see `assertSafeName`) before using them on a file system.
   */
  segments: string[]
  /** `segments` joined with `/`; `''` for the root. For display only. */
  path: string
  /** Last path component, or the root's name (last component of the walked path, or its CID). */
  name: string
  type: 'file' | 'directory' | 'symlink'
  cid: CID
  /** File size (files only). */
  size?: number
  /** Streams the file's bytes (files only). */
  content?: (options?: AbortOptions) => AsyncIterable<Uint8Array>
  target?: string
  mode?: number
  mtime?: Mtime
}
