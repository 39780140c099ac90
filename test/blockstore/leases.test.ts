import { describe, expect, it } from 'vitest'
import { createLeases } from '../../blockstore/index.ts'
import type { Lease } from '../../blockstore/index.ts'

/** Whether a promise settled by the time queued microtasks and one macrotask ran. */
async function settled (promise: Promise<unknown>): Promise<boolean> {
  let done = false
  void promise.then(() => { done = true }, () => { done = true })
  await new Promise(resolve => setImmediate(resolve))
  return done
}

describe('leases', () => {
  it('grants shared leases together', async () => {
    const leases = createLeases()
    const a = await leases.acquire()
    const b = await leases.acquire()
    expect(leases.shared).toBe(2)
    a.release()
    b.release()
    expect(leases.shared).toBe(0)
  })

  it('makes the exclusive lease wait for every shared one, and release is idempotent', async () => {
    const leases = createLeases()
    const a = await leases.acquire()
    const b = await leases.acquire()
    const exclusive = leases.exclusive()
    expect(await settled(exclusive)).toBe(false)
    a.release()
    a.release()
    expect(await settled(exclusive)).toBe(false)
    b.release()
    expect(await settled(exclusive)).toBe(true)
    expect(leases.exclusiveHeld).toBe(true)
  })

  it('queues new shared leases behind a waiting exclusive one', async () => {
    const leases = createLeases()
    const first = await leases.acquire()
    const exclusive = leases.exclusive()
    const late = leases.acquire()
    expect(await settled(late)).toBe(false)
    first.release()
    const gc = await exclusive
    expect(await settled(late)).toBe(false)
    gc.release()
    const lease: Lease = await late
    expect(leases.shared).toBe(1)
    lease.release()
  })

  it('drops an aborted waiter and lets the ones behind it through', async () => {
    const leases = createLeases()
    const first = await leases.acquire()
    const controller = new AbortController()
    const exclusive = leases.exclusive({ signal: controller.signal })
    const late = leases.acquire()
    controller.abort()
    await expect(exclusive).rejects.toHaveProperty('name', 'AbortedError')
    expect(await settled(late)).toBe(true)
    first.release()
    ;(await late).release()
    expect(leases.shared).toBe(0)
    expect(leases.exclusiveHeld).toBe(false)
  })
})
