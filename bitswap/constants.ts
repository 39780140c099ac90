/**
 * Bitswap's protocol IDs and limits, with the numbers the reference implementations use
 * (ipfs/specs bitswap-protocol.md; boxo bitswap; helia packages/bitswap).
 */

/** The protocol Cairn dials and prefers: want-have, DONT_HAVE and pendingBytes. */
export const BITSWAP_120 = '/ipfs/bitswap/1.2.0'
/** CIDv1 blocks as `payload` (prefix + data); no want-have. Accepted inbound. */
export const BITSWAP_110 = '/ipfs/bitswap/1.1.0'
/** Blocks as bare bytes (CIDv0 assumed). Accepted inbound. */
export const BITSWAP_100 = '/ipfs/bitswap/1.0.0'
/** Every protocol Cairn answers, newest first. */
export const BITSWAP_PROTOCOLS = [BITSWAP_120, BITSWAP_110, BITSWAP_100] as const

/** The largest message read or written: 4 MiB (libp2p's `MessageSizeMax`); larger sends are split. */
export const MAX_MESSAGE_SIZE = 4 * 1024 * 1024
/** The largest block accepted: 2 MiB, as the spec and boxo. */
export const MAX_BLOCK_SIZE = 2 * 1024 * 1024
/** The longest CID accepted in a want or presence (boxo `MaximumAllowedCid`). */
export const MAX_CID_SIZE = 168
/** Entries one peer may keep in its wantlist with us (boxo and Helia: 1024). */
export const MAX_WANTLIST_SIZE = 1024
/** A want-have for a block this small is answered with the block itself (boxo: 1024 B). */
export const WANT_HAVE_REPLACE_SIZE = 1024

/**
 * The largest message written: 2 MiB, what Helia reads by default and where boxo splits its own
 * (a single block of up to {@link MAX_BLOCK_SIZE} still goes whole).
 */
export const MAX_OUTGOING_MESSAGE_SIZE = 2 * 1024 * 1024
/** Block bytes gathered into one outgoing message before it is sent. */
export const DEFAULT_TARGET_MESSAGE_SIZE = 1024 * 1024
/** Block bytes sent to one peer and not yet written out before its next task waits. */
export const DEFAULT_MAX_OUTSTANDING_BYTES_PER_PEER = 2 * 1024 * 1024
/** Blocks read from the store at once by the serving engine, across all peers. */
export const DEFAULT_ENGINE_CONCURRENCY = 16
/** Every this many scheduling rounds, the peer served longest ago goes first (optimistic unchoke). */
export const DEFAULT_OPTIMISTIC_EVERY = 10
/** Weight of the past in the per-peer received-bytes average that decides reciprocity. */
export const DEFAULT_RECIPROCITY_DECAY = 0.9

/** How long a want-block may go unanswered by one peer before it is asked of another. */
export const DEFAULT_DONT_HAVE_TIMEOUT = 5_000
/** How long a session waits with no block before it looks for providers again. */
export const DEFAULT_PROVIDER_SEARCH_DELAY = 1_000
/** Providers dialled per search. */
export const DEFAULT_MAX_PROVIDERS = 10
/** Wants sent in one burst are merged for this long (ms) into one message per peer. */
export const DEFAULT_SEND_DEBOUNCE = 0
/** How long opening a stream and writing one message may take. */
export const DEFAULT_SEND_TIMEOUT = 30_000
/** How long an inbound stream may stay silent between messages before it is closed. */
export const DEFAULT_INBOUND_IDLE_TIMEOUT = 60_000
/** Unverifiable or unwanted blocks a peer may send before its messages are ignored. */
export const DEFAULT_MAX_BAD_BLOCKS = 64
