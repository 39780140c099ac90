import { describe, expect, it } from 'vitest'
import { abortError, anySignal, isAbortError, raceSignal, throwIfAborted } from '../../errors/abort.ts'
import { AbortedError, TimeoutError } from '../../errors/index.ts'
import { createBlockstore, createLeases } from '../../blockstore/index.ts'
import { randomBlock, tempDir } from '../blockstore/helpers.ts'

function aborted (reason?: unknown): AbortSignal {
  const controller = new AbortController()
  controller.abort(reason)
  return controller.signal
}

describe('abortError', () => {
  it('keeps a Cairn error the signal was aborted with', () => {
    const reason = new AbortedError('interrupted')
    expect(abortError(aborted(reason))).toBe(reason)
  })

  it('turns a bare abort into AbortedError and a timeout into TimeoutError, keeping the cause', () => {
    const bare = abortError(aborted(), 'the walk')
    expect(bare).toMatchObject({ name: 'AbortedError', message: 'the walk was aborted' })
    expect((bare.cause as Error).name).toBe('AbortError')
    const timeout = abortError(aborted(new DOMException('late', 'TimeoutError')))
    expect(timeout).toMatchObject({ name: 'TimeoutError', message: 'the operation timed out' })
    expect(timeout).toBeInstanceOf(TimeoutError)
  })

  it('throwIfAborted throws only for a fired signal', () => {
    expect(() => { throwIfAborted(undefined) }).not.toThrow()
    expect(() => { throwIfAborted(new AbortController().signal) }).not.toThrow()
    expect(() => { throwIfAborted(aborted()) }).toThrow(expect.objectContaining({ name: 'AbortedError' }))
  })

  it('recognises every form of abort', () => {
    for (const name of ['AbortedError', 'AbortError', 'TimeoutError']) expect(isAbortError({ name })).toBe(true)
    expect(isAbortError(new Error('x'))).toBe(false)
    expect(isAbortError(undefined)).toBe(false)
  })

  it('raceSignal rejects as soon as the signal fires, without waiting for the promise', async () => {
    const controller = new AbortController()
    const never = new Promise<number>(() => {})
    const raced = raceSignal(never, controller.signal, 'the read')
    controller.abort()
    await expect(raced).rejects.toMatchObject({ name: 'AbortedError', message: 'the read was aborted' })
    expect(await raceSignal(Promise.resolve(7), undefined)).toBe(7)
  })

  it('anySignal fires with the first reason, and passes a single signal through', () => {
    const a = new AbortController()
    const b = new AbortController()
    expect(anySignal(undefined, a.signal)).toBe(a.signal)
    expect(anySignal()).toBeUndefined()
    const both = anySignal(a.signal, b.signal) as AbortSignal
    b.abort(new TimeoutError('slow'))
    expect(both.aborted).toBe(true)
    expect(abortError(both).message).toBe('slow')
  })
})

describe('one name for an abort in every layer', () => {
  it('the blockstore and the lease lock report a bare abort as AbortedError, not the platform AbortError', async () => {
    const dir = await tempDir()
    const blockstore = createBlockstore({ path: dir.path })
    await blockstore.open()
    try {
      const block = randomBlock(100)
      await blockstore.put(block)
      await expect(blockstore.has(block.cid, { signal: aborted() })).rejects.toMatchObject({ name: 'AbortedError' })
      await expect(blockstore.get(block.cid, { signal: aborted() })).rejects.toMatchObject({ name: 'AbortedError' })
      const leases = createLeases()
      const held = await leases.exclusive()
      const controller = new AbortController()
      const waiting = leases.acquire({ signal: controller.signal })
      controller.abort()
      await expect(waiting).rejects.toMatchObject({ name: 'AbortedError' })
      held.release()
    } finally {
      await blockstore.close()
      await dir.remove()
    }
  })
})
