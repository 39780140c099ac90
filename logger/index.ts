/**
 * The component logger every subsystem takes (as js-libp2p passes one): `components.logger
 * .forComponent('cairn:blockstore')`, then `log('stored %d blocks', n)` and
 * `log.error('gc failed: %e', err)`. Namespaces are `cairn:<subsystem>:<part>`; nothing is
 * printed unless `DEBUG` names them (`DEBUG=cairn:*`), and then to stderr, never to the CLI's
 * output.
 *
 * A leaf module. {@link cairnLogger} loads `@libp2p/logger` (and its `weald` formatter) only when
 * `DEBUG` is set: the CLI starts in tens of milliseconds, and that import would cost it a few of
 * them on every command for output nobody asked for.
 */
import { createRequire } from 'node:module'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export type { ComponentLogger, Logger }

function silent (): Logger {
  const log = (() => {}) as unknown as Logger
  log.error = () => {}
  log.trace = () => {}
  log.enabled = false
  log.newScope = () => log
  return log
}

const SILENT_LOG = silent()

/** A logger that drops everything: the default of a component that was given none. */
export const SILENT_LOGGER: ComponentLogger = { forComponent: () => SILENT_LOG }

let shared: ComponentLogger | undefined

/**
 * The process's component logger: `@libp2p/logger`'s `defaultLogger()` when `DEBUG` is set,
 * else {@link SILENT_LOGGER}. The node builds one and hands it to every part it wires.
 */
export function cairnLogger (env: NodeJS.ProcessEnv = process.env): ComponentLogger {
  if (env.DEBUG == null || env.DEBUG === '') return SILENT_LOGGER
  if (shared == null) {
    // synchronous on purpose: loggers are created in constructors. require() of an ES module
    // is supported by the Node this project runs on (>= 22.12).
    const require = createRequire(import.meta.url)
    const { defaultLogger } = require('@libp2p/logger') as typeof import('@libp2p/logger')
    shared = defaultLogger()
  }
  return shared
}

/** `components.logger` when given, else the silent logger, scoped to `name`. */
export function loggerFor (logger: ComponentLogger | undefined, name: string): Logger {
  return (logger ?? SILENT_LOGGER).forComponent(name)
}
