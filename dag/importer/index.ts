/**
 * The UnixFS importer: turns files, directories and symlinks into UnixFS DAGs whose CIDs are
 * byte-identical to Kubo's `ipfs add` for the same settings.
 *
 * - {@link importer} imports a stream of entries into a tree and reports each entry;
 * - {@link importFile} imports one file's bytes;
 * - {@link buildDirectory} builds one directory (basic or HAMT-sharded) from its children;
 * - {@link resolveImporterOptions} applies profiles, defaults and Kubo's option rules;
 * - {@link parseChunker} / {@link createChunker} read and build `size-N` and `rabin` chunkers.
 *
 * @see https://specs.ipfs.tech/unixfs/
 * @see https://specs.ipfs.tech/ipips/ipip-0499/
 */
export { importer, directoryOptions } from './importer.ts'
export type { ImportEntry, ImportEntryType, ImportResult } from './importer.ts'
export { importFile } from './file.ts'
export type { FileMetadata, ImportCallOptions, ImportedFile, ImportFileCallOptions, ImportProgressEvent } from './file.ts'
export {
  DEFAULT_BATCH_MAX_BLOCKS,
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_CHUNKER,
  DEFAULT_CID_VERSION,
  DEFAULT_HAMT_FANOUT,
  DEFAULT_HAMT_SIZE_ESTIMATION,
  DEFAULT_HAMT_THRESHOLD,
  DEFAULT_HASH,
  DEFAULT_LAYOUT,
  DEFAULT_MAX_DIRECTORY_LINKS,
  DEFAULT_MAX_LINKS,
  DEFAULT_RAW_LEAVES,
  DEFAULT_TRICKLE_LAYER_REPEAT,
  DEFAULT_WRAP_WITH_DIRECTORY,
  IMPORT_PROFILES,
  resolveImporterOptions
} from './options.ts'
export type { DagLayout, HamtSizeEstimation, ImporterOptions, ImportProfileName, ResolvedImporterOptions } from './options.ts'
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_RABIN_MIN_SIZE, createChunker, fixedSize, parseChunker, rabin } from './chunker.ts'
export type { Chunker, ChunkerSpec } from './chunker.ts'
export { SUPPORTED_HASHES, getHasher } from './hashing.ts'
export type { HashName, Hasher } from './hashing.ts'
export type { UnixFSMtime, UnixFSFields } from './unixfs-data.ts'
// the one UnixFS Data encoder, for MFS's chmod and touch on file roots
export { encodeUnixFSData, UNIXFS_FILE } from './unixfs-data.ts'
export { buildDirectory, resolveDirectoryOptions } from './directory.ts'
export type { DirectoryEntry, DirectoryOptions, DirectoryResult, ResolvedDirectoryOptions, SizeEstimation } from './directory.ts'
