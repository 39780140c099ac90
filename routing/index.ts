/**
 * Routing: the interface every router implements (the DHT, delegated HTTP routers) and the
 * composite the node wires them into. See `types.ts` and `composite.ts`.
 */
export type * from './types.ts'
export {
  combineErrors, createCompositeRouting, DEFAULT_ROUTING_OFF_REASON,
  type CompositeRoutingComponents, type CompositeRoutingInit
} from './composite.ts'
