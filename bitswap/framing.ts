/**
 * Length-prefixed messages over a libp2p stream: each message is a uvarint length and that many
 * bytes (the framing of Bitswap and the Kademlia DHT). Reads are bounded: a length over the limit
 * ends the stream with a named error before a byte of the body is buffered.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { varint } from 'multiformats'
import { InvalidArgumentError } from '../errors/index.ts'

/** A message announced a length over the reader's limit. */
export class MessageTooLargeError extends InvalidArgumentError {
  override name = 'MessageTooLargeError'
}

/** The longest uvarint a length of up to 2^53 can take. */
const MAX_LENGTH_BYTES = 9

/**
 * Reads length-prefixed messages from `source` until it ends. Each yielded list is one whole
 * message; a stream that ends mid-message throws.
 */
export async function * decodeFrames (source: AsyncIterable<Uint8Array | Uint8ArrayList>, maxLength: number): AsyncGenerator<Uint8ArrayList> {
  const buffer = new Uint8ArrayList()
  let wanted = -1
  for await (const chunk of source) {
    buffer.append(chunk)
    while (true) {
      if (wanted < 0) {
        const length = readLength(buffer)
        if (length == null) break
        if (length.value > maxLength) {
          throw new MessageTooLargeError(`message of ${length.value} bytes is over the ${maxLength}-byte limit`)
        }
        buffer.consume(length.bytes)
        wanted = length.value
      }
      if (buffer.byteLength < wanted) break
      const message = buffer.sublist(0, wanted)
      buffer.consume(wanted)
      wanted = -1
      yield message
    }
  }
  if (wanted >= 0 || buffer.byteLength > 0) {
    throw new InvalidArgumentError('the stream ended in the middle of a message')
  }
}

function readLength (buffer: Uint8ArrayList): { value: number, bytes: number } | undefined {
  const n = Math.min(buffer.byteLength, MAX_LENGTH_BYTES)
  let value = 0
  let scale = 1
  for (let i = 0; i < n; i++) {
    const byte = buffer.get(i)
    value += (byte & 0x7f) * scale
    if ((byte & 0x80) === 0) return { value, bytes: i + 1 }
    scale *= 128
  }
  if (n === MAX_LENGTH_BYTES) throw new InvalidArgumentError('message length prefix is malformed')
  return undefined
}

/** One message with its uvarint length prefix, as a list (no copy of the body). */
export function encodeFrame (message: Uint8Array | Uint8ArrayList): Uint8ArrayList {
  const prefix = varint.encodeTo(message.byteLength, new Uint8Array(varint.encodingLength(message.byteLength)))
  return new Uint8ArrayList(prefix, message)
}
