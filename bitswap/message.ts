/**
 * Bitswap messages as Cairn handles them: incoming bytes decoded into wants, presences and
 * *verified* blocks (a block's CID is rebuilt by hashing its bytes, so a block can only ever be
 * what its CID says), and outgoing wants, presences and blocks packed into messages of at most
 * {@link MAX_OUTGOING_MESSAGE_SIZE}, split when they would be larger.
 */
import { CID } from 'multiformats/cid'
import { varint } from 'multiformats'
import { hashBytes, hasherByCode } from '../dag/index.ts'
import { InvalidArgumentError } from '../errors/index.ts'
import { MAX_BLOCK_SIZE, MAX_CID_SIZE, MAX_OUTGOING_MESSAGE_SIZE } from './constants.ts'
import { Message } from './pb/message.js'
import { Uint8ArrayList } from 'uint8arraylist'

/** Blocks one message may carry: a 4 MiB message of 1 KiB blocks holds ~4,000. */
const MAX_BLOCKS_PER_MESSAGE = 8192
/** Wants or presences one message may carry; a message with more is refused whole. */
const MAX_ENTRIES_PER_MESSAGE = 16_384

/** How much a peer wants a block: the block itself, or only to know whether we have it. */
export type WantType = 'block' | 'have'

/** One wantlist entry, decoded and checked. */
export interface WantEntry {
  cid: CID
  priority: number
  cancel: boolean
  wantType: WantType
  sendDontHave: boolean
}

/** A block that arrived, with the CID its bytes hash to. */
export interface ReceivedBlock {
  cid: CID
  bytes: Uint8Array
}

/** A HAVE or DONT_HAVE from a peer. */
export interface Presence {
  cid: CID
  have: boolean
}

/** An incoming message after decoding; `invalid` counts the parts that were dropped. */
export interface DecodedMessage {
  full: boolean
  wants: WantEntry[]
  blocks: ReceivedBlock[]
  presences: Presence[]
  pendingBytes: number
  /** Entries, blocks and presences that could not be read (bad CID, unsupported hash, too big). */
  invalid: number
}

/** The CID prefix of Bitswap 1.1.0: uvarint version, codec, multihash code and digest length. */
export function cidPrefix (cid: CID): Uint8Array {
  const parts = [cid.version, cid.code, cid.multihash.code, cid.multihash.size]
  const out = new Uint8Array(parts.reduce((n, p) => n + varint.encodingLength(p), 0))
  let offset = 0
  for (const part of parts) {
    varint.encodeTo(part, out, offset)
    offset += varint.encodingLength(part)
  }
  return out
}

/** The CID of `data` under `prefix`: the bytes are hashed, never trusted. */
export function cidFromPrefix (prefix: Uint8Array, data: Uint8Array): CID {
  let offset = 0
  const next = (): number => {
    const [value, length] = varint.decode(prefix, offset)
    offset += length
    return value
  }
  const version = next()
  const codec = next()
  const hashCode = next()
  const digestLength = next()
  if (offset !== prefix.byteLength) throw new InvalidArgumentError('block prefix has trailing bytes')
  if (version !== 0 && version !== 1) throw new InvalidArgumentError(`block prefix has CID version ${version}`)
  const digest = hashBytes(data, hasherByCode(hashCode), digestLength)
  return version === 0 ? CID.createV0(digest as never) : CID.createV1(codec, digest)
}

function readCid (bytes: Uint8Array): CID {
  if (bytes.byteLength > MAX_CID_SIZE) throw new InvalidArgumentError(`CID of ${bytes.byteLength} bytes is over ${MAX_CID_SIZE}`)
  return CID.decode(bytes)
}

/**
 * Decodes one message. Bad entries are dropped one by one (counted in `invalid`) rather than
 * failing the whole message, so one unreadable CID does not cost a peer its other wants; a message
 * that is not protobuf at all throws.
 */
export function decodeMessage (bytes: Uint8Array | Uint8ArrayList): DecodedMessage {
  const message = Message.decode(bytes, {
    limits: { blocks: MAX_BLOCKS_PER_MESSAGE, payload: MAX_BLOCKS_PER_MESSAGE, blockPresences: MAX_ENTRIES_PER_MESSAGE, wantlist: { entries: MAX_ENTRIES_PER_MESSAGE } }
  })
  let invalid = 0
  const wants: WantEntry[] = []
  for (const entry of message.wantlist?.entries ?? []) {
    try {
      wants.push({
        cid: readCid(entry.block),
        priority: entry.priority,
        cancel: entry.cancel,
        wantType: entry.wantType === Message.Wantlist.WantType.Have ? 'have' : 'block',
        sendDontHave: entry.sendDontHave
      })
    } catch {
      invalid++
    }
  }
  const blocks: ReceivedBlock[] = []
  for (const data of message.blocks) {
    if (data.byteLength > MAX_BLOCK_SIZE) { invalid++; continue }
    // Bitswap 1.0.0: bare bytes, a CIDv0 (sha2-256 dag-pb) implied
    blocks.push({ cid: CID.createV0(hashBytes(data, hasherByCode(0x12)) as never), bytes: data })
  }
  for (const block of message.payload) {
    if (block.data.byteLength > MAX_BLOCK_SIZE) { invalid++; continue }
    try {
      blocks.push({ cid: cidFromPrefix(block.prefix, block.data), bytes: block.data })
    } catch {
      invalid++
    }
  }
  const presences: Presence[] = []
  for (const presence of message.blockPresences) {
    try {
      presences.push({ cid: readCid(presence.cid), have: presence.type === Message.BlockPresenceType.Have })
    } catch {
      invalid++
    }
  }
  return { full: message.wantlist?.full ?? false, wants, blocks, presences, pendingBytes: message.pendingBytes, invalid }
}

/** What to send to one peer; {@link encodeMessages} packs it into as many messages as it takes. */
export interface OutgoingMessage {
  full?: boolean
  wants?: WantEntry[]
  blocks?: ReceivedBlock[]
  presences?: Presence[]
  pendingBytes?: number
}

/** Protobuf overhead allowed per entry when packing: tags, lengths, flags. */
const ENTRY_OVERHEAD = 24

/**
 * Encodes `out` as one or more messages, each under `maxSize`. A `full` wantlist is only full in
 * the first message (the later ones add to it). `v100` writes blocks the Bitswap 1.0.0 way.
 */
export function encodeMessages (out: OutgoingMessage, options: { maxSize?: number, v100?: boolean } = {}): Uint8Array[] {
  return encodeMessageLists(out, options).map(list => list.subarray())
}

/**
 * {@link encodeMessages} without copying block bytes: each message is a list whose chunks are
 * the protobuf framing and the blocks' own bytes. Protobuf lets a message's fields come in any
 * order and repeated fields be written one by one, so the blocks are written after the rest of
 * the message, each as its field header and then its bytes as they are. Encoding into one buffer
 * copied every block a second time on its way to the network (once more in noise's encryption).
 */
export function encodeMessageLists (out: OutgoingMessage, options: { maxSize?: number, v100?: boolean } = {}): Uint8ArrayList[] {
  const maxSize = options.maxSize ?? MAX_OUTGOING_MESSAGE_SIZE
  const messages: Uint8ArrayList[] = []
  let current = emptyMessage()
  let blocks: ReceivedBlock[] = []
  let size = 16
  let hasContent = false
  const flush = (): void => {
    if (!hasContent) return
    const list = new Uint8ArrayList()
    const rest = Message.encode(current)
    if (rest.byteLength > 0) list.append(rest)
    for (const block of blocks) appendBlock(list, block, options.v100 === true)
    messages.push(list)
    current = emptyMessage()
    blocks = []
    size = 16
    hasContent = false
  }
  const room = (bytes: number): void => {
    if (hasContent && size + bytes > maxSize) flush()
    size += bytes
    hasContent = true
  }
  if (out.full === true) {
    current.wantlist = { entries: [], full: true }
    hasContent = true
  }
  for (const want of out.wants ?? []) {
    const block = want.cid.bytes
    room(block.byteLength + ENTRY_OVERHEAD)
    current.wantlist ??= { entries: [], full: false }
    current.wantlist.entries.push({
      block: block as Uint8Array<ArrayBuffer>,
      priority: want.priority,
      cancel: want.cancel,
      wantType: want.wantType === 'have' ? Message.Wantlist.WantType.Have : Message.Wantlist.WantType.Block,
      sendDontHave: want.sendDontHave
    })
  }
  for (const presence of out.presences ?? []) {
    room(presence.cid.bytes.byteLength + ENTRY_OVERHEAD)
    current.blockPresences.push({
      cid: presence.cid.bytes as Uint8Array<ArrayBuffer>,
      type: presence.have ? Message.BlockPresenceType.Have : Message.BlockPresenceType.DontHave
    })
  }
  for (const block of out.blocks ?? []) {
    room(block.bytes.byteLength + ENTRY_OVERHEAD)
    blocks.push(block)
  }
  if (out.pendingBytes != null && out.pendingBytes > 0) {
    current.pendingBytes = out.pendingBytes
    hasContent = true
  }
  flush()
  return messages
}

/** Field 2 (`blocks`, Bitswap 1.0.0) and field 3 (`payload`) of a message, length-delimited. */
const BLOCKS_TAG = (2 << 3) | 2
const PAYLOAD_TAG = (3 << 3) | 2
/** Fields 1 (`prefix`) and 2 (`data`) of a payload entry. */
const PREFIX_TAG = (1 << 3) | 2
const DATA_TAG = (2 << 3) | 2

/** Appends one block as a `payload` entry (or a bare 1.0.0 block): its header, then its bytes. */
function appendBlock (list: Uint8ArrayList, block: ReceivedBlock, v100: boolean): void {
  const data = block.bytes
  if (v100) {
    list.append(header([BLOCKS_TAG, data.byteLength]))
  } else {
    const prefix = cidPrefix(block.cid)
    const entry = 1 + varint.encodingLength(prefix.byteLength) + prefix.byteLength + 1 + varint.encodingLength(data.byteLength) + data.byteLength
    list.append(header([PAYLOAD_TAG, entry, PREFIX_TAG, prefix.byteLength], prefix, [DATA_TAG, data.byteLength]))
  }
  list.append(data)
}

/** Varints, then raw bytes, then more varints, in one small buffer. */
function header (before: number[], raw: Uint8Array = new Uint8Array(0), after: number[] = []): Uint8Array {
  const length = before.reduce((n, v) => n + varint.encodingLength(v), 0) + raw.byteLength + after.reduce((n, v) => n + varint.encodingLength(v), 0)
  const out = new Uint8Array(length)
  let offset = 0
  for (const v of before) {
    varint.encodeTo(v, out, offset)
    offset += varint.encodingLength(v)
  }
  out.set(raw, offset)
  offset += raw.byteLength
  for (const v of after) {
    varint.encodeTo(v, out, offset)
    offset += varint.encodingLength(v)
  }
  return out
}

function emptyMessage (): Message {
  return { blocks: [], payload: [], blockPresences: [], pendingBytes: 0 }
}

/** The key wants and blocks are matched by: the multihash, so a CIDv0 want takes a CIDv1 block. */
export function multihashKey (cid: CID): string {
  return Buffer.from(cid.multihash.bytes.buffer, cid.multihash.bytes.byteOffset, cid.multihash.bytes.byteLength).toString('base64')
}
