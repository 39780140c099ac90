/**
 * The repo on disk: paths, lock, config (Kubo's key names) and the metadata datastore.
 */
export * from './config.ts'
export * from './config-sections.ts'
export * from './duration.ts'
export * from './repo.ts'
export * from './metadata-store.ts'
