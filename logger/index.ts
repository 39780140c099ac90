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
let runtimeLevels = false
const subsystems = new Set<string>()

/** Records each component's name (for `log ls`) before handing out its logger. */
function recording (logger: ComponentLogger): ComponentLogger {
  return {
    forComponent (name) {
      subsystems.add(name)
      return logger.forComponent(name)
    }
  }
}

const SILENT_RECORDING = recording(SILENT_LOGGER)

/** `@libp2p/logger`, loaded synchronously and only when logs may be printed. */
export function libp2pLogger (): typeof import('@libp2p/logger') {
  // synchronous on purpose: loggers are created in constructors. require() of an ES module
  // is supported by the Node this project runs on (>= 22.12).
  const require = createRequire(import.meta.url)
  return require('@libp2p/logger') as typeof import('@libp2p/logger')
}

/**
 * The process's component logger: `@libp2p/logger`'s `defaultLogger()` when `DEBUG` is set or
 * {@link enableRuntimeLevels} was called, else one that prints nothing. The node builds one and
 * hands it to every part it wires; either way the components' names are recorded
 * ({@link logSubsystems}).
 */
export function cairnLogger (env: NodeJS.ProcessEnv = process.env): ComponentLogger {
  if (!runtimeLevels && (env.DEBUG == null || env.DEBUG === '')) return SILENT_RECORDING
  shared ??= recording(libp2pLogger().defaultLogger())
  return shared
}

/**
 * Turns Cairn's logs on (`cairn:*`) besides whatever `DEBUG` already names: the CLI's
 * `-D`/`--debug`. Takes effect for loggers created afterwards, so it is called before anything
 * builds one.
 */
export function enableDebug (env: NodeJS.ProcessEnv = process.env): void {
  const current = env.DEBUG ?? ''
  if (current.split(',').includes('cairn:*')) return
  env.DEBUG = current === '' ? 'cairn:*' : `${current},cairn:*`
}

/**
 * Makes {@link cairnLogger} hand out real loggers even with `DEBUG` unset, so that `log level`
 * can turn subsystems on and off while the process runs (the daemon does this; a short-lived
 * CLI process keeps the logger that costs nothing).
 */
export function enableRuntimeLevels (): void {
  runtimeLevels = true
}

/** True once {@link enableRuntimeLevels} was called: `log level` can act on this process. */
export function runtimeLevelsEnabled (): boolean {
  return runtimeLevels
}

/** The names of the components that took a logger in this process, sorted (`log ls`). */
export function logSubsystems (): string[] {
  return [...subsystems].sort()
}

/** `components.logger` when given, else the silent logger, scoped to `name`. */
export function loggerFor (logger: ComponentLogger | undefined, name: string): Logger {
  return (logger ?? SILENT_LOGGER).forComponent(name)
}
