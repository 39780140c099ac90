/**
 * Bitswap 1.2.0 (accepting 1.1.0 and 1.0.0 inbound): Cairn's block exchange. The node wires it
 * with typed components (registrar, connection manager, blockstore, routing) and plugs it into
 * the block service as the network source of missing blocks.
 */
export { Bitswap, createBitswap } from './bitswap.ts'
export type { BitswapBlockstore, BitswapComponents, BitswapInit, BitswapSession, BitswapStat } from './bitswap.ts'
export type { LedgerInfo } from './ledger.ts'
export * from './constants.ts'
