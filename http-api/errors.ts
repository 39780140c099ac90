/**
 * How errors travel over the RPC API: Kubo's `{Message, Code, Type}` body plus Cairn's `Name`,
 * the HTTP status the error table gives them, and the header-safe form a trailer needs.
 */
import { errorFromName, meaningOf, messageOf } from '../errors/index.ts'

export { PayloadTooLargeError } from '../errors/index.ts'

/** Kubo's error body, plus the error's stable name. */
export interface RpcErrorBody {
  Message: string
  Code: number
  Type: 'error'
  Name: string
}

/** The RPC code of an error, from the error table. */
export function rpcCodeOf (err: unknown): number {
  return meaningOf(err).rpcCode
}

/** The HTTP status of an error answer: 400 for client errors (code 1), 500 otherwise (Kubo's rule). */
export function rpcStatusOf (err: unknown): number {
  const meaning = meaningOf(err)
  return meaning.rpcStatus ?? (meaning.rpcCode === 1 ? 400 : 500)
}

/** The stable name of a thrown value (`Error` for things that are not errors). */
export function nameOf (err: unknown): string {
  const name = (err as { name?: unknown } | undefined)?.name
  return typeof name === 'string' && name !== '' ? name : 'Error'
}

/** The JSON body of an error answer. */
export function rpcErrorBody (err: unknown): RpcErrorBody {
  return { Message: messageOf(err), Code: rpcCodeOf(err), Type: 'error', Name: nameOf(err) }
}

/**
 * Re-creates an error from an answer: same `name` and `message` as the error the server's
 * command threw. Bodies without a `Name` (a Kubo daemon) give a plain `CairnError`.
 */
export function errorFromBody (body: unknown, fallback: string): Error {
  const { Message, Name } = (body ?? {}) as { Message?: unknown, Name?: unknown }
  const message = typeof Message === 'string' ? Message : fallback
  return errorFromName(typeof Name === 'string' ? Name : undefined, message)
}

/**
 * A string as a header value: its UTF-8 bytes, one character per byte (Node writes header values
 * as latin1), with control characters replaced by spaces. {@link fromHeaderValue} undoes it.
 */
export function toHeaderValue (text: string): string {
  return Buffer.from(text.replace(/[\u0000-\u001f\u007f]/g, ' '), 'utf8').toString('latin1')
}

/** The text of a header value written by {@link toHeaderValue} (or by Go: raw UTF-8 bytes). */
export function fromHeaderValue (value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8')
}
