/**
 * CIDs as the gateway reads them from paths and host names: parsed with the exporter's parser
 * (any multibase), checked for a hash the node can verify, and written as DNS labels for
 * subdomain origins.
 */
import { CID } from 'multiformats/cid'
import { base36 } from 'multiformats/bases/base36'
import { InvalidArgumentError, InvalidCIDError, UnsupportedHashError, messageOf } from '../../errors/index.ts'
import { hasherByCode, parseCID, printable } from '../../dag/index.ts'
import { DNS_LABEL_MAX_LENGTH, MIN_DIGEST_BYTES } from './constants.ts'

/** The identity multihash code: the digest is the content. */
export const IDENTITY_CODE = 0x00

/**
 * Parses the CID of a content path and checks that its block could be verified.
 *
 * @param display - the content path, for the message (`invalid path "/ipfs/…": …`)
 * @throws InvalidCIDError (400) for text that is not a CID or an identity CID over the node's one
 *   digest limit (`parseCID`), UnsupportedHashError (400) for a hash function the node cannot
 *   compute, InvalidArgumentError (400) for a digest too short to be a hash
 */
export function parseContentCid (text: string, display: string): CID {
  let cid: CID
  try {
    cid = parseCID(text)
  } catch (err) {
    throw new InvalidCIDError(`invalid path "${printable(display)}": ${messageOf(err)}`, { cause: err })
  }
  const { code, digest } = cid.multihash
  try {
    hasherByCode(code)
  } catch (err) {
    throw new UnsupportedHashError(`invalid path "${printable(display)}": ${messageOf(err)}`, { cause: err })
  }
  if (code !== IDENTITY_CODE && digest.length < MIN_DIGEST_BYTES) {
    throw new InvalidArgumentError(`invalid path "${printable(display)}": the CID's digest is ${digest.length} bytes, shorter than the ${MIN_DIGEST_BYTES}-byte minimum`)
  }
  return cid
}

/**
 * The CID as a DNS label for a subdomain origin: CIDv1 in base32 (CIDv0 becomes CIDv1 dag-pb),
 * or base36 when base32 is longer than a DNS label may be (as boxo does).
 *
 * @throws InvalidArgumentError (400) when even base36 is too long
 */
export function toDnsLabel (cid: CID): string {
  const v1 = CID.createV1(cid.code, cid.multihash)
  const base32 = v1.toString()
  if (base32.length <= DNS_LABEL_MAX_LENGTH) return base32
  const short = v1.toString(base36)
  if (short.length <= DNS_LABEL_MAX_LENGTH) return short
  throw new InvalidArgumentError(`CID incompatible with DNS label length limit of ${DNS_LABEL_MAX_LENGTH}: ${base32} is ${base32.length} characters (and ${short.length} in base36); use a path gateway (127.0.0.1) for it`)
}
