import { CAIRN_VERSION } from '../version.ts'

/** The agent version this node announces over identify and prints in `cairn id`. */
export const AGENT_VERSION = `cairn/${CAIRN_VERSION}`

/** libp2p ping (https://github.com/libp2p/specs/blob/master/ping/ping.md). */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
/** A ping payload is 32 random bytes, echoed back unchanged. */
export const PING_LENGTH = 32

/**
 * Default for `Swarm.MaxConnections`: above this libp2p prunes connections and refuses new inbound
 * ones. Sized for a home machine and router (libp2p's own default is 300 as well).
 */
export const DEFAULT_MAX_CONNECTIONS = 300

/**
 * Default for `Swarm.MaxConnectionsPerIP`: inbound connections (established or still upgrading)
 * accepted from one IP address; the next one is refused by the connection gater.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 8

/** How long `swarm connect` (and any dial without a signal of its own) may take. */
export const DEFAULT_DIAL_TIMEOUT = 10_000

/** How long one ping may wait for its echo. */
export const DEFAULT_PING_TIMEOUT = 10_000

/** Kubo waits this long between two pings of `ping -n`. */
export const PING_INTERVAL = 1_000

/** Kubo's default `ping -n`. */
export const DEFAULT_PING_COUNT = 10

/** How often the bandwidth meter samples its byte counters to compute rates. */
export const BANDWIDTH_SAMPLE_INTERVAL = 1_000
