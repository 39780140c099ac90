/**
 * CIDs as text, in any multibase: `parseCID` (dag/path.ts) reads the CID of every content path —
 * CLI arguments, RPC `arg=`, gateway URLs — so its input is whatever a stranger typed.
 */
import * as fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { parseCID } from '../../dag/path.ts'
import { stringsFrom } from '../mutate.ts'
import { CID_TEXTS } from '../seeds.ts'
import { defineTarget, expectThat } from '../target.ts'

const prefixes = fc.constantFrom('Qm', 'b', 'B', 'z', 'k', 'f', 'F', 'm', 'M', 'u', 'U', 'v', 'c', 't', 'h', '9', '🚀', '\u0000')

export default defineTarget({
  name: 'cid-text',
  description: 'parseCID (dag/path.ts): CID strings in every multibase',
  arbitrary: fc.oneof(
    { arbitrary: stringsFrom(CID_TEXTS), weight: 8 },
    { arbitrary: fc.tuple(prefixes, fc.string({ maxLength: 80 })).map(([p, s]) => p + s), weight: 2 }
  ),
  run: (text: string) => parseCID(text),
  check (output) {
    const cid = CID.asCID(output)
    expectThat(cid != null, 'parseCID returned something that is not a CID')
    // what it returns must survive its own canonical spelling
    expectThat(parseCID(cid.toString()).equals(cid), () => `${cid.toString()} does not parse back to itself`)
  }
})
