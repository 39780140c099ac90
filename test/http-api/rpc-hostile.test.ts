/**
 * No RPC request may cost far more than its answer is worth (issue 10 §2): URLs over 8 KiB are
 * refused with 414, `dag put` stops reading an oversized input as it streams in, and decoders
 * refuse over-deep nesting with a 400 — each without holding the event loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonOf, startRpc, type RpcFixture } from './helpers.ts'

let f: RpcFixture
beforeAll(async () => { f = await startRpc() })
afterAll(async () => { await f?.close() })

describe('URL length', () => {
  it('answers 414 with an error body for a URL over 8 KiB, before any work', async () => {
    const res = await f.fetch(`version?arg=${'a'.repeat(8200)}`)
    expect(res.status).toBe(414)
    expect(await jsonOf(res)).toMatchObject({ Name: 'UriTooLongError', Code: 1, Type: 'error' })
    expect((await f.fetch(`version?x=${'a'.repeat(8000)}`)).status).toBe(200)
  })
})
