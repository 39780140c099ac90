/**
 * The fuzzer's smoke pass: every target in fuzz/targets/ runs 1,000 inputs from a fixed seed, so
 * a decoder that starts crashing (a TypeError, a hang, a stack overflow) fails CI the day it does.
 * The full pass (`npm run fuzz`, 100,000 inputs per target and random seeds) looks further.
 */
import { describe, expect, it } from 'vitest'
import { loadTargets } from '../../fuzz/registry.ts'
import { runTarget } from '../../fuzz/runner.ts'

/** Inputs per target here (issue 10 §6: at least 1,000). */
const SMOKE_RUNS = 1_000
/** Fixed, so a smoke failure is the code's doing and replays with `npm run fuzz -- --seed`. */
const SMOKE_SEED = 1_000_003

const targets = await loadTargets()

describe('fuzz smoke pass', () => {
  it('covers every decoder and parser the issue names', () => {
    const names = targets.map(t => t.name)
    for (const name of [
      'cid-text', 'content-path', 'dag-pb', 'unixfs-data', 'dag-cbor', 'dag-json', 'car-import', 'multipart',
      'safe-name', 'tar-read', 'http-range', 'gateway-request', 'duration', 'byte-size', 'config', 'rpc-options', 'mfs-path'
    ]) {
      expect(names).toContain(name)
    }
  })

  for (const target of targets) {
    it(`${target.name}: ${SMOKE_RUNS} inputs, no findings`, async () => {
      const report = await runTarget(target, { runs: SMOKE_RUNS, seed: SMOKE_SEED, batchSize: SMOKE_RUNS, checkHeap: false })
      expect(report.inputs).toBe(SMOKE_RUNS)
      // the finding's message and counterexample are the assertion's diff
      expect(report.findings.map(f => `${f.kind}: ${f.message} on ${f.counterexample.slice(0, 500)}`)).toEqual([])
    })
  }
})
