/**
 * Entry names from DAGs, before they touch a file system or a tar: assertSafeName
 * (dag/exporter/safe-name.ts). Property: a name it lets through names exactly one entry inside
 * the target folder on POSIX and on Windows.
 */
import * as fc from 'fast-check'
import { posix, win32 } from 'node:path'
import { assertSafeName } from '../../dag/exporter/safe-name.ts'
import { stringsFrom } from '../mutate.ts'
import { defineTarget, expectThat } from '../target.ts'

const SEEDS = ['file.txt', '.hidden', 'a..b', 'dir', '…', 'C:', 'con', 'name with spaces', 'é', '💥']

export default defineTarget({
  name: 'safe-name',
  description: 'assertSafeName (dag/exporter/safe-name.ts): DAG link names as file names',
  arbitrary: fc.oneof(
    stringsFrom(SEEDS),
    fc.constantFrom('', '.', '..', '/', '\\', '\u0000', 'a/b', 'a\\b', '../x', '..\\x', '\u001b[31m', '\u0085', ' ..', '.. ')
  ),
  run (name: string) {
    assertSafeName(name, 'root')
    return name
  },
  check (output) {
    const name = output as string
    for (const path of [posix, win32]) {
      const joined = path.join('/extract/root', name)
      const parent = path.dirname(joined)
      expectThat(parent === path.normalize('/extract/root'), () => `"${name}" lands in ${parent}, not in the target folder`)
    }
  }
})
