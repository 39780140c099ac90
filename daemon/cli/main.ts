/**
 * The CLI's entry (bin/cairn.js imports it): parses the call and runs it. Only the module of the
 * command called is loaded when the command index knows it (command-index.ts); the whole table
 * only for help, an unknown word, or a command the index does not list.
 */
import { CairnError, messageOf } from '../../errors/index.ts'
import type { Command } from '../../core/command.ts'
import { commandWords, loadCommands } from './command-index.ts'
import { buildProgram, kebabOptions, normalizeBooleanFlags, VALUED_GLOBAL_FLAGS } from './program.ts'
import { runCli } from './run.ts'

/** What the CLI offers: the core table, plus the commands only this process can run. */
export async function cliCommands (): Promise<Command[]> {
  const [{ COMMANDS }, { daemon }] = await Promise.all([import('../../core/commands/index.ts'), import('../daemon.ts')])
  return [...COMMANDS, daemon]
}

async function main (): Promise<void> {
  const argv = process.argv.slice(2)
  const commands = await loadCommands(commandWords(argv, VALUED_GLOBAL_FLAGS)) ?? await cliCommands()
  const booleans = new Set(commands.flatMap(c => c.options.filter(o => o.type === 'boolean').map(o => o.name)))
  booleans.add('offline')
  booleans.add('debug')
  let exitCode = 0
  const program = buildProgram(commands, async (command, args, options) => {
    exitCode = await runCli(command, args, kebabOptions(options), cliCommands)
  })
  program.exitOverride()
  try {
    await program.parseAsync(normalizeBooleanFlags(argv, booleans), { from: 'user' })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = 0
      return
    }
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander has already printed "Error: ..." through outputError
      process.exitCode = 1
      return
    }
    process.stderr.write(`Error: ${err instanceof CairnError ? err.message : messageOf(err)}\n`)
    process.exitCode = 1
    return
  }
  process.exitCode = exitCode
}

await main()
