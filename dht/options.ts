/**
 * The DHT's options, each with its default, resolved in one place ({@link resolveDHTInit}).
 */
import { InvalidConfigError } from '../errors/index.ts'
import {
  DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_INBOUND_MESSAGE_TIMEOUT, DEFAULT_QUERY_TIMEOUT, DEFAULT_REFRESH_INTERVAL,
  DEFAULT_REQUEST_TIMEOUT, DEFAULT_VALUE_QUORUM, K, PROTOCOL_DHT
} from './constants.ts'
import type { DHTTransport } from './network.ts'
import type { ProviderStoreInit } from './provider-store.ts'
import type { RecordValidator } from './records.ts'
import type { IpDiversityInit } from './routing-table.ts'

/**
 * How the DHT takes part: a `server` answers requests (it registers the protocol, so identify
 * announces it and others add it to their tables); a `client` only asks; `auto` is a client
 * until the node has a public address, then a server (Kubo's `Routing.Type` `auto`/`dht`).
 */
export type DHTMode = 'client' | 'server' | 'auto'

/** Options of the DHT; every one is optional. */
export interface DHTInit {
  /** Default `auto`. */
  mode?: DHTMode
  /** Protocol ID. Default {@link PROTOCOL_DHT} (`/ipfs/kad/1.0.0`). */
  protocol?: string
  /** Bucket size and replication. Default {@link K} (20). */
  k?: number
  /** Concurrent requests per lookup. Default {@link DEFAULT_ALPHA} (10). */
  alpha?: number
  /** Closest peers that must answer before a lookup ends. Default {@link DEFAULT_BETA} (3). */
  beta?: number
  /** One request, dial included. Default {@link DEFAULT_REQUEST_TIMEOUT} (10 s). */
  requestTimeout?: number
  /** A whole lookup when the caller gives no signal. Default {@link DEFAULT_QUERY_TIMEOUT} (60 s). */
  queryTimeout?: number
  /** Each inbound message. Default {@link DEFAULT_INBOUND_MESSAGE_TIMEOUT} (10 s). */
  inboundMessageTimeout?: number
  /** IP diversity limits of the routing table, or `false`. Default 2 per bucket, 3 per table, loopback counted. */
  ipDiversity?: IpDiversityInit | false
  /** Provider-store limits and expiry. */
  providers?: ProviderStoreInit
  /** Routing-table refresh period; 0 turns it off. Default {@link DEFAULT_REFRESH_INTERVAL} (10 min). */
  refreshInterval?: number
  /** Valid records a value lookup collects before it stops. Default {@link DEFAULT_VALUE_QUORUM} (16). */
  valueQuorum?: number
  /** Validators by namespace beside the built-in `pk` (e.g. `{ ipns: … }`). */
  validators?: Record<string, RecordValidator>
  /** How requests reach peers. Default: libp2p streams. The simulation injects its own. */
  transport?: DHTTransport
}

/** {@link DHTInit} with every default applied. */
export interface DHTOptions {
  mode: DHTMode
  protocol: string
  k: number
  alpha: number
  beta: number
  requestTimeout: number
  queryTimeout: number
  inboundMessageTimeout: number
  ipDiversity: IpDiversityInit | false
  providers: ProviderStoreInit
  refreshInterval: number
  valueQuorum: number
  validators: Record<string, RecordValidator>
  transport?: DHTTransport
}

/** Applies the defaults; throws `InvalidConfigError` for values that cannot work. */
export function resolveDHTInit (init: DHTInit = {}): DHTOptions {
  const options: DHTOptions = {
    mode: init.mode ?? 'auto',
    protocol: init.protocol ?? PROTOCOL_DHT,
    k: init.k ?? K,
    alpha: init.alpha ?? DEFAULT_ALPHA,
    beta: init.beta ?? DEFAULT_BETA,
    requestTimeout: init.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
    queryTimeout: init.queryTimeout ?? DEFAULT_QUERY_TIMEOUT,
    inboundMessageTimeout: init.inboundMessageTimeout ?? DEFAULT_INBOUND_MESSAGE_TIMEOUT,
    ipDiversity: init.ipDiversity ?? {},
    providers: init.providers ?? {},
    refreshInterval: init.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
    valueQuorum: init.valueQuorum ?? DEFAULT_VALUE_QUORUM,
    validators: init.validators ?? {},
    transport: init.transport
  }
  if (!['client', 'server', 'auto'].includes(options.mode)) throw new InvalidConfigError(`unknown DHT mode ${String(options.mode)}`)
  for (const name of ['k', 'alpha', 'beta', 'valueQuorum'] as const) {
    if (!Number.isSafeInteger(options[name]) || options[name] < 1) throw new InvalidConfigError(`DHT ${name} must be a positive integer`)
  }
  for (const name of ['requestTimeout', 'queryTimeout', 'inboundMessageTimeout'] as const) {
    if (!(options[name] > 0)) throw new InvalidConfigError(`DHT ${name} must be positive`)
  }
  if (!(options.refreshInterval >= 0)) throw new InvalidConfigError('DHT refreshInterval must be 0 (off) or positive')
  return options
}
