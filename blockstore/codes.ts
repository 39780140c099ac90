/**
 * The multicodec codes Cairn uses, in one table: block codecs (the codec of a CID) and multihash
 * functions. Every other module takes its codes from here rather than writing `0x70` again.
 *
 * @see https://github.com/multiformats/multicodec/blob/master/table.csv
 */

/** dag-pb: protobuf nodes with named links (UnixFS). */
export const DAG_PB = 0x70
/** raw: the bytes as they are, no links. */
export const RAW = 0x55
/** dag-cbor: CBOR with CIDs as tag 42. */
export const DAG_CBOR = 0x71
/** dag-json: JSON with CIDs as `{"/": "..."}`. */
export const DAG_JSON = 0x0129
/** Plain JSON: no links. */
export const JSON_CODE = 0x0200
/** Plain CBOR: no links. */
export const CBOR = 0x51
/** libp2p-key: a serialized public key (IPNS names), no links. */
export const LIBP2P_KEY = 0x72

/** The identity "hash": the digest is the block itself (the block is inlined in its CID). */
export const IDENTITY = 0x00
export const SHA1 = 0x11
export const SHA2_256 = 0x12
export const SHA2_512 = 0x13
export const SHA2_384 = 0x20
export const SHA3_512 = 0x14
export const SHA3_384 = 0x15
export const SHA3_256 = 0x16
export const SHA3_224 = 0x17
export const KECCAK_224 = 0x1a
export const KECCAK_256 = 0x1b
export const KECCAK_384 = 0x1c
export const KECCAK_512 = 0x1d
export const BLAKE3 = 0x1e
/** blake2b-8 … blake2b-512 are `BLAKE2B_MIN` … `BLAKE2B_MAX`, one code per digest byte. */
export const BLAKE2B_MIN = 0xb201
export const BLAKE2B_256 = 0xb220
export const BLAKE2B_MAX = 0xb240
/** blake2s-8 … blake2s-256 are `BLAKE2S_MIN` … `BLAKE2S_MAX`. */
export const BLAKE2S_MIN = 0xb241
export const BLAKE2S_MAX = 0xb260

/** MurmurHash3 x64 (the low 64 bits), the hash of UnixFS HAMT directories. */
export const MURMUR3_X64_64 = 0x22
