/**
 * The UnixFS `Data` fields that `ipfs-unixfs` reads but does not hand back: `filesize` (3),
 * `Type` (1) as written, `hashType` (5), and whether `mode` (7) was present at all (it fills in
 * defaults: a message without a known `Type` reads as a file, a missing mode as 0644/0755).
 *
 * Everything else about the message is decoded by `ipfs-unixfs`; this only walks the protobuf
 * field tags to find these four, and writes nothing. Field numbers: specs:src/unixfs.md, `Data`.
 */

/** The extra facts about one UnixFS `Data` message. */
export interface UnixFSExtraFields {
  /** `filesize` as written, when present. */
  filesize?: bigint
  /** `hashType` as written, when present (0x22, murmur3-x64-64, for HAMT shards). */
  hashType?: bigint
  /** `Type` as written, when present (the spec requires it; 0–5 are defined). */
  type?: bigint
  /** Whether `mode` was written (absent means "unspecified", not 0644/0755). */
  hasMode: boolean
}

const FIELD_TYPE = 1
const FIELD_FILESIZE = 3
const FIELD_HASH_TYPE = 5
const FIELD_MODE = 7

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

/**
 * Scans a UnixFS `Data` message for {@link UnixFSExtraFields}.
 *
 * @throws Error when the bytes are not a well-formed protobuf message
 */
export function readExtraFields (data: Uint8Array): UnixFSExtraFields {
  const out: UnixFSExtraFields = { hasMode: false }
  let pos = 0
  // a protobuf varint, read by hand: multiformats' decoder refuses the 10-byte and non-minimal
  // forms protobuf allows, and gives numbers where a uint64 needs a bigint
  const varint = (): bigint => {
    let value = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= data.length) {
        throw new Error('truncated varint')
      }
      const byte = data[pos++]
      value |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) {
        return value
      }
    }
    throw new Error('varint longer than 10 bytes')
  }
  const skip = (n: number): void => {
    if (pos + n > data.length) {
      throw new Error('truncated field')
    }
    pos += n
  }

  while (pos < data.length) {
    const tag = varint()
    const field = Number(tag >> 3n)
    const wire = Number(tag & 7n)
    switch (wire) {
      case WIRE_VARINT: {
        const value = varint()
        if (field === FIELD_TYPE) out.type = value
        else if (field === FIELD_FILESIZE) out.filesize = value
        else if (field === FIELD_HASH_TYPE) out.hashType = value
        else if (field === FIELD_MODE) out.hasMode = true
        break
      }
      case WIRE_FIXED64: skip(8); break
      case WIRE_FIXED32: skip(4); break
      case WIRE_LENGTH_DELIMITED: skip(Number(varint())); break
      default:
        throw new Error(`unsupported protobuf wire type ${wire}`)
    }
  }
  return out
}
