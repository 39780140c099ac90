/**
 * Cairn's version, read once from package.json. A leaf module (it imports nothing of Cairn's) so
 * that the libp2p host, the `version` and `init` commands and the RPC answers can all name the
 * version without importing each other.
 */
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/** Cairn's version, from package.json. */
export const CAIRN_VERSION: string = pkg.version
