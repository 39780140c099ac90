/**
 * The core API: the command table, and the node that implements it by wiring the subsystems.
 */
export * from './command.ts'
export * from './node.ts'
export { CAIRN_VERSION } from './version.ts'
export { COMMANDS, findCommand } from './commands/index.ts'
