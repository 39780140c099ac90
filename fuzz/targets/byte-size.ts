/**
 * Human byte sizes (`256KiB`, `10GB`): parseByteSize (repo/config.ts), behind
 * `Datastore.StorageMax` and `add`'s HAMT threshold option. Property: a size it accepts is a
 * finite, non-negative number of bytes.
 */
import * as fc from 'fast-check'
import { parseByteSize } from '../../repo/config-sections.ts'
import { stringsFrom } from '../mutate.ts'
import { defineTarget, expectThat } from '../target.ts'

const SEEDS = ['256KiB', '10GB', '1024', '1.5 MiB', '0b', '7tib', ' 3 kb ']

export default defineTarget({
  name: 'byte-size',
  description: 'parseByteSize (repo/config.ts): human byte sizes',
  arbitrary: fc.oneof(
    stringsFrom(SEEDS),
    fc.tuple(fc.stringMatching(/^\d{1,400}$/), fc.constantFrom('', 'b', 'KiB', 'TB', 'constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty')).map(([n, u]) => n + u)
  ),
  run: (text: string) => parseByteSize(text),
  check (output, text) {
    const bytes = output as number
    expectThat(Number.isFinite(bytes) && bytes >= 0, `"${text.slice(0, 60)}" parsed as ${bytes} bytes`)
  }
})
