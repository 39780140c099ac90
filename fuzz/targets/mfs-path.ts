/**
 * MFS paths (`/a/b/../c/`): `parseMfsPath` (mfs/path.ts), behind every `files` command's path
 * arguments from the CLI and the RPC.
 */
import * as fc from 'fast-check'
import { parseMfsPath, type MfsPath } from '../../mfs/path.ts'
import { stringsFrom } from '../mutate.ts'
import { defineTarget, expectThat } from '../target.ts'

const seeds = ['/', '/a', '/a/b/', '/a//b/./c/..', '/..', '/../../x', 'relative', '', '/a/\u0000', '/é/日本']

export default defineTarget({
  name: 'mfs-path',
  description: 'parseMfsPath (mfs/path.ts): the files commands\' paths',
  arbitrary: fc.oneof(
    stringsFrom(seeds),
    fc.array(fc.constantFrom('', '.', '..', 'a', 'b c', '\u0000', 'ipfs'), { maxLength: 12 }).map(parts => '/' + parts.join('/'))
  ),
  run: (text: string) => parseMfsPath(text),
  check (output) {
    const parsed = output as MfsPath
    expectThat(parsed.path.startsWith('/'), 'the path does not start with /')
    expectThat(parsed.path === '/' + parsed.segments.join('/'), 'path and segments disagree')
    for (const s of parsed.segments) {
      expectThat(s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\u0000'), () => `segment ${JSON.stringify(s)} was not cleaned`)
    }
  }
})
