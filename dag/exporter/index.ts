/**
 * The UnixFS exporter: reading what the importer wrote.
 *
 * - {@link parsePath} / {@link resolve}: `/ipfs/<cid>/a/b` → the block it names, through UnixFS
 *   directories (basic and HAMT-sharded), dag-pb link names, and dag-cbor/dag-json fields.
 * - {@link cat}: a file's bytes, or a byte range, reading only the blocks the range needs, in
 *   order, with {@link READ_AHEAD_BLOCKS} of read-ahead.
 * - {@link ls}: a directory's entries.
 * - {@link walk}: every entry under a path, depth first, for `get`.
 * - {@link assertSafeName}: the check every name must pass before it touches a file system.
 *
 * Every function reads blocks through a `BlockGetter` and takes an `AbortSignal`.
 *
 * @see https://specs.ipfs.tech/unixfs/
 */

export { parsePath, parseCID, printable, toParsedPath, type ParsedPath, type PathLike } from '../path.ts'
export { resolve } from './resolve.ts'
export { cat } from './cat.ts'
export { ls } from './ls.ts'
export { walk } from './walk.ts'
export { assertSafeName, unsafeNameReason, EntryPathGuard, resolveDotSegments } from './safe-name.ts'
export { READ_AHEAD_BLOCKS } from './traversal.ts'
// one block decoded as the exporter reads it (MFS edits directories and file roots with it)
export { loadNode, decodeNode, type DecodedNode, type UnixFSNode } from './node.ts'
export { MAX_HAMT_FANOUT } from './hamt.ts'
export {
  DEFAULT_LS_RESOLVE_TYPE,
  type CatOptions,
  type EntryInfo,
  type EntryType,
  type ExportEntry,
  type LsEntry,
  type LsOptions,
  type Mtime,
  type ResolveResult
} from './types.ts'
