/**
 * Writing gateway answers on Node's `ServerResponse`: headers once, bodies with backpressure
 * (every write waits for the socket to drain), HEAD without a body, and errors — as a plain
 * text answer with the error table's status before anything was sent, as a cut connection after.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { AbortedError, meaningOf, messageOf } from '../../errors/index.ts'
import { writeChunk } from '../backpressure.ts'
import { RETRY_AFTER_BUSY_SECONDS, RETRY_AFTER_TIMEOUT_SECONDS } from './constants.ts'
import { reasonOf, type Retrieval } from './retrieval.ts'

/** Headers of an answer: values are strings or numbers (Content-Length). */
export type Headers = Record<string, string | number>

/** One request and its answer. */
export interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  /** True for `HEAD`: headers as for `GET`, no body. */
  head: boolean
  /** Aborted when the client goes away, or a timeout fires. */
  controller: AbortController
  /** Headers every answer carries (CORS, `Gateway.HTTPHeaders`). */
  base: Headers
  /** Hands the request's block getter to the watchdog (`Gateway.RetrievalTimeout`). */
  watch?: (retrieval: Retrieval) => void
}

/** Writes the status line and headers (the base headers first, `headers` override them). */
export function writeHead (ex: Exchange, status: number, headers: Headers): void {
  ex.res.writeHead(status, { ...ex.base, ...headers })
}

/**
 * Writes one chunk, waiting for the socket when its buffer is full; rejects when the client goes.
 * `written` is called once the socket no longer holds the chunk.
 */
export async function write (ex: Exchange, chunk: Uint8Array | string, written?: () => void): Promise<void> {
  const { signal } = ex.controller
  await writeChunk(ex.res, chunk, () => signal.aborted ? reasonOf(signal) : new AbortedError('the client closed the connection'), written)
}

/** Sends a whole answer (the body is dropped for HEAD). */
export function sendBody (ex: Exchange, status: number, headers: Headers, body: Uint8Array | string): void {
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  writeHead(ex, status, { ...headers, 'Content-Length': length })
  if (ex.head) ex.res.end()
  else ex.res.end(body)
}

/**
 * Sends headers then streams `source` (for GET). `first` is a part of the body already read
 * (sniffing, head start) that goes out before the rest.
 */
export async function sendStream (ex: Exchange, status: number, headers: Headers, source: AsyncIterable<Uint8Array | string> | undefined, first: Array<Uint8Array | string> = [], release?: (chunk: Uint8Array) => void): Promise<void> {
  writeHead(ex, status, headers)
  if (ex.head) {
    ex.res.end()
    return
  }
  const send = async (chunk: Uint8Array | string): Promise<void> => {
    await write(ex, chunk, release == null || typeof chunk === 'string' ? undefined : () => { release(chunk) })
  }
  for (const chunk of first) await send(chunk)
  for await (const chunk of source ?? []) {
    if (chunk.length > 0) await send(chunk)
  }
  ex.res.end()
}

/** A short plain-text answer. */
export function sendText (ex: Exchange, status: number, text: string, headers: Headers = {}): void {
  sendBody(ex, status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }, `${text}\n`)
}

/** A redirect (the body says where, for people). */
export function sendRedirect (ex: Exchange, status: 301 | 302, location: string, headers: Headers = {}): void {
  sendText(ex, status, `Moved to ${location}`, { ...headers, Location: location })
}

/**
 * Answers with an error: its status from the error table (`meaningOf(err).gatewayStatus`) and its
 * message, with `Retry-After` on 429 and 504. Once the answer has started there is no way to say
 * it failed but to cut the connection, so the client cannot take a truncated body for a whole one.
 */
export function sendError (ex: Exchange, err: unknown): void {
  const { res } = ex
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (res.destroyed) return
  let status = meaningOf(err).gatewayStatus
  if (status === 499) status = 400 // aborted by us, not by the client: nobody waits for it anyway
  const headers: Headers = {}
  if (status === 429) headers['Retry-After'] = RETRY_AFTER_BUSY_SECONDS
  if (status === 504) headers['Retry-After'] = RETRY_AFTER_TIMEOUT_SECONDS
  sendText(ex, status, `${status} ${STATUS_CODES[status] ?? 'Error'}: ${messageOf(err)}`, headers)
}

