import { Command as Program, Option } from 'commander'
import { CairnError, messageOf } from '../../errors/index.ts'
import { COMMANDS, type Command } from '../../core/index.ts'
import { daemon } from '../daemon.ts'
import { runCli } from './run.ts'

/** What the CLI offers: the core table, plus the commands only this process can run. */
export const CLI_COMMANDS: Command[] = [...COMMANDS, daemon]

/** Global options, accepted before or after the command path. */
export const GLOBAL_OPTIONS = [
  { flags: '--offline', description: 'run without the network (the default while no daemon runs)' },
  { flags: '--enc <encoding>', description: 'output encoding: text (default) or json, in Kubo\'s JSON shapes' },
  { flags: '--timeout <duration>', description: 'give up after this long (Go duration, e.g. 30s)' },
  { flags: '--api <multiaddr>', description: 'the RPC API of a daemon to use (or CAIRN_API)' },
  { flags: '--api-auth <secret>', description: 'the RPC API secret: basic:<user>:<password>, bearer:<token> or a bare token (or CAIRN_API_AUTH)' }
]

/**
 * Kubo spells boolean flags `--pin=false`; commander spells that `--no-pin`. Rewrites the former
 * into the latter for the options the table declares as booleans.
 */
export function normalizeBooleanFlags (argv: string[], booleans: Set<string>): string[] {
  const out: string[] = []
  for (const arg of argv) {
    if (arg === '--') {
      out.push(...argv.slice(argv.indexOf(arg)))
      return out
    }
    const match = /^--([a-z0-9-]+)=(.*)$/.exec(arg)
    if (match != null && booleans.has(match[1])) {
      const value = match[2].toLowerCase()
      if (value === 'false' || value === '0') {
        out.push(`--no-${match[1]}`)
        continue
      }
      if (value === 'true' || value === '1' || value === '') {
        out.push(`--${match[1]}`)
        continue
      }
    }
    out.push(arg)
  }
  return out
}

/** Builds the commander program from the command table; `onRun` receives the parsed call. */
export function buildProgram (onRun: (command: Command, args: string[], options: Record<string, unknown>) => Promise<void>): Program {
  const program = new Program('cairn')
    .description('Cairn: a content-addressed storage daemon that speaks IPFS')
    .showHelpAfterError(false)
    .allowExcessArguments(false)
    .configureOutput({
      writeErr: (text) => { process.stderr.write(text) },
      outputError: (text, write) => {
        write(`Error: ${text.replace(/^error: /, '')}`)
      }
    })
  for (const option of GLOBAL_OPTIONS) program.option(option.flags, option.description)

  const nodes = new Map<string, Program>()
  const nodeFor = (path: string): Program => {
    let node = nodes.get(path)
    if (node != null) return node
    const words = path.split(' ')
    const parent = words.length === 1 ? program : nodeFor(words.slice(0, -1).join(' '))
    node = parent.command(words[words.length - 1]).description(`${path} commands`)
    nodes.set(path, node)
    return node
  }
  for (const command of CLI_COMMANDS) {
    const sub = nodeFor(command.path).description(command.description)
    for (const arg of command.args) {
      const name = arg.variadic === true ? `${arg.name}...` : arg.name
      sub.argument(arg.required === true ? `<${name}>` : `[${name}]`, arg.description)
    }
    for (const spec of command.options) {
      const flag = spec.short != null ? `-${spec.short}, --${spec.name}` : `--${spec.name}`
      const help = spec.default !== undefined ? `${spec.description} (default: ${String(spec.default)})` : spec.description
      if (spec.type === 'boolean') {
        sub.addOption(new Option(flag, help))
        sub.addOption(new Option(`--no-${spec.name}`).hideHelp())
      } else {
        sub.addOption(new Option(`${flag} <${spec.type === 'duration' ? 'duration' : 'value'}>`, help))
      }
    }
    for (const option of GLOBAL_OPTIONS) {
      const name = option.flags.split(' ')[0].slice(2)
      // a command may declare a global option itself (daemon --offline) to document it
      if (command.options.some(o => o.name === name)) continue
      sub.addOption(new Option(option.flags, option.description).hideHelp())
    }
    sub.action(async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Program
      const args: string[] = []
      for (const value of params.slice(0, command.args.length)) {
        if (Array.isArray(value)) args.push(...value as string[])
        else if (typeof value === 'string') args.push(value)
      }
      await onRun(command, args, cmd.optsWithGlobals())
    })
  }
  return program
}

/** commander's option names are camelCase; the table's are kebab-case. */
export function kebabOptions (options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    // a one-letter name is kept as it is (Kubo's `files ls -U`)
    out[key.length === 1 ? key : key.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)] = value
  }
  return out
}

async function main (): Promise<void> {
  const booleans = new Set(CLI_COMMANDS.flatMap(c => c.options.filter(o => o.type === 'boolean').map(o => o.name)))
  booleans.add('offline')
  const argv = normalizeBooleanFlags(process.argv.slice(2), booleans)
  let exitCode = 0
  const program = buildProgram(async (command, args, options) => {
    exitCode = await runCli(command, args, kebabOptions(options))
  })
  program.exitOverride()
  try {
    await program.parseAsync(argv, { from: 'user' })
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
