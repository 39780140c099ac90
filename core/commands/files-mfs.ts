/**
 * What the `files` commands share: the node's one {@link Mfs} (its mutex must be shared by every
 * request the daemon serves), and the options Kubo's `files` commands read from flags and the
 * `Import` config.
 */
import type { CID } from 'multiformats/cid'
import type { Lease } from '../../blockstore/index.ts'
import type { Mfs, CidFormat, EditOptions } from '../../mfs/index.ts'
import { readImport } from '../../repo/index.ts'
import { InvalidArgumentError, InvalidPathError } from '../../errors/index.ts'
import type { OptionSpec } from '../command.ts'
import type { CoreNode } from '../node.ts'
import { dagModule } from './dag-module.ts'

const services = new WeakMap<CoreNode, Promise<Mfs>>()

/** The node's MFS, made on first use (loaded only by the `files` commands and `add --to-files`). */
export async function mfsOf (node: CoreNode): Promise<Mfs> {
  let mfs = services.get(node)
  if (mfs == null) {
    mfs = (async () => {
      const { Mfs, MFS_DATASTORE } = await import('../../mfs/index.ts')
      return new Mfs({
        blocks: node.blocks,
        sink: node.blockstore,
        leases: { acquire: async (options) => await node.gc.lease(options) },
        datastore: node.metadata.sub(MFS_DATASTORE),
        logger: node.logger
      })
    })()
    services.set(node, mfs)
  }
  return await mfs
}

/** Kubo's `--flush` (default true): Cairn's MFS writes through, so every change is flushed. */
export const FLUSH_OPTION: OptionSpec = { name: 'flush', short: 'f', type: 'boolean', default: true, description: 'flush the target and its ancestors after the change (Cairn always does)' }

/** Kubo's `--cid-version` of the `files` commands. */
export const CID_VERSION_OPTION: OptionSpec = { name: 'cid-version', type: 'number', description: 'CID version to use (default from Import.CidVersion, 0)' }

/** Kubo's `--hash` of the `files` commands. */
export const HASH_OPTION: OptionSpec = { name: 'hash', type: 'string', description: 'hash function to use; sets the CID version to 1 (default from Import.HashFunction, sha2-256)' }

/**
 * The CID format new directories get (Kubo's `getPrefix`): the flags when given (`--hash`
 * alone means CIDv1), else `fallback` — the `Import` config for most commands, nothing for
 * `chcid`.
 */
export async function cidFormatOf (options: Record<string, unknown>, fallback?: { CidVersion?: number, HashFunction?: string }): Promise<Partial<CidFormat>> {
  const version = options['cid-version'] as number | undefined
  const hash = options.hash as string | undefined
  const { hasherByName } = await dagModule()
  if (version != null || hash != null) {
    const cidVersion = version ?? (hash != null ? 1 : 0)
    if (cidVersion !== 0 && cidVersion !== 1) throw new InvalidArgumentError(`--cid-version must be 0 or 1, not ${cidVersion}`)
    let hashCode: number | undefined
    if (hash != null) {
      try {
        hashCode = hasherByName(hash.toLowerCase()).code
      } catch {
        throw new InvalidArgumentError(`unrecognized hash function: ${JSON.stringify(hash)}`)
      }
    }
    return { cidVersion, hashCode }
  }
  if (fallback == null) return {}
  return {
    cidVersion: fallback.CidVersion === 1 ? 1 : 0,
    hashCode: fallback.HashFunction != null ? hasherByName(fallback.HashFunction).code : undefined
  }
}

/** The options every edit takes: the directory shape from the `Import` config, and the format. */
export async function editOptions (node: CoreNode, options: Record<string, unknown>, signal: AbortSignal): Promise<EditOptions> {
  const imports = readImport(node.repo.config)
  const { resolveImporterOptions, directoryOptions } = await dagModule()
  const { importOptions } = await import('./add.ts')
  const { DEFAULT_CID_FORMAT } = await import('../../mfs/index.ts')
  const directory = directoryOptions(resolveImporterOptions(importOptions(imports, {})))
  const format = await cidFormatOf(options, imports)
  const cidVersion = format.cidVersion ?? DEFAULT_CID_FORMAT.cidVersion
  const hashCode = format.hashCode ?? DEFAULT_CID_FORMAT.hashCode
  if (cidVersion === 0 && hashCode !== DEFAULT_CID_FORMAT.hashCode) {
    throw new InvalidArgumentError('CIDv0 only supports sha2-256; use --cid-version=1 with --hash')
  }
  return { signal, directory, format: { cidVersion, hashCode } }
}

/** A path argument that is a content path (`/ipfs/…`, `/ipns/…`, `ipfs://…`) rather than an MFS path. */
export function isContentPath (path: string): boolean {
  return /^\/(ipfs|ipns)\//.test(path) || /^(ipfs|ipns):\/\//.test(path)
}

/** `ipfs://x/y` as `/ipfs/x/y`; anything else unchanged. */
export function contentPath (path: string): string {
  const match = /^(ipfs|ipns):\/\/(.*)$/.exec(path)
  if (match == null) return path
  if (match[2] === '') throw new InvalidPathError(`${path} names no content`)
  return `/${match[1]}/${match[2]}`
}

/**
 * `add --to-files`: puts each root an add produced at `dest` in MFS (inside it, under the
 * root's name, when `dest` ends in `/`), under the add's own GC lease.
 */
export async function linkIntoMfs (node: CoreNode, roots: Array<{ path: string, cid: CID }>, dest: string, options: { signal: AbortSignal, lease?: Lease }): Promise<void> {
  if (roots.length > 1 && !dest.endsWith('/')) {
    throw new InvalidArgumentError(`cannot add multiple items to MFS path ${dest}: end it with / to add them into that directory`)
  }
  const mfs = await mfsOf(node)
  const edit = { ...await editOptions(node, {}, options.signal), lease: options.lease }
  for (const root of roots) {
    const name = root.path === '' ? root.cid.toString() : root.path
    await mfs.cp(root.cid, name, dest, edit)
  }
}
