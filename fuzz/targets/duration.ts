/**
 * Go-style durations from strangers: RPC `?timeout=`, the CLI's `--timeout`, duration options of
 * every command, gateway config values — parseDuration (repo/config.ts). Property: a duration it
 * accepts is a finite, non-negative number of milliseconds.
 */
import * as fc from 'fast-check'
import { parseDuration } from '../../repo/duration.ts'
import { stringsFrom } from '../mutate.ts'
import { defineTarget, expectThat } from '../target.ts'

const SEEDS = ['30s', '5000ms', '1m30s', '2h', '0', '1.5h', '100ns', '10us', '10µs', '597h', '1h2m3s4ms5us6ns']

export default defineTarget({
  name: 'duration',
  description: 'parseDuration (repo/config.ts): Go-style durations',
  arbitrary: fc.oneof(
    stringsFrom(SEEDS),
    fc.tuple(fc.stringMatching(/^\d{1,400}(\.\d{0,20})?$/), fc.constantFrom('ns', 'us', 'µs', 'ms', 's', 'm', 'h')).map(([n, u]) => n + u)
  ),
  run: (text: string) => parseDuration(text),
  check (output, text) {
    const ms = output as number
    expectThat(Number.isFinite(ms) && ms >= 0, `"${text.slice(0, 60)}" parsed as ${ms} ms`)
  }
})
