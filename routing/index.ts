/**
 * Routing: the interface every router implements (the DHT, delegated HTTP routers) and what
 * the node wires them into. See `types.ts`.
 */
export type * from './types.ts'
