import type { ServerResponse } from 'node:http'

/**
 * Writes one chunk of an answer with backpressure, for the RPC server and the gateway alike:
 * resolves at once while the socket takes more, else once it drains; rejects with `closed()` when
 * the answer is closed (the client went away, or a timeout cut it) before that. `written` is
 * called once the socket no longer holds the chunk (it was sent, or the answer failed).
 */
export async function writeChunk (res: ServerResponse, chunk: Uint8Array | string, closed: () => Error, written?: () => void): Promise<void> {
  if (res.destroyed) throw closed()
  if (res.write(chunk, written == null ? undefined : () => { written() })) return
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      res.off('drain', onDrain)
      res.off('close', onClose)
    }
    const onDrain = (): void => { cleanup(); resolve() }
    const onClose = (): void => { cleanup(); reject(closed()) }
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}
