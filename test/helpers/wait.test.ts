import { describe, expect, it } from 'vitest'
import { waitFor, waitForSteady } from './wait.ts'

describe('waitFor', () => {
  it('returns the first value that is not undefined, null or false, as soon as it comes', async () => {
    let checks = 0
    const started = Date.now()
    const value = await waitFor(() => ++checks >= 3 ? { checks } : false, { interval: 5 })
    expect(value).toEqual({ checks: 3 })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('awaits async conditions, and keeps 0 and "" as answers', async () => {
    expect(await waitFor(async () => 0)).toBe(0)
    expect(await waitFor(() => '')).toBe('')
  })

  it('fails with WaitTimeoutError naming what it waited for, described at the deadline', async () => {
    let checks = 0
    const err = await waitFor(() => { checks++; return false }, { timeout: 60, interval: 10, message: () => `the count (${checks} checks)` })
      .catch((e: unknown) => e as Error)
    expect(err.name).toBe('WaitTimeoutError')
    expect(err.message).toMatch(/timed out after 60 ms waiting for the count \(\d+ checks\)/)
    expect(checks).toBeGreaterThan(1)
  })

  it('ends the wait with the error the condition throws', async () => {
    const err = await waitFor(() => { throw new RangeError('broken') }).catch((e: unknown) => e as Error)
    expect(err.name).toBe('RangeError')
  })

  it('stops when its signal aborts', async () => {
    const controller = new AbortController()
    setTimeout(() => { controller.abort(new Error('stop')) }, 20)
    const err = await waitFor(() => false, { timeout: 60_000, signal: controller.signal }).catch((e: unknown) => e as Error)
    expect(err.message).toBe('stop')
  })
})

describe('waitForSteady', () => {
  it('returns once the value has stayed the same for the polls asked, not before', async () => {
    let reads = 0
    // grows for 10 reads, then stays at 10
    const value = await waitForSteady(() => Math.min(++reads, 10), { interval: 1, steadyPolls: 3 })
    expect(value).toBe(10)
    expect(reads).toBe(13)
  })

  it('fails with WaitTimeoutError when the value keeps changing', async () => {
    let reads = 0
    const err = await waitForSteady(() => ++reads, { timeout: 50, interval: 5, message: 'the counter to stop' }).then(() => new Error('no timeout'), (e: unknown) => e as Error)
    expect(err.name).toBe('WaitTimeoutError')
    expect(err.message).toContain('the counter to stop')
  })
})
