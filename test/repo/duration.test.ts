import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_DURATION_MS, MAX_TIMER_DELAY_MS, parseDuration, startTimer, timeoutSignal } from '../../repo/index.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('parseDuration', () => {
  it('reads Go durations, and refuses what no clock here could count', () => {
    expect(parseDuration('597h')).toBe(597 * 3_600_000)
    expect(parseDuration('1m30s')).toBe(90_000)
    expect(parseDuration('0')).toBe(0)
    expect(() => parseDuration('99999999999h')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError', message: expect.stringContaining('too long') }))
    expect(() => parseDuration(`${MAX_DURATION_MS + 10}ms`)).toThrow(/too long/)
    expect(() => parseDuration('forever')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})

describe('startTimer', () => {
  it('waits the whole of a delay longer than a Node timer holds (597h), instead of firing at once', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const fired = vi.fn()
    startTimer(597 * 3_600_000, fired)
    vi.advanceTimersByTime(1000)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(597 * 3_600_000 - MAX_TIMER_DELAY_MS - 1000 - 5)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(10)
    expect(fired).toHaveBeenCalledTimes(1)
  })

  it('fires short delays once, and never after clear()', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const fired = vi.fn()
    startTimer(50, fired)
    const cleared = vi.fn()
    startTimer(50, cleared).clear()
    vi.advanceTimersByTime(60)
    expect(fired).toHaveBeenCalledTimes(1)
    expect(cleared).not.toHaveBeenCalled()
  })

  it('timeoutSignal aborts with the given reason, and does not overflow', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const long = timeoutSignal(30 * 24 * 3_600_000, () => new Error('late'))
    const short = timeoutSignal(20, () => new Error('soon'))
    vi.advanceTimersByTime(25)
    expect(short.aborted).toBe(true)
    expect((short.reason as Error).message).toBe('soon')
    expect(long.aborted).toBe(false)
  })
})
