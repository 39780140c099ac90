/**
 * Which module declares which command, so that the CLI loads only the module of the command it
 * runs. Loading the whole table (every command's module and what they import) costs a small
 * command more than Node's own start-up; `cairn version` or `cairn cat` through a daemon need
 * one module each.
 *
 * The index is a shortcut, never the truth: a command missing from it, or no longer declared
 * where it says, is found in the whole table instead (see {@link loadCommands}), and
 * test/daemon/command-index.test.ts checks every entry against the table.
 */
import type { Command } from '../../core/command.ts'

type Loader = () => Promise<Record<string, unknown>>

/** Command paths (and the first words of their subcommands) and the module that declares them. */
export const COMMAND_MODULES: ReadonlyArray<readonly [readonly string[], Loader]> = [
  [['version', 'init'], async () => await import('../../core/commands/init.ts')],
  [['add'], async () => await import('../../core/commands/add.ts')],
  [['cat', 'get', 'ls'], async () => await import('../../core/commands/files.ts')],
  [['pin'], async () => await import('../../core/commands/pin.ts')],
  [['block'], async () => await import('../../core/commands/block.ts')],
  [['dag put', 'dag get', 'dag export', 'dag import'], async () => await import('../../core/commands/dag.ts')],
  [['repo', 'refs', 'dag stat'], async () => await import('../../core/commands/repo.ts')],
  [['config edit'], async () => await import('../../core/commands/config-edit.ts')],
  [['config'], async () => await import('../../core/commands/config.ts')],
  [['id'], async () => await import('../../core/commands/id.ts')],
  [['swarm'], async () => await import('../../core/commands/swarm.ts')],
  [['shutdown'], async () => await import('../../core/commands/shutdown.ts')],
  [['cid'], async () => await import('../../core/commands/cid.ts')],
  [['log'], async () => await import('../../core/commands/log.ts')],
  [['diag'], async () => await import('../../core/commands/diag.ts')],
  [['commands'], async () => await import('../../core/commands/commands.ts')],
  [['daemon'], async () => await import('../daemon.ts')]
]

/** True for a value a command module exports as a command. */
function isCommand (value: unknown): value is Command {
  return typeof value === 'object' && value != null && typeof (value as Command).path === 'string' &&
    typeof (value as Command).run === 'function'
}

/**
 * The words of `argv` that name a command: the leading words up to the first option, skipping
 * the global options (and the values of those that take one) that may come before them.
 */
export function commandWords (argv: readonly string[], valued: ReadonlySet<string>): string[] {
  const words: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') break
    if (arg.startsWith('-')) {
      if (words.length > 0) break
      if (valued.has(arg)) i++
      continue
    }
    words.push(arg)
  }
  return words
}

/**
 * The commands a CLI call needs: those declared by the module of the command `words` names (the
 * longest indexed path that starts them), or `undefined` when the index does not know it (then
 * the whole table is needed).
 */
export async function loadCommands (words: readonly string[]): Promise<Command[] | undefined> {
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const path = words.slice(0, n).join(' ')
    const entry = COMMAND_MODULES.find(([paths]) => paths.includes(path))
    if (entry == null) continue
    const commands = Object.values(await entry[1]()).filter(isCommand)
    // the module must declare the exact command `words` start with; else ask the whole table
    const full = (length: number): string => words.slice(0, length).join(' ')
    const found = commands.some(c => [1, 2, 3].some(length => length <= words.length && c.path === full(length)))
    return found ? commands : undefined
  }
  return undefined
}
