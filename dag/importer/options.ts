/**
 * Import options, Kubo's import profiles, and the one function that resolves them.
 *
 * Precedence: an option given explicitly, then the profile's value, then the `DEFAULT_*` constant
 * (Kubo's implicit defaults, which equal `unixfs-v0-2015`). Kubo's derived rules are applied on
 * top: a non-sha2-256 hash implies CIDv1 unless a CID version was set, and CIDv1 turns raw leaves
 * on unless raw leaves were set (by the caller or by the profile, which Kubo treats as set).
 *
 * @see https://specs.ipfs.tech/ipips/ipip-0499/
 * @see https://github.com/ipfs/kubo/blob/master/docs/config.md#import
 */
import { InvalidArgumentError } from '../../errors/index.ts'
import { MAX_IDENTITY_DIGEST_SIZE } from '../../blockstore/decode-limits.ts'
import { parseChunker } from './chunker.ts'
import {
  DEFAULT_CID_VERSION as DIRECTORY_DEFAULT_CID_VERSION,
  DEFAULT_MAX_DIRECTORY_LINKS as DIRECTORY_DEFAULT_MAX_LINKS,
  DEFAULT_SHARD_FANOUT,
  DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES,
  DEFAULT_SIZE_ESTIMATION
} from './directory.ts'
import { validateHamtFanout } from './hamt.ts'
import { getHasher } from './hashing.ts'
import type { ChunkerSpec } from './chunker.ts'
import type { SizeEstimation } from './directory.ts'
import type { HashName, Hasher } from './hashing.ts'

/** Import profile names (`ipfs config profile apply`); `legacy-cid-v0` is an alias of `unixfs-v0-2015`. */
export type ImportProfileName = 'unixfs-v0-2015' | 'legacy-cid-v0' | 'unixfs-v1-2025'

/** File DAG layout (`Import.UnixFSDAGLayout`, `ipfs add --trickle`). */
export type DagLayout = 'balanced' | 'trickle'

/** How a directory's size is estimated against the HAMT threshold (`Import.UnixFSHAMTDirectorySizeEstimation`). */
export type HamtSizeEstimation = SizeEstimation

/** Options of an import. Every option is optional; see each one for its default. */
export interface ImporterOptions {
  /**
   * Import profile whose values fill every option not given explicitly.
   * Default: none (Kubo's implicit defaults, equal to `unixfs-v0-2015`).
   */
  profile?: ImportProfileName
  /**
   * CID version of dag-pb nodes (`Import.CidVersion`, `--cid-version`). Raw leaves are always
   * CIDv1. Default: the profile's, else 1 when `hash` is not sha2-256, else {@link DEFAULT_CID_VERSION}.
   */
  cidVersion?: 0 | 1
  /** Multihash function (`Import.HashFunction`, `--hash`). CIDv0 allows only sha2-256. Default {@link DEFAULT_HASH}. */
  hash?: HashName
  /**
   * Store leaves as raw blocks instead of dag-pb UnixFS nodes (`Import.UnixFSRawLeaves`,
   * `--raw-leaves`). Default: the profile's, else `true` under CIDv1, else {@link DEFAULT_RAW_LEAVES}.
   * A file with `mode` or `mtime` always uses dag-pb leaves; setting this to `true` explicitly
   * makes such a file an error, as in Kubo.
   */
  rawLeaves?: boolean
  /**
   * Chunker string (`Import.UnixFSChunker`, `--chunker`): `size-N` (1 ≤ N ≤ 2096896),
   * `rabin`, `rabin-AVG` or `rabin-MIN-AVG-MAX`. Default {@link DEFAULT_CHUNKER}.
   */
  chunker?: string
  /** File DAG layout (`Import.UnixFSDAGLayout`, `--trickle`). Default {@link DEFAULT_LAYOUT}. */
  layout?: DagLayout
  /**
   * Maximum children of a file node (`Import.UnixFSFileMaxLinks`, `--max-file-links`); also the
   * number of leaves at each trickle node's first layer. At least 2. Default {@link DEFAULT_MAX_LINKS}.
   */
  maxLinks?: number
  /** Trickle layers of each depth (boxo `depthRepeat`). At least 1. Default {@link DEFAULT_TRICKLE_LAYER_REPEAT}. */
  trickleLayerRepeat?: number
  /**
   * Maximum links of a basic directory before it is sharded, 0 for no limit
   * (`Import.UnixFSDirectoryMaxLinks`). Default {@link DEFAULT_MAX_DIRECTORY_LINKS}.
   */
  maxDirectoryLinks?: number
  /**
   * HAMT shard width, a power of two from 8 to 1024 (`Import.UnixFSHAMTDirectoryMaxFanout`).
   * Default {@link DEFAULT_HAMT_FANOUT}.
   */
  hamtFanout?: number
  /**
   * Directory size above which it becomes a HAMT, in bytes (`Import.UnixFSHAMTDirectorySizeThreshold`;
   * sharding happens when the estimate is strictly greater). Default {@link DEFAULT_HAMT_THRESHOLD}.
   */
  hamtThreshold?: number
  /** How the directory size is estimated. Default {@link DEFAULT_HAMT_SIZE_ESTIMATION}. */
  hamtSizeEstimation?: HamtSizeEstimation
  /** Wrap everything in one root directory named '' (`ipfs add -w`). Default {@link DEFAULT_WRAP_WITH_DIRECTORY}. */
  wrapWithDirectory?: boolean
  /**
   * Blocks (leaves and nodes) of at most this many bytes get identity CIDs, the bytes held in the
   * CID itself (Kubo's `add --inline --inline-limit N`), at most {@link MAX_IDENTITY_DIGEST_SIZE}.
   * Default: none are inlined.
   */
  inlineLimit?: number
  /** Most blocks per `putMany` call. Default {@link DEFAULT_BATCH_MAX_BLOCKS}. */
  batchMaxBlocks?: number
  /** Most block bytes per `putMany` call (a batch closes once it reaches this). Default {@link DEFAULT_BATCH_MAX_BYTES}. */
  batchMaxBytes?: number
}

// shared with buildDirectory's own defaults, so the two cannot drift apart
export const DEFAULT_CID_VERSION = DIRECTORY_DEFAULT_CID_VERSION
export const DEFAULT_HASH: HashName = 'sha2-256'
export const DEFAULT_RAW_LEAVES = false
export const DEFAULT_CHUNKER = 'size-262144'
export const DEFAULT_LAYOUT: DagLayout = 'balanced'
/** boxo `DefaultLinksPerBlock` = 8192 / 47 */
export const DEFAULT_MAX_LINKS = 174
/** boxo trickle `depthRepeat` */
export const DEFAULT_TRICKLE_LAYER_REPEAT = 4
export const DEFAULT_MAX_DIRECTORY_LINKS = DIRECTORY_DEFAULT_MAX_LINKS
export const DEFAULT_HAMT_FANOUT = DEFAULT_SHARD_FANOUT
export const DEFAULT_HAMT_THRESHOLD = DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES
export const DEFAULT_HAMT_SIZE_ESTIMATION: HamtSizeEstimation = DEFAULT_SIZE_ESTIMATION
export const DEFAULT_WRAP_WITH_DIRECTORY = false
/** Kubo's `Import.BatchMaxNodes` */
export const DEFAULT_BATCH_MAX_BLOCKS = 128
export const DEFAULT_BATCH_MAX_BYTES = 16 * 1024 * 1024

type ProfileValues = Required<Pick<ImporterOptions,
'cidVersion' | 'hash' | 'rawLeaves' | 'chunker' | 'layout' | 'maxLinks' | 'maxDirectoryLinks' |
'hamtFanout' | 'hamtThreshold' | 'hamtSizeEstimation'>>

const UNIXFS_V0_2015: ProfileValues = Object.freeze({
  cidVersion: 0,
  hash: 'sha2-256',
  rawLeaves: false,
  chunker: 'size-262144',
  layout: 'balanced',
  maxLinks: 174,
  maxDirectoryLinks: 0,
  hamtFanout: 256,
  hamtThreshold: 262144,
  hamtSizeEstimation: 'links'
})

const UNIXFS_V1_2025: ProfileValues = Object.freeze({
  cidVersion: 1,
  hash: 'sha2-256',
  rawLeaves: true,
  chunker: 'size-1048576',
  layout: 'balanced',
  maxLinks: 1024,
  maxDirectoryLinks: 0,
  hamtFanout: 256,
  hamtThreshold: 262144,
  hamtSizeEstimation: 'block'
})

/** Kubo's import profiles (kubo `config/profile.go`, IPIP-499). */
export const IMPORT_PROFILES: Readonly<Record<ImportProfileName, Readonly<ProfileValues>>> = Object.freeze({
  'unixfs-v0-2015': UNIXFS_V0_2015,
  'legacy-cid-v0': UNIXFS_V0_2015,
  'unixfs-v1-2025': UNIXFS_V1_2025
})

/** Options with every default applied and every derived rule resolved. */
export interface ResolvedImporterOptions {
  cidVersion: 0 | 1
  hash: HashName
  hasher: Hasher
  rawLeaves: boolean
  /** true when `rawLeaves` was given by the caller (not by a profile or a rule) */
  rawLeavesExplicit: boolean
  chunker: ChunkerSpec
  layout: DagLayout
  maxLinks: number
  trickleLayerRepeat: number
  maxDirectoryLinks: number
  hamtFanout: number
  hamtThreshold: number
  hamtSizeEstimation: HamtSizeEstimation
  wrapWithDirectory: boolean
  batchMaxBlocks: number
  batchMaxBytes: number
}

function integer (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`invalid ${name} ${String(value)}: expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`)
  }
  return value
}

function oneOf<T extends string> (name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`invalid ${name} "${value}": expected one of ${allowed.join(', ')}`)
  }
  return value as T
}

/**
 * Resolves import options: explicit values, then the profile, then the defaults, then Kubo's
 * rules. Throws `InvalidArgumentError` for inconsistent or out-of-range options,
 * `UnsupportedHashError` for an unknown hash and `InvalidChunkerError` for a bad chunker.
 */
export function resolveImporterOptions (options: ImporterOptions = {}): ResolvedImporterOptions {
  let profile: Partial<ProfileValues> = {}
  if (options.profile != null) {
    const found = (IMPORT_PROFILES as Record<string, ProfileValues | undefined>)[options.profile]
    if (found == null) {
      throw new InvalidArgumentError(`unknown import profile "${String(options.profile)}": expected one of ${Object.keys(IMPORT_PROFILES).join(', ')}`)
    }
    profile = found
  }

  let hasher = getHasher(options.hash ?? profile.hash ?? DEFAULT_HASH)
  if (options.inlineLimit != null) {
    if (options.inlineLimit > MAX_IDENTITY_DIGEST_SIZE) {
      throw new InvalidArgumentError(`inline limit ${options.inlineLimit} is above the largest identity CID digest, ${MAX_IDENTITY_DIGEST_SIZE} bytes`)
    }
    hasher = { ...hasher, inlineLimit: integer('inlineLimit', options.inlineLimit, 0) }
  }
  const cidVersionGiven = options.cidVersion ?? profile.cidVersion
  if (cidVersionGiven != null && cidVersionGiven !== 0 && cidVersionGiven !== 1) {
    throw new InvalidArgumentError(`invalid cidVersion ${String(cidVersionGiven)}: expected 0 or 1`)
  }
  const cidVersion: 0 | 1 = cidVersionGiven ?? (hasher.name === 'sha2-256' ? DEFAULT_CID_VERSION : 1) as 0 | 1
  if (cidVersion === 0 && hasher.name !== 'sha2-256') {
    throw new InvalidArgumentError(`CIDv0 only supports sha2-256: use cidVersion 1 with hash ${hasher.name}`)
  }

  const hamtFanout = options.hamtFanout ?? profile.hamtFanout ?? DEFAULT_HAMT_FANOUT
  validateHamtFanout(hamtFanout)

  const rawLeavesGiven = options.rawLeaves ?? profile.rawLeaves
  const rawLeaves = rawLeavesGiven ?? (cidVersion === 1 ? true : DEFAULT_RAW_LEAVES)

  return {
    cidVersion,
    hash: hasher.name,
    hasher,
    rawLeaves,
    rawLeavesExplicit: options.rawLeaves != null,
    chunker: parseChunker(options.chunker ?? profile.chunker ?? DEFAULT_CHUNKER),
    layout: oneOf('layout', options.layout ?? profile.layout ?? DEFAULT_LAYOUT, ['balanced', 'trickle']),
    maxLinks: integer('maxLinks', options.maxLinks ?? profile.maxLinks ?? DEFAULT_MAX_LINKS, 2),
    trickleLayerRepeat: integer('trickleLayerRepeat', options.trickleLayerRepeat ?? DEFAULT_TRICKLE_LAYER_REPEAT, 1),
    maxDirectoryLinks: integer('maxDirectoryLinks', options.maxDirectoryLinks ?? profile.maxDirectoryLinks ?? DEFAULT_MAX_DIRECTORY_LINKS, 0),
    hamtFanout,
    hamtThreshold: integer('hamtThreshold', options.hamtThreshold ?? profile.hamtThreshold ?? DEFAULT_HAMT_THRESHOLD, 0),
    hamtSizeEstimation: oneOf('hamtSizeEstimation', options.hamtSizeEstimation ?? profile.hamtSizeEstimation ?? DEFAULT_HAMT_SIZE_ESTIMATION, ['links', 'block', 'disabled']),
    wrapWithDirectory: options.wrapWithDirectory ?? DEFAULT_WRAP_WITH_DIRECTORY,
    batchMaxBlocks: integer('batchMaxBlocks', options.batchMaxBlocks ?? DEFAULT_BATCH_MAX_BLOCKS, 1),
    batchMaxBytes: integer('batchMaxBytes', options.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES, 1)
  }
}
