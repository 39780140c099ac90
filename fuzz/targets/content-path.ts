/**
 * Content paths (`<cid>/a/b`, `/ipfs/<cid>/a/b`): `parsePath` (dag/path.ts), behind `cat`, `ls`,
 * `get`, `dag get`, `pin add` and every RPC `arg=`.
 */
import * as fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { parsePath, type ParsedPath } from '../../dag/path.ts'
import { stringsFrom } from '../mutate.ts'
import { CID_TEXTS } from '../seeds.ts'
import { defineTarget, expectThat } from '../target.ts'

const seeds = CID_TEXTS.slice(0, 6).flatMap(c => [c, `/ipfs/${c}`, `/ipfs/${c}/a/b`, `${c}/./x/../y`, `/ipns/${c}`, `/ipfs/${c}//a/%2e%2e/`])

export default defineTarget({
  name: 'content-path',
  description: 'parsePath (dag/path.ts): CLI and RPC content paths',
  arbitrary: fc.oneof(
    stringsFrom(seeds),
    fc.array(fc.constantFrom('', '.', '..', 'ipfs', 'ipns', 'a', CID_TEXTS[1]), { maxLength: 12 }).map(parts => parts.join('/'))
  ),
  run: (text: string) => parsePath(text),
  check (output) {
    const parsed = output as ParsedPath
    expectThat(CID.asCID(parsed.root) != null, 'the root is not a CID')
    for (const s of parsed.segments) {
      expectThat(s !== '' && s !== '.' && s !== '..', () => `segment ${JSON.stringify(s)} was not cleaned`)
    }
  }
})
