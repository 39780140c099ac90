/**
 * `log level` and `log ls`: a running daemon's logging, changed and listed while it runs, in
 * Kubo's shapes (`{"Message"}`, `{"Levels"}`, `{"Strings"}`). Subsystems are the components'
 * logger names (`cairn:blockstore:gc`, `libp2p:tcp`); logger/levels.ts says how Kubo's levels
 * map onto them.
 */
import { InvalidArgumentError, OfflineError } from '../../errors/index.ts'
import { logSubsystems, runtimeLevelsEnabled } from '../../logger/index.ts'
import { defineCommand } from '../command.ts'

/** Kubo's `log level` answer: a message when a level was set, else the levels asked for. */
export interface LogLevelOutput {
  Message?: string
  Levels?: Record<string, string>
}

/** Kubo's name for the level unconfigured subsystems fall back to. */
const DEFAULT_SUBSYSTEM_KEY = '(default)'

export const logLevel = defineCommand<LogLevelOutput>({
  path: 'log level',
  description: 'Change the logging level of a subsystem of the running daemon (all or * for every one)',
  args: [
    { name: 'subsystem', description: 'a subsystem (see log ls), or all / * for every subsystem' },
    { name: 'level', description: 'debug, info, warn, error, dpanic, panic or fatal' }
  ],
  options: [],
  output: 'value',
  text: (value, options) => {
    if (value.Message != null) return value.Message.replace(/\n$/, '')
    const entries = Object.entries(value.Levels ?? {})
    const names = options.enc === 'json' || entries.length > 1
    return entries.map(([name, level]) => names ? `${name}: ${level}` : level).sort().join('\n')
  },
  async run ({ args }) {
    if (!runtimeLevelsEnabled()) {
      throw new OfflineError('log level changes the logging of a running daemon: start one with "cairn daemon" first')
    }
    const { logLevels, normalizeSubsystem, parseLogLevel, setLogLevel, ALL_SUBSYSTEMS } = await import('../../logger/levels.ts')
    const subsystem = args[0] == null ? undefined : normalizeSubsystem(args[0])
    if (subsystem === '') throw new InvalidArgumentError('the subsystem is empty: name one (see log ls), or all')
    if (subsystem != null && args[1] != null) {
      const level = parseLogLevel(args[1])
      setLogLevel(subsystem, level)
      return { Message: `Changed log level of '${subsystem}' to '${level}'\n` }
    }
    // no level: the levels set so far (what is not set follows DEBUG, Kubo's "default")
    const set = logLevels()
    const fallback = set.get(ALL_SUBSYSTEMS) ?? 'default'
    if (subsystem == null) return { Levels: { [DEFAULT_SUBSYSTEM_KEY]: fallback } }
    if (subsystem === ALL_SUBSYSTEMS) {
      const levels: Record<string, string> = { [DEFAULT_SUBSYSTEM_KEY]: fallback }
      for (const name of logSubsystems()) levels[name] = set.get(name) ?? fallback
      return { Levels: levels }
    }
    return { Levels: { [subsystem]: set.get(subsystem) ?? fallback } }
  }
})

export const logLs = defineCommand<{ Strings: string[] }>({
  path: 'log ls',
  description: 'List the logging subsystems',
  args: [],
  options: [],
  output: 'value',
  text: (value) => value.Strings.join('\n'),
  async run () {
    return { Strings: logSubsystems() }
  }
})
