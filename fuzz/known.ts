/**
 * Known findings shared by several targets, each owned by an open issue item on another branch.
 * A target lists the ones it hits in `known`; the runner counts and prints them on every run.
 * Delete an entry (and its uses) once its fix has landed: the smoke test then guards the fix.
 */
import { isStackOverflow, type KnownFinding } from './target.ts'

/**
 * dag-cbor and dag-json values nested ~10,000 deep overflow the decoder's stack; Cairn's wrappers
 * turn the RangeError into InvalidArgumentError / BlockCorruptError (a 500 on the gateway).
 * Issue 10 §2 "decoders get a nesting-depth limit" — the gateway-security branch.
 */
export const DEEP_NESTING: KnownFinding = {
  id: 'deep-nesting',
  note: 'cbor/json nested ~10k deep overflows the decoder stack (issue 10 §2 nesting-depth limit, gateway-security branch)',
  matches: err => isStackOverflow(err)
}
