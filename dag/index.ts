/**
 * The DAG layer: the UnixFS importer and exporter, path resolution, CAR import/export, and the
 * IPLD codec and hash helpers.
 */
export * from './importer/index.ts'
export * from './exporter/index.ts'
export * from './car.ts'
export * from './codecs.ts'
export * from './ipld-path.ts'
export { hasherByName, hasherByCode, hashBytes, verifyBlock, HASH_NAMES } from './hashes.ts'
// links are read in one place, at the lowest layer that needs them (pins and GC)
export { linksOf, namedLinksOf } from '../blockstore/index.ts'
export type { NamedLink } from '../blockstore/index.ts'
export * from './dag-walk.ts'
