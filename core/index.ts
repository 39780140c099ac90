/**
 * The core API: the command table, and the node that implements it by wiring the subsystems.
 */
export * from './command.ts'
export * from './node.ts'
export { CAIRN_VERSION } from './version.ts'
export { Lifecycle, type LifecycleComponents, type Startable } from './lifecycle.ts'
export { offlineView } from './offline-view.ts'
// types only: the block service and the components load the blockstore and libp2p types, which
// the CLI that talks to a daemon must not load (import them from their modules to construct them)
export type { BlockServiceComponents } from './block-service.ts'
export type { NodeComponents, NodeComponentsInit } from './components.ts'
export type { PathResolverComponents } from './resolve-path.ts'
export { COMMANDS, findCommand } from './commands/index.ts'
