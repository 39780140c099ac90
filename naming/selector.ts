/**
 * Choosing the best of several IPNS records for one name, as boxo's `ipns.compare` does: a record
 * with a V2 signature beats one without, then the higher sequence, then the later EOL, then the
 * bytewise-larger record. Records that do not decode rank below every record that does.
 */
import { compare as compareBytes } from 'uint8arrays/compare'
import { unmarshalRecord } from './record.ts'
import type { IpnsRecord } from './record.ts'

function tryDecode (bytes: Uint8Array): IpnsRecord | undefined {
  try {
    return unmarshalRecord(bytes)
  } catch {
    return undefined
  }
}

/** Positive when `a` is better than `b`, negative when worse, 0 when the bytes are equal. */
export function compareRecords (a: Uint8Array, b: Uint8Array): number {
  const ra = tryDecode(a)
  const rb = tryDecode(b)
  if (ra == null || rb == null) {
    if (ra != null) return 1
    if (rb != null) return -1
    return compareBytes(a, b)
  }
  const v2a = ra.signatureV2.length > 0 ? 1 : 0
  const v2b = rb.signatureV2.length > 0 ? 1 : 0
  if (v2a !== v2b) return v2a - v2b
  if (ra.sequence !== rb.sequence) return ra.sequence > rb.sequence ? 1 : -1
  if (ra.validityNs !== rb.validityNs) return ra.validityNs > rb.validityNs ? 1 : -1
  return compareBytes(a, b)
}

/** The index of the best record among `values` (the first of equals); 0 for an empty list. */
export function selectRecord (values: Uint8Array[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) {
    if (compareRecords(values[i], values[best]) > 0) best = i
  }
  return best
}

/** The DHT's `/ipns/` selector (the key is not needed: every value is a record for that key). */
export function selectIpnsRoutingRecord (_key: Uint8Array, values: Uint8Array[]): number {
  return selectRecord(values)
}
