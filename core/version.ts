/**
 * Cairn's version, from package.json. A leaf module (it imports nothing of Cairn's) so that the
 * libp2p host, the `version` and `init` commands and the RPC answers can all name the version
 * without importing each other. Imported as JSON, not read beside this file, so that the bundle
 * (bin/build.ts), whose chunks live elsewhere, carries it too.
 */
import pkg from '../package.json' with { type: 'json' }

/** Cairn's version, from package.json. */
export const CAIRN_VERSION: string = pkg.version
