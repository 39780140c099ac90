import { abortError } from '../../errors/abort.ts'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { TimeoutError } from '../../errors/index.ts'
import { DEFAULT_PING_TIMEOUT, PING_LENGTH, PING_PROTOCOL } from './constants.ts'
import type { AbortOptions, Stream } from '@libp2p/interface'

/** Opens a stream for one protocol to the pinged peer (the host's `dialProtocol`). */
export interface PingDialer {
  (protocol: string, options: AbortOptions): Promise<Stream>
}

/**
 * One ping on a fresh `/ipfs/ping/1.0.0` stream: sends 32 random bytes and waits for the same
 * bytes back. Returns the round trip in milliseconds with sub-millisecond precision (the js-libp2p
 * ping service measures whole milliseconds, which reads 0 on loopback). Inbound pings are
 * answered by js-libp2p's ping service.
 */
export async function pingOnce (dial: PingDialer, options: AbortOptions = {}): Promise<number> {
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(DEFAULT_PING_TIMEOUT)])
  const stream = await dial(PING_PROTOCOL, { signal })
  const payload = randomBytes(PING_LENGTH)
  const received: Uint8Array[] = []
  let length = 0
  let resolve!: (at: number) => void
  let reject!: (err: unknown) => void
  const echoed = new Promise<number>((res, rej) => { resolve = res; reject = rej })
  const onMessage = (evt: { data: { subarray(): Uint8Array } }): void => {
    const chunk = evt.data.subarray()
    received.push(chunk)
    length += chunk.byteLength
    if (length >= PING_LENGTH) resolve(performance.now())
  }
  const onClose = (): void => { reject(new Error('the peer closed the ping stream before answering')) }
  const onAbort = (): void => {
    reject(options.signal?.aborted === true
      ? abortError(options.signal, 'the ping')
      : new TimeoutError(`no ping answer within ${DEFAULT_PING_TIMEOUT} ms`))
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('close', onClose)
  signal.addEventListener('abort', onAbort)
  if (signal.aborted) onAbort()
  try {
    const start = performance.now()
    stream.send(payload)
    const end = await echoed
    const answer = Buffer.concat(received)
    if (answer.byteLength !== PING_LENGTH || !timingSafeEqual(answer, payload)) {
      throw new Error('the peer answered the ping with different bytes')
    }
    await stream.close({ signal })
    return end - start
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  } finally {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('close', onClose)
    signal.removeEventListener('abort', onAbort)
  }
}
