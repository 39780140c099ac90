/**
 * The fuzz runner's property, held to account: named errors pass; anything else, a failed check,
 * a stack overflow dressed as a named error, a slow or hanging input, and a leaking target are
 * findings; known findings are counted, not failed; a finding is shrunk.
 */
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../errors/index.ts'
import { runTarget } from '../../fuzz/runner.ts'
import { defineTarget, expectThat, isStackOverflow } from '../../fuzz/target.ts'

const ints = fc.integer({ min: 0, max: 1000 })

describe('fuzz runner', () => {
  it('passes a target that returns or throws named errors', async () => {
    const target = defineTarget({
      name: 'named',
      description: '',
      arbitrary: ints,
      run (n: number) {
        if (n % 2 === 0) throw new InvalidArgumentError('even')
        return n
      }
    })
    const report = await runTarget(target, { runs: 500, seed: 1 })
    expect(report.inputs).toBe(500)
    expect(report.findings).toEqual([])
  })

  it('reports a TypeError, shrunk to the smallest input', async () => {
    const target = defineTarget({
      name: 'type-error',
      description: '',
      arbitrary: ints,
      run (n: number) {
        if (n >= 100) (undefined as unknown as { x: number }).x = n
        return n
      }
    })
    const report = await runTarget(target, { runs: 500, seed: 1 })
    expect(report.findings).toHaveLength(1)
    expect(report.findings[0]).toMatchObject({ kind: 'error', counterexample: '100' })
    expect(report.findings[0].message).toMatch(/^threw TypeError/)
  })

  it('reports a plain Error and a thrown non-error', async () => {
    for (const thrown of [new Error('plain'), 'a string']) {
      const target = defineTarget({ name: 'plain', description: '', arbitrary: ints, run () { throw thrown } })
      const report = await runTarget(target, { runs: 10, seed: 1 })
      expect(report.findings.map(f => f.kind)).toEqual(['error'])
    }
  })

  it('reports a stack overflow even when it is wrapped in a named error', async () => {
    const recurse = (n: number): number => recurse(n + 1) + 1
    const target = defineTarget({
      name: 'overflow',
      description: '',
      arbitrary: ints,
      run () {
        try {
          return recurse(0)
        } catch (err) {
          throw new InvalidArgumentError('bad input', { cause: err })
        }
      }
    })
    const report = await runTarget(target, { runs: 5, seed: 1 })
    expect(report.findings).toHaveLength(1)
    expect(report.findings[0].message).toMatch(/overflowed the stack \(thrown as InvalidArgumentError/)
  })

  it('reports a failed check', async () => {
    const target = defineTarget({
      name: 'check',
      description: '',
      arbitrary: ints,
      run: (n: number) => n * 2,
      check (output) { expectThat((output as number) < 1000, 'too big') }
    })
    const report = await runTarget(target, { runs: 500, seed: 1 })
    expect(report.findings).toMatchObject([{ kind: 'check', message: 'check failed: too big', counterexample: '500' }])
  })

  it('counts known findings without failing', async () => {
    const target = defineTarget({
      name: 'known',
      description: '',
      arbitrary: ints,
      run (n: number) {
        if (n % 2 === 0) throw new RangeError('known bug')
        return n
      },
      known: [{ id: 'even', note: 'owned elsewhere', matches: err => err instanceof RangeError }]
    })
    const report = await runTarget(target, { runs: 500, seed: 1 })
    expect(report.findings).toEqual([])
    expect(report.known.even).toBeGreaterThan(100)
  })

  it('reports an input that takes too much CPU', async () => {
    const target = defineTarget({
      name: 'slow',
      description: '',
      arbitrary: fc.constant(0),
      cpuLimitMs: 20,
      run () {
        const until = process.cpuUsage().user + 50_000
        while (process.cpuUsage().user < until) { /* busy */ }
      }
    })
    const report = await runTarget(target, { runs: 3, seed: 1, maxFailingBatches: 1 })
    expect(report.findings.map(f => f.kind)).toEqual(['slow'])
  })

  it('reports an async input that never settles', async () => {
    const target = defineTarget({
      name: 'hang',
      description: '',
      arbitrary: fc.constant(0),
      async: true,
      run: async () => new Promise(() => {})
    })
    const report = await runTarget(target, { runs: 3, seed: 1, hangMs: 50 })
    expect(report.findings).toMatchObject([{ kind: 'hang', message: 'did not settle within 50 ms' }])
  })

  it('reports heap growth over a run', async () => {
    const kept: Uint8Array[] = []
    const target = defineTarget({
      name: 'leak',
      description: '',
      arbitrary: ints,
      run: () => kept.push(new Uint8Array(4096).fill(1))
    })
    const report = await runTarget(target, { runs: 3000, seed: 1, batchSize: 1000, maxHeapGrowthBytes: 4 * 1024 * 1024 })
    expect(report.findings.map(f => f.kind)).toEqual(['memory'])
    expect(kept.length).toBeGreaterThanOrEqual(3000)
  })

  it('tells a stack overflow from other RangeErrors, through causes', () => {
    let overflow: unknown
    try {
      const f = (): number => f() + 1
      f()
    } catch (err) {
      overflow = err
    }
    expect(isStackOverflow(new InvalidArgumentError('x', { cause: overflow }))).toBe(true)
    expect(isStackOverflow(new RangeError('offset is out of bounds'))).toBe(false)
  })
})
