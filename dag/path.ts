/**
 * Content paths: `<cid>`, `<cid>/a/b` and `/ipfs/<cid>/a/b`, parsed into a root CID and the path
 * components below it.
 *
 * Follows the "UnixFS Paths" section of the UnixFS spec (specs:src/unixfs.md): empty components
 * (`a//b`) and `.` are dropped, `..` removes the component on its left, and a `..` that would climb
 * above the root CID is refused. Percent-decoding is the HTTP gateway's job, not this module's.
 */

import { CID } from 'multiformats/cid'
import { bases } from 'multiformats/basics'
import { InvalidCIDError, InvalidPathError, messageOf } from '../errors/index.ts'
// the leaf module, not the blockstore's door: the CLI parses paths without loading the store
import { checkIdentityDigest } from '../blockstore/decode-limits.ts'
import { SHA2_256 } from '../blockstore/codes.ts'

/** A content path split into its root CID and the names below it. */
export interface ParsedPath {
  /** The CID the path starts from. */
  root: CID
  /** Path components below the root, already cleaned (no empty, `.` or `..` components). */
  segments: string[]
}

/** Anything the exporter accepts as a path: a string, a CID, or an already parsed path. */
export type PathLike = string | CID | ParsedPath

/**
 * Every multibase multiformats knows, by prefix, except `identity` (its prefix is a NUL byte, which
 * has no business in a path).
 */
const BASES_BY_PREFIX: ReadonlyMap<string, { name: string, decode: (text: string) => Uint8Array }> = new Map(
  Object.values(bases)
    .filter(base => base.name !== 'identity')
    .map(base => [base.prefix as string, { name: base.name, decode: (text: string) => base.decoder.decode(text) }])
)

/** The length of every CIDv0 (a base58btc sha2-256 multihash). */
const CIDV0_LENGTH = 46

/**
 * Why a CID did not decode, in words a user who mistyped or cut one can act on (multiformats'
 * own messages, such as "Invalid CID version 80", describe the bytes, not the text).
 */
function cidErrorReason (err: unknown, base: string): string {
  const message = messageOf(err)
  const version = /^Invalid CID version (\d+)/.exec(message)
  if (version != null) return `it does not decode to a CID (it would be CID version ${version[1]}; only 0 and 1 exist): a character is wrong, missing or extra`
  if (message === 'Incorrect length') return 'its length does not match the hash it names: characters are missing or extra'
  if (message === 'Unexpected end of data') return 'it ends too early for a CID: characters are missing (or it is not a CID)'
  if (/^Non-\S+ character$/.test(message)) return `it has a character that is not in the ${base} alphabet${base === 'base58btc' ? ' (which has no 0, O, I or l)' : ''}`
  return `not valid ${base}: ${message}`
}

/**
 * Parses a CID written in any multibase (CIDv0 `Qm…` needs none).
 *
 * @throws InvalidCIDError saying what was wrong (an identity CID over the digest limit included)
 */
export function parseCID (text: string): CID {
  return checkIdentityDigest(parseCIDText(text))
}

function parseCIDText (text: string): CID {
  if (text === '') {
    throw new InvalidCIDError('invalid CID: the CID is empty')
  }
  try {
    // CIDv0 is base58btc without a multibase prefix
    if (text.startsWith('Qm')) {
      if (text.length !== CIDV0_LENGTH) {
        throw new InvalidCIDError(`invalid CID "${printable(text)}": a CIDv0 (Qm…) is ${CIDV0_LENGTH} characters long, this is ${text.length} (characters missing or extra?)`)
      }
      return CID.parse(text)
    }
  } catch (err) {
    if ((err as Error).name === 'InvalidCIDError') throw err
    throw new InvalidCIDError(`invalid CID "${printable(text)}": ${cidErrorReason(err, 'base58btc')}`, { cause: err })
  }
  const prefix = String.fromCodePoint(text.codePointAt(0) as number)
  const base = BASES_BY_PREFIX.get(prefix)
  if (base == null) {
    throw new InvalidCIDError(`invalid CID "${printable(text)}": "${printable(prefix)}" is not a known multibase prefix`)
  }
  let bytes: Uint8Array
  try {
    bytes = base.decode(text)
  } catch (err) {
    throw new InvalidCIDError(`invalid CID "${printable(text)}": ${cidErrorReason(err, base.name)}`, { cause: err })
  }
  let cid: CID
  try {
    cid = CID.decode(bytes)
  } catch (err) {
    throw new InvalidCIDError(`invalid CID "${printable(text)}": ${cidErrorReason(err, base.name)}`, { cause: err })
  }
  // a CIDv0 is a bare sha2-256 multihash (as Kubo's cid parser demands); any other multihash
  // decoded as version 0 would print as something no parser reads back
  if (cid.version === 0 && (cid.multihash.code !== SHA2_256 || cid.multihash.size !== 32)) {
    throw new InvalidCIDError(`invalid CID "${printable(text)}": a CIDv0 must be a sha2-256 multihash`)
  }
  return cid
}

/**
 * Parses a content path.
 *
 * Accepted forms: a bare CID in any multibase, `<cid>/sub/path` and `/ipfs/<cid>/sub/path`.
 *
 * @throws InvalidCIDError when the CID part does not decode
 * @throws InvalidPathError for an empty path, a namespace other than `/ipfs/`, `/ipns/` (IPNS is not
 *   available yet) or a `..` that climbs above the root CID
 */
export function parsePath (input: string): ParsedPath {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new InvalidPathError('invalid path: the path is empty; give a CID or /ipfs/<cid>[/path]')
  }
  const parts = input.split('/')
  let rest: string[]
  if (input.startsWith('/')) {
    const components = parts.filter(part => part !== '')
    const namespace = components[0]
    if (namespace === 'ipns') {
      throw new InvalidPathError(`cannot resolve "${printable(input)}": IPNS names are not available yet; use an /ipfs/<cid> path`)
    }
    if (namespace !== 'ipfs') {
      throw new InvalidPathError(`invalid path "${printable(input)}": a path starting with "/" must be /ipfs/<cid>[/path]`)
    }
    if (components.length < 2) {
      throw new InvalidPathError(`invalid path "${printable(input)}": no CID after /ipfs/`)
    }
    rest = components.slice(1)
  } else {
    rest = parts.filter(part => part !== '')
  }
  const [cidText, ...below] = rest
  const root = parseCID(cidText)
  return { root, segments: cleanSegments(below, input) }
}

/** A content path by namespace: an `/ipfs/` path has a root CID, an `/ipns/` path a name to resolve. */
export type ContentPath =
  | { namespace: 'ipfs', root: CID, segments: string[] }
  | { namespace: 'ipns', name: string, segments: string[] }

/**
 * Parses a content path of either namespace: a bare CID, `<cid>/sub/path`, `/ipfs/<cid>/sub/path`
 * or `/ipns/<name>/sub/path` (the name is not checked here: that is naming's job).
 *
 * @throws InvalidCIDError / InvalidPathError as {@link parsePath}, and InvalidPathError for
 *   `/ipns/` without a name
 */
export function parseContentPath (input: string): ContentPath {
  if (typeof input === 'string' && input.startsWith('/')) {
    const components = input.split('/').filter(part => part !== '')
    if (components[0] === 'ipns') {
      if (components.length < 2) {
        throw new InvalidPathError(`invalid path "${printable(input)}": no name after /ipns/`)
      }
      return { namespace: 'ipns', name: components[1], segments: cleanSegments(components.slice(2), input) }
    }
  }
  return { namespace: 'ipfs', ...parsePath(input) }
}

/** Turns any {@link PathLike} into a {@link ParsedPath}. */
export function toParsedPath (path: PathLike): ParsedPath {
  if (typeof path === 'string') {
    return parsePath(path)
  }
  const cid = CID.asCID(path)
  if (cid != null) {
    return { root: cid, segments: [] }
  }
  const parsed = path as ParsedPath
  return { root: parsed.root, segments: cleanSegments(parsed.segments, parsed.segments.join('/')) }
}

/** Drops empty and `.` components and resolves `..` left to right, refusing to climb above the root. */
function cleanSegments (segments: readonly string[], input: string): string[] {
  const out: string[] = []
  for (const segment of segments) {
    if (segment === '' || segment === '.') {
      continue
    }
    if (segment === '..') {
      if (out.length === 0) {
        throw new InvalidPathError(`invalid path "${printable(input)}": ".." climbs above the root CID`)
      }
      out.pop()
      continue
    }
    out.push(segment)
  }
  return out
}

/** The text with control characters escaped, so an error message cannot drive a terminal. */
export function printable (text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
