/**
 * `--cid-base`: the multibase commands print CIDs in, as Kubo's `cmdenv.GetCidEncoder` does. A
 * CIDv0 has no multibase prefix (it is always base58btc), so asking for any other base prints the
 * CIDv1 of the same block instead (Kubo's implicit `--upgrade-cidv0-in-output`).
 */
import * as base10 from 'multiformats/bases/base10'
import * as base16 from 'multiformats/bases/base16'
import * as base2 from 'multiformats/bases/base2'
import * as base256emoji from 'multiformats/bases/base256emoji'
import * as base32 from 'multiformats/bases/base32'
import * as base36 from 'multiformats/bases/base36'
import * as base58 from 'multiformats/bases/base58'
import * as base64 from 'multiformats/bases/base64'
import * as base8 from 'multiformats/bases/base8'
import * as identityBase from 'multiformats/bases/identity'
import type { CID } from 'multiformats/cid'
import type { MultibaseEncoder } from 'multiformats/bases/interface'
import { InvalidArgumentError } from '../../errors/index.ts'
import type { OptionSpec } from '../command.ts'

/** The option as every command that prints CIDs declares it (Kubo's name and meaning). */
export const CID_BASE_OPTION: OptionSpec = {
  name: 'cid-base',
  type: 'string',
  description: 'multibase to print CIDs in (base32, base36, base58btc, …); CIDv0 is printed as CIDv1 in any base but base58btc'
}

/**
 * Every multibase multiformats has, as `multiformats/basics` lists them, imported one by one:
 * `basics` also loads the hashers (and with them node:crypto), which a `cat` through a daemon
 * does not need.
 */
export const bases = { ...identityBase, ...base2, ...base8, ...base10, ...base16, ...base32, ...base36, ...base58, ...base64, ...base256emoji }

/** Encodes a CID as a command prints it. */
export type CidEncoder = (cid: CID) => string

let byName: Map<string, MultibaseEncoder<string>> | undefined

/** Every multibase this build knows, by name (`base32`) and by prefix character (`b`). */
function encoders (): Map<string, MultibaseEncoder<string>> {
  if (byName != null) return byName
  byName = new Map()
  for (const codec of Object.values(bases)) {
    byName.set(codec.name, codec.encoder)
    if (!byName.has(codec.prefix)) byName.set(codec.prefix, codec.encoder)
  }
  return byName
}

/**
 * The encoder for a command's options: the CID's own form when `--cid-base` is not given, else
 * that base (CIDv0 upgraded to v1 unless the base is base58btc). Throws `InvalidArgumentError`
 * naming the option for an unknown base.
 */
export function cidEncoder (options: Record<string, unknown>): CidEncoder {
  const name = options['cid-base']
  if (typeof name !== 'string' || name === '') return (cid) => cid.toString()
  const encoder = encoders().get(name)
  if (encoder == null) {
    throw new InvalidArgumentError(`--cid-base: unknown multibase "${name}" (use one of ${[...new Set([...encoders().values()].map(e => e.name))].join(', ')})`)
  }
  return (cid) => {
    if (cid.version === 0) {
      return encoder.name === 'base58btc' ? cid.toString() : cid.toV1().toString(encoder)
    }
    return cid.toString(encoder)
  }
}
