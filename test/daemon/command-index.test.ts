/**
 * The CLI's command index (daemon/cli/command-index.ts) points every command it lists at the
 * module that declares it, so a command run through the index is the very command of the table.
 */
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../core/index.ts'
import { daemon } from '../../daemon/daemon.ts'
import { COMMAND_MODULES, commandWords, loadCommands } from '../../daemon/cli/command-index.ts'
import { VALUED_GLOBAL_FLAGS } from '../../daemon/cli/program.ts'

describe('the CLI command index', () => {
  it('finds each command of the table in its own module, or leaves it to the whole table', async () => {
    let indexed = 0
    for (const command of [...COMMANDS, daemon]) {
      const words = [...command.path.split(' '), 'an-argument']
      const found = await loadCommands(words)
      if (found == null) {
        // not in the index: only commands under no indexed path may be missing from it
        expect(COMMAND_MODULES.some(([paths]) => paths.some(p => command.path === p || command.path.startsWith(`${p} `)))).toBe(false)
        continue
      }
      indexed++
      expect(found).toContain(command)
      // the longest path of the module that starts the words is the command itself
      const best = found.filter(c => words.join(' ').startsWith(`${c.path} `)).sort((a, b) => b.path.length - a.path.length)[0]
      expect(best).toBe(command)
    }
    expect(indexed).toBeGreaterThan(40)
  })

  it('loads the whole table for a word it does not know, and for a group without its subcommand', async () => {
    expect(await loadCommands(['nosuchcommand'])).toBeUndefined()
    expect(await loadCommands(['pin'])).toBeUndefined()
    expect(await loadCommands([])).toBeUndefined()
  })

  it('reads the command words past the global options and their values', () => {
    expect(commandWords(['--repo-dir', '/r', '-D', 'pin', 'add', 'x', '--progress'], VALUED_GLOBAL_FLAGS)).toEqual(['pin', 'add', 'x'])
    expect(commandWords(['-c', '/r', '--enc=json', 'cid', 'format', '-v', '1', 'Qm'], VALUED_GLOBAL_FLAGS)).toEqual(['cid', 'format'])
    expect(commandWords(['--timeout', '5s', 'cat', '--', '-x'], VALUED_GLOBAL_FLAGS)).toEqual(['cat'])
  })
})
