/**
 * Cairn's libp2p host: js-libp2p runs TCP, Noise, Yamux, identify and ping; Cairn's own protocols
 * (DHT, Bitswap) register on the host through its typed registrar, connection manager and peer
 * store. Importing this module loads the network stack: the offline CLI should not.
 */
export * from './constants.ts'
export * from './addresses.ts'
export * from './errors.ts'
export { BandwidthMeter, type BandwidthFilter, type BandwidthStats, type BandwidthMeterInit } from './bandwidth.ts'
export { PerIpConnectionGater, type PerIpConnectionGaterInit, type PerIpConnectionGaterComponents } from './connection-gater.ts'
export { pingOnce, type PingDialer } from './ping.ts'
export {
  createHost, identityFromConfig, resolveHostOptions,
  type CairnHost, type DialTarget, type HostComponents, type HostConnectionManager, type HostEvents,
  type HostInit, type HostOptions, type HostRegistrar
} from './host.ts'
