/**
 * One path resolver for every command and the gateway: `/ipfs/<cid>[/path]`, a bare CID
 * (`<cid>[/path]`) and `/ipns/<name>[/path]` become the CID of the block the path names.
 *
 * A bare CID costs nothing: it is parsed with the light `dag/path.ts` and returned without
 * loading the dag layer or reading a block (so `block/stat` through a daemon stays a parse and
 * an index lookup). A path with segments walks the DAG with the exporter's `resolve`. `/ipns/`
 * goes to naming (IPNS keys and DNSLink names); a resolver built without naming fails such a
 * path with `NamingOffError`.
 */
import { CID } from 'multiformats/cid'
import type { AbortOptions, BlockGetter } from '../blockstore/index.ts'
import type { EntryInfo, ParsedPath } from '../dag/index.ts'
import { parseContentPath, printable, type ContentPath } from '../dag/path.ts'
import { NamingOffError } from '../errors/index.ts'
import { loggerFor, type ComponentLogger } from '../logger/index.ts'
import { dagModule } from './commands/dag-module.ts'

/** Where a path leads. */
export interface ResolvedPath {
  /** The CID the path starts from (for `/ipns/`, the CID the name pointed to). */
  root: CID
  /** The cleaned components below the root. */
  segments: string[]
  /** The block the path names. */
  cid: CID
  /** Components left inside a dag-cbor / dag-json value after its last link (else empty). */
  remainder: string[]
  /** What the block is; present when the block was read (a path with segments, or `describe`). */
  entry?: EntryInfo
}

/** Options of {@link PathResolver}. */
export interface ResolvePathOptions extends AbortOptions {
  /** Where blocks are read. Default: the node's block service. */
  blocks?: BlockGetter
  /** Read and describe the block even for a bare CID (sets {@link ResolvedPath.entry}). Default false. */
  describe?: boolean
}

/** A path in any form: text, a CID, an already parsed `/ipfs/` path, or a namespaced one. */
export type PathInput = string | CID | ParsedPath | ContentPath

/** A {@link ResolvedPath} whose block was read and described (`describe: true`). */
export type DescribedPath = ResolvedPath & { entry: EntryInfo }

/** `node.resolvePath`. */
export interface PathResolver {
  (path: PathInput, options: ResolvePathOptions & { describe: true }): Promise<DescribedPath>
  (path: PathInput, options?: ResolvePathOptions): Promise<ResolvedPath>
}

/** What the resolver asks for `/ipns/` paths: an IPNS name or DNSLink domain to an `/ipfs/` path. */
export interface NameResolver {
  /** Resolves `/ipns/<name>[/rest]` to the `/ipfs/…` path it points at (recursively). */
  resolve(path: string, options?: AbortOptions): Promise<string>
}

/** Collaborators of the resolver. */
export interface PathResolverComponents {
  /** The node's block service. */
  blocks: BlockGetter
  /** IPNS and DNSLink, loaded on first use. Absent: `/ipns/` paths fail with `NamingOffError`. */
  naming?: () => Promise<NameResolver>
  logger?: ComponentLogger
}

function toContentPath (path: PathInput): ContentPath {
  if (typeof path === 'string') return parseContentPath(path)
  const cid = CID.asCID(path)
  if (cid != null) return { namespace: 'ipfs', root: cid, segments: [] }
  if ('namespace' in path) return path
  const parsed = path as ParsedPath
  return { namespace: 'ipfs', root: parsed.root, segments: parsed.segments }
}

/** The resolver the node exposes as `node.resolvePath`. */
export function createPathResolver (components: PathResolverComponents): PathResolver {
  const log = loggerFor(components.logger, 'cairn:core:resolve')
  return async function resolvePath (input: PathInput, options: ResolvePathOptions = {}): Promise<DescribedPath> {
    let path = toContentPath(input)
    if (path.namespace === 'ipns') {
      if (components.naming == null) {
        log('cannot resolve /ipns/%s: naming is off', path.name)
        throw new NamingOffError(`cannot resolve "/ipns/${printable(path.name)}": IPNS is not available here; use an /ipfs/<cid> path`)
      }
      const naming = await components.naming()
      const target = await naming.resolve(['/ipns', path.name, ...path.segments].join('/'), { signal: options.signal })
      log('/ipns/%s is %s', path.name, target)
      path = parseContentPath(target)
      if (path.namespace === 'ipns') throw new NamingOffError(`"/ipns/${printable(path.name)}" did not resolve to an /ipfs/ path`)
    }
    const { root, segments } = path
    if (segments.length === 0 && options.describe !== true) {
      // no block was read: `entry` is only promised to callers that asked to `describe`
      return { root, segments, cid: root, remainder: [] } as unknown as DescribedPath
    }
    const { resolve } = await dagModule()
    const result = await resolve({ root, segments }, options.blocks ?? components.blocks, { signal: options.signal })
    return { root, segments, cid: result.cid, remainder: result.remainder ?? [], entry: result.entry }
  }
}
