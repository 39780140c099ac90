/**
 * `cid format`, `cid base32`, `cid bases`, `cid codecs` and `cid hashes`: converting CIDs and
 * listing what they can be made of, in Kubo's shapes (`{"CidStr","Formatted","ErrorMsg"}` per
 * CID, `[{"Code","Name"}]` lists). The multibases are multiformats' own; the codecs and hash
 * functions are those of blockstore/codes.ts that Cairn can store and verify.
 *
 * A CID that does not parse or convert is reported on stderr (`<cid>: <why>`) while the others
 * are printed, and the command then fails with Kubo's "errors while displaying some entries".
 */
import { bases } from './cid-base.ts'
import { CID } from 'multiformats/cid'
import type { MultibaseCodec } from 'multiformats/bases/interface'
import { InvalidArgumentError, messageOf, UnsupportedCodecError } from '../../errors/index.ts'
import {
  BLAKE2B_MAX, BLAKE2B_MIN, BLAKE2S_MAX, BLAKE2S_MIN, BLAKE3, CBOR, DAG_CBOR, DAG_JSON, DAG_PB, IDENTITY, JSON_CODE,
  KECCAK_224, KECCAK_256, KECCAK_384, KECCAK_512, LIBP2P_KEY, RAW, SHA1, SHA2_256, SHA2_384, SHA2_512, SHA3_224,
  SHA3_256, SHA3_384, SHA3_512
} from '../../blockstore/codes.ts'
import { parseCID } from '../../dag/path.ts'
import { defineCommand } from '../command.ts'

/** Kubo's answer for one CID: the formatted CID, or why it could not be. */
export interface CidFormatResult {
  CidStr: string
  Formatted: string
  ErrorMsg: string
}

/** Kubo's entry of `cid bases`, `codecs` and `hashes`. */
export interface CodeAndName {
  Code: number
  Name: string
}

/** The block codecs of blockstore/codes.ts, by their multicodec names: every one can be stored and read. */
const CODECS: readonly CodeAndName[] = [
  { Code: CBOR, Name: 'cbor' },
  { Code: RAW, Name: 'raw' },
  { Code: DAG_PB, Name: 'dag-pb' },
  { Code: DAG_CBOR, Name: 'dag-cbor' },
  { Code: LIBP2P_KEY, Name: 'libp2p-key' },
  { Code: DAG_JSON, Name: 'dag-json' },
  { Code: JSON_CODE, Name: 'json' }
]

/** The hash codes of blockstore/codes.ts, besides the sized blake2 ranges. */
const HASH_CODES: readonly number[] = [
  IDENTITY, SHA1, SHA2_256, SHA2_512, SHA2_384, SHA3_512, SHA3_384, SHA3_256, SHA3_224,
  KECCAK_224, KECCAK_256, KECCAK_384, KECCAK_512, BLAKE3
]

/** Every multibase, by name and by prefix. */
const BASES: readonly MultibaseCodec<string>[] = Object.values(bases)

function baseByName (name: string): MultibaseCodec<string> {
  const base = BASES.find(b => b.name === name)
  if (base == null) throw new InvalidArgumentError(`unknown multibase "${name}": see cid bases`)
  return base
}

function codecName (code: number): string {
  return CODECS.find(c => c.Code === code)?.Name ?? `0x${code.toString(16)}`
}

/** The name of a multihash code, from the one registry (loaded with the command that needs it). */
type HashName = (code: number) => string

async function hashNames (format: string): Promise<HashName> {
  // the registry (with @noble/hashes) is loaded only by a format that prints a hash's name
  if (!/%[hP]/.test(format)) return (code) => `0x${code.toString(16)}`
  const { hashFunctionByCode } = await import('../../blockstore/hashes.ts')
  return (code) => hashFunctionByCode(code)?.name ?? `0x${code.toString(16)}`
}

/** What `cid format` does to each CID. */
interface FormatOptions {
  format: string
  /** The multibase to print in; undefined keeps the CID's own (base58btc for v0). */
  base: MultibaseCodec<string> | undefined
  version: 0 | 1 | undefined
  codec: number | undefined
}

/** Encodes in a multibase, with or without its prefix. */
function encode (base: MultibaseCodec<string>, bytes: Uint8Array, prefix: boolean): string {
  const text = base.encoder.encode(bytes)
  return prefix ? text : text.slice(base.prefix.length)
}

/**
 * Kubo's printf-style CID format (go-cidutil): `%s` the CID, `%S` without multibase prefix,
 * `%b`/`%B` multibase name/prefix, `%v`/`%V` version, `%c`/`%C` codec name/code, `%h`/`%H` hash
 * name/code, `%L` digest length, `%m`/`%M` multihash, `%d`/`%D` digest (in the multibase, with
 * and without prefix), `%P` the prefix `cidv1-raw-sha2-256-32`, `%%` a percent sign.
 */
export function formatCid (format: string, base: MultibaseCodec<string>, cid: CID, hashName: HashName): string {
  let out = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%') {
      out += c
      continue
    }
    const spec = format[++i]
    switch (spec) {
      case '%': out += '%'; break
      case 'b': out += base.name; break
      case 'B': out += base.prefix; break
      case 'v': out += `cidv${cid.version}`; break
      case 'V': out += String(cid.version); break
      case 'c': out += codecName(cid.code); break
      case 'C': out += String(cid.code); break
      case 'h': out += hashName(cid.multihash.code); break
      case 'H': out += String(cid.multihash.code); break
      case 'L': out += String(cid.multihash.size); break
      case 'm': out += encode(base, cid.multihash.bytes, true); break
      case 'M': out += encode(base, cid.multihash.bytes, false); break
      case 'd': out += encode(base, cid.multihash.digest, true); break
      case 'D': out += encode(base, cid.multihash.digest, false); break
      case 's': out += cid.version === 0 ? cid.toString() : cid.toString(base.encoder); break
      case 'S': out += cid.version === 0 ? cid.toString() : encode(base, cid.bytes, false); break
      case 'P': out += `cidv${cid.version}-${codecName(cid.code)}-${hashName(cid.multihash.code)}-${cid.multihash.size}`; break
      default:
        throw new InvalidArgumentError(`invalid format string ${JSON.stringify(format)}: ` +
          (spec == null ? 'it ends with %' : `unknown specifier %${spec}`))
    }
  }
  return out
}

/** Converts and formats one CID; an error is the CID's own, reported beside it. */
function formatOne (text: string, options: FormatOptions, hashName: HashName): CidFormatResult {
  let cid: CID
  try {
    cid = parseCID(text)
    if (options.codec != null && options.codec !== cid.code) cid = CID.createV1(options.codec, cid.multihash)
    if (options.version === 0) {
      if (cid.code !== DAG_PB) throw new InvalidArgumentError('can\'t convert non-dag-pb nodes to cidv0')
      cid = cid.toV0()
    } else if (options.version === 1) {
      cid = cid.toV1()
    }
  } catch (err) {
    return { CidStr: text, Formatted: '', ErrorMsg: messageOf(err) }
  }
  // no base given: v0 in base58btc, v1 in the base it was written in
  const base = options.base ?? (cid.version === 0
    ? bases.base58btc
    : BASES.find(b => text.startsWith(b.prefix) && b.name !== 'identity') ?? bases.base32)
  return { CidStr: text, Formatted: formatCid(options.format, base, cid, hashName), ErrorMsg: '' }
}

/** Reads `cid format`'s options as Kubo does, refusing impossible combinations up front. */
function formatOptions (options: Record<string, unknown>): FormatOptions {
  const format = String(options.f)
  if (!format.includes('%')) throw new InvalidArgumentError(`invalid format string: ${JSON.stringify(format)}`)
  const baseName = options.b != null && options.b !== '' ? String(options.b) : undefined
  let codec: number | undefined
  if (options.mc != null && options.mc !== '') {
    const found = CODECS.find(c => c.Name === options.mc)
    if (found == null) throw new UnsupportedCodecError(`unknown codec "${String(options.mc)}": valid codecs are ${CODECS.map(c => c.Name).join(', ')}`)
    codec = found.Code
  }
  let version: 0 | 1 | undefined
  switch (options.v) {
    case undefined: case '':
      // a base other than the CID's own means CIDv1, as Kubo does
      version = baseName != null ? 1 : undefined
      break
    case '0':
      if (codec != null && codec !== DAG_PB) throw new InvalidArgumentError('cannot convert to CIDv0 with any codec other than dag-pb')
      if (baseName != null && baseName !== 'base58btc') throw new InvalidArgumentError('cannot convert to CIDv0 with any multibase other than the implicit base58btc')
      version = 0
      break
    case '1':
      version = 1
      break
    default:
      throw new InvalidArgumentError(`invalid cid version: ${JSON.stringify(String(options.v))}`)
  }
  return { format, base: baseName != null ? baseByName(baseName) : undefined, version, codec }
}

const cidArg = { name: 'cid', required: true, variadic: true, description: 'CIDs to convert' }
const formatText = (result: CidFormatResult): string | undefined => result.ErrorMsg === '' ? result.Formatted : undefined
const formatFailure = (result: CidFormatResult): string | undefined => result.ErrorMsg === '' ? undefined : `${result.CidStr}: ${result.ErrorMsg}`

export const cidFormat = defineCommand<CidFormatResult>({
  path: 'cid format',
  description: 'Format and convert CIDs',
  args: [cidArg],
  options: [
    { name: 'f', type: 'string', default: '%s', description: 'printf-style format, Kubo\'s: %s CID (%S without multibase prefix), %b/%B multibase name/prefix, %v/%V version, %c/%C codec name/code, %h/%H hash name/code, %L digest length, %m/%M multihash, %d/%D digest, %P prefix, %% a percent sign' },
    { name: 'v', type: 'string', description: 'CID version to convert to (0 or 1)' },
    { name: 'mc', type: 'string', description: 'codec to convert to (see cid codecs)' },
    { name: 'b', type: 'string', description: 'multibase to print the CID in (see cid bases)' }
  ],
  output: 'stream',
  needsRepo: false,
  text: formatText,
  failure: formatFailure,
  async * run ({ args, options }) {
    const settings = formatOptions(options)
    const hashName = await hashNames(settings.format)
    for (const arg of args) yield formatOne(arg, settings, hashName)
  }
})

export const cidBase32 = defineCommand<CidFormatResult>({
  path: 'cid base32',
  description: 'Convert CIDs to CIDv1 in base32, their canonical case-insensitive form',
  args: [cidArg],
  options: [],
  output: 'stream',
  needsRepo: false,
  text: formatText,
  failure: formatFailure,
  async * run ({ args }) {
    const settings: FormatOptions = { format: '%s', base: bases.base32, version: 1, codec: undefined }
    const hashName = await hashNames(settings.format)
    for (const arg of args) yield formatOne(arg, settings, hashName)
  }
})

/** Kubo's order of bases: by prefix letter ignoring case, lower case first. */
function compareBases (a: CodeAndName, b: CodeAndName): number {
  const lower = (code: number): number => String.fromCodePoint(code).toLowerCase().codePointAt(0) as number
  return (lower(a.Code) - lower(b.Code)) || (b.Code - a.Code)
}

export const cidBases = defineCommand<CodeAndName[]>({
  path: 'cid bases',
  description: 'List the multibases',
  args: [],
  options: [
    { name: 'prefix', type: 'boolean', default: false, description: 'show each base\'s prefix too' },
    { name: 'numeric', type: 'boolean', default: false, description: 'show each base\'s numeric code too' }
  ],
  output: 'value',
  needsRepo: false,
  text: (list, options) => [...list].sort(compareBases).map(({ Code, Name }) => {
    // Kubo prints a space for a prefix that is not printable (identity's NUL)
    const prefix = Code < 0x20 ? ' ' : String.fromCodePoint(Code)
    if (options.prefix === true && options.numeric === true) return `${prefix} ${String(Code).padStart(7)}  ${Name}`
    if (options.prefix === true) return `${prefix}  ${Name}`
    if (options.numeric === true) return `${String(Code).padStart(7)}  ${Name}`
    return Name
  }).join('\n'),
  async run () {
    return BASES.map(b => ({ Code: b.prefix.codePointAt(0) as number, Name: b.name }))
  }
})

/** Kubo's text of a code list: by code, with `--numeric` the code right-aligned in 5. */
function codeList (list: CodeAndName[], options: Record<string, unknown>): string {
  return [...list].sort((a, b) => a.Code - b.Code)
    .map(({ Code, Name }) => options.numeric === true ? `${String(Code).padStart(5)}  ${Name}` : Name).join('\n')
}

const listOptions = [
  { name: 'numeric', short: 'n', type: 'boolean' as const, default: false, description: 'show each numeric code too' },
  { name: 'supported', short: 's', type: 'boolean' as const, default: false, description: 'only those Cairn supports (all it lists)' }
]

export const cidCodecs = defineCommand<CodeAndName[]>({
  path: 'cid codecs',
  description: 'List the CID codecs Cairn knows',
  args: [],
  options: listOptions,
  output: 'value',
  needsRepo: false,
  text: codeList,
  async run () {
    return CODECS.map(c => ({ ...c }))
  }
})

export const cidHashes = defineCommand<CodeAndName[]>({
  path: 'cid hashes',
  description: 'List the multihash functions Cairn can compute and verify',
  args: [],
  options: listOptions,
  output: 'value',
  needsRepo: false,
  text: codeList,
  async run () {
    const { hashFunctionByCode } = await import('../../blockstore/hashes.ts')
    const codes = [...HASH_CODES]
    for (let code = BLAKE2B_MIN; code <= BLAKE2B_MAX; code++) codes.push(code)
    for (let code = BLAKE2S_MIN; code <= BLAKE2S_MAX; code++) codes.push(code)
    const list: CodeAndName[] = []
    for (const code of codes) {
      const fn = hashFunctionByCode(code)
      if (fn != null) list.push({ Code: code, Name: fn.name })
    }
    return list
  }
})
