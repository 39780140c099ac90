/**
 * Log levels at run time, as Kubo's `log level <subsystem> <level>` sets them, mapped onto the
 * `DEBUG` namespaces of `@libp2p/logger`. A component `cairn:dht:query` logs through three
 * loggers: `cairn:dht:query` (what it does), `cairn:dht:query:error` and `…:trace` (trace is
 * decided when a logger is created, so it is not switched here). Kubo's levels become:
 *
 * - `debug`, `info`, `warn`: the component's log and its errors;
 * - `error`, `dpanic`, `panic`, `fatal`: its errors only.
 *
 * `*` (or `all`) sets every subsystem, forgetting earlier per-subsystem levels, as Kubo's does.
 * The namespaces `DEBUG` named at start-up stay on unless a level turns them off.
 */
import { InvalidArgumentError } from '../errors/index.ts'
import { libp2pLogger } from './index.ts'

/** Kubo's log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'] as const

/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number]

/** The subsystem name that means every subsystem, and Kubo's alias for it. */
export const ALL_SUBSYSTEMS = '*'
const ALL_ALIAS = 'all'

/** Levels set since start-up, by subsystem (`*` first when set). */
const levels = new Map<string, LogLevel>()
let initial: string | undefined

/** True when a level shows a component's log lines, not only its errors. */
function showsLog (level: LogLevel): boolean {
  return level === 'debug' || level === 'info' || level === 'warn'
}

/** The `DEBUG` namespaces that give `subsystem` its level. */
function namespacesFor (subsystem: string, level: LogLevel): string[] {
  if (subsystem === ALL_SUBSYSTEMS) return showsLog(level) ? ['*'] : ['*:error']
  return showsLog(level) ? [subsystem, `${subsystem}:error`] : [`${subsystem}:error`, `-${subsystem}`]
}

/** `all` is Kubo's spelling of `*`. */
export function normalizeSubsystem (subsystem: string): string {
  return subsystem === ALL_ALIAS ? ALL_SUBSYSTEMS : subsystem
}

/** Checks a level name; Kubo's error names the levels it takes. */
export function parseLogLevel (level: string): LogLevel {
  const lower = level.toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(lower)) {
    throw new InvalidArgumentError(`unknown log level "${level}": use one of ${LOG_LEVELS.join(', ')}`)
  }
  return lower as LogLevel
}

/** The `DEBUG` namespaces for the levels set so far, on top of `base`. */
export function levelNamespaces (base: string, set: ReadonlyMap<string, LogLevel>): string {
  const parts = base === '' ? [] : [base]
  for (const [subsystem, level] of set) parts.push(...namespacesFor(subsystem, level))
  return parts.join(',')
}

/** Sets `subsystem`'s level (`*`: all of them) in this process's loggers. */
export function setLogLevel (subsystem: string, level: LogLevel, env: NodeJS.ProcessEnv = process.env): void {
  initial ??= env.DEBUG ?? ''
  const name = normalizeSubsystem(subsystem)
  if (name === ALL_SUBSYSTEMS) levels.clear()
  levels.delete(name)
  levels.set(name, level)
  libp2pLogger().enable(levelNamespaces(initial, levels))
}

/** The levels set since start-up, by subsystem. */
export function logLevels (): ReadonlyMap<string, LogLevel> {
  return levels
}
