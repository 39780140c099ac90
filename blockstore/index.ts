/**
 * Block storage keyed by multihash, pins and garbage collection.
 *
 * - `createBlockstore({ path })`: block bytes in append-only pack files, LevelDB as the index
 *   (see `blockstore.ts` for the crash-safety rules). Blocks are visible only once durable;
 *   `get` re-hashes; `verify()` and `compact()` for `repo verify` and GC.
 * - `createPins({ blockstore, datastore, getter })`: recursive and direct pins, indirect ones
 *   computed; a pin is recorded only once its whole DAG is present.
 * - `createLeases()` and `createGc({ blockstore, pins, leases })`: writers hold a shared lease
 *   while they write unpinned blocks; GC takes the exclusive one for mark and sweep.
 * - `linksOf` / `namedLinksOf`: the one way to read a block's links, for every codec stored;
 *   `walkDag` / `traverse`: the one ordered DAG walker with bounded read-ahead.
 * - `codes.ts`: the table of codec and multihash codes; `hashes.ts`: the one multihash registry.
 */
export type {
  AbortOptions, Block, BlockEntry, BlockGetter, GetOptions, BlockSink, Blockstore, BlockVerifyResult,
  CompactResult, PackBlockstore, PutOptions
} from './types.ts'
export { MAX_BLOCK_SIZE } from './types.ts'
export * from './constants.ts'
export { createBlockstore, resolveBlockstoreInit } from './blockstore.ts'
export type { BlockstoreComponents, BlockstoreInit, BlockstoreStep, ResolvedBlockstoreInit } from './blockstore.ts'
export { createPins, resolvePinsInit } from './pins.ts'
export type {
  Pin, PinAddOptions, PinDatastore, PinLsOptions, PinRmOptions, PinStatus, PinType, PinVerifyResult,
  Pins, PinsComponents, PinsInit
} from './pins.ts'
export { createLeases } from './leases.ts'
export type { Lease, Leases } from './leases.ts'
export { createGc, resolveGcInit } from './gc.ts'
export type { GarbageCollector, GcComponents, GcInit, GcOptions, GcSummary } from './gc.ts'
export * from './codes.ts'
export { isKnownCodec, isLeafCodec, linksOf, namedLinksOf } from './links.ts'
export type { NamedLink } from './links.ts'
export { loadBlockBytes, nodeKey, traverse, walkDag } from './dag-walk.ts'
export type {
  BlockLoader, Dedupe, Expand, Step, TraverseOptions, WalkOptions, WalkedBlock, WalkNode
} from './dag-walk.ts'
export { hashFunctionByCode, hashFunctionByName, isSupportedHash, matchesMultihash } from './hashes.ts'
export type { HashFunction } from './hashes.ts'
export { MAX_DECODE_DEPTH, MAX_IDENTITY_DIGEST_SIZE, checkCborNesting, checkIdentityDigest, checkJsonNesting } from './decode-limits.ts'
