/**
 * The DAG layer: the UnixFS importer and exporter, path resolution, CAR import/export, and the
 * IPLD codec and hash helpers.
 */
export * from './importer/index.ts'
export * from './exporter/index.ts'
export * from './car.ts'
export * from './codecs.ts'
export { hasherByName, hasherByCode, hashBytes, verifyBlock, HASH_NAMES } from './hashes.ts'
export * from './links.ts'
export * from './dag-walk.ts'
