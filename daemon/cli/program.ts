/**
 * The CLI's parser: a commander program built from the command table, with Kubo's global options
 * and Kubo's spelling of boolean flags.
 */
import { Command as Program, Option } from 'commander'
import type { Command } from '../../core/command.ts'
import { GLOBAL_OPTIONS, type GlobalOption } from '../../core/global-options.ts'

export { GLOBAL_OPTIONS, type GlobalOption }

/** commander's flags for a global option: `-c, --config <path>`. */
function globalFlags (option: GlobalOption): string {
  const long = `--${option.name}${option.value != null ? ` <${option.value}>` : ''}`
  return option.short != null ? `-${option.short}, ${long}` : long
}

/** The spellings of the global options that take a value (`--api`, `-c`), to skip their values. */
export const VALUED_GLOBAL_FLAGS: ReadonlySet<string> = new Set(GLOBAL_OPTIONS.filter(o => o.value != null)
  .flatMap(o => o.short != null ? [`--${o.name}`, `-${o.short}`] : [`--${o.name}`]))

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

/**
 * Builds the commander program from commands of the table (all of them, or only those of the
 * module the CLI call needs); `onRun` receives the parsed call.
 */
export function buildProgram (commands: readonly Command[], onRun: (command: Command, args: string[], options: Record<string, unknown>) => Promise<void>): Program {
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
  for (const option of GLOBAL_OPTIONS) program.option(globalFlags(option), option.description)

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
  for (const command of commands) {
    const sub = nodeFor(command.path).description(command.description)
    for (const arg of command.args) {
      const name = arg.variadic === true ? `${arg.name}...` : arg.name
      sub.argument(arg.required === true ? `<${name}>` : `[${name}]`, arg.description)
    }
    for (const spec of command.options) {
      // Kubo has options named by one letter (cid format -f -v -b): those are written -f
      const long = spec.name.length === 1 ? `-${spec.name}` : `--${spec.name}`
      const flag = spec.short != null && spec.name.length > 1 ? `-${spec.short}, ${long}` : long
      const help = spec.default !== undefined ? `${spec.description} (default: ${String(spec.default)})` : spec.description
      if (spec.type === 'boolean') {
        sub.addOption(new Option(flag, help))
        sub.addOption(new Option(`--no-${spec.name}`).hideHelp())
      } else {
        sub.addOption(new Option(`${flag} <${spec.type === 'duration' ? 'duration' : 'value'}>`, help))
      }
    }
    for (const option of GLOBAL_OPTIONS) {
      // a command may declare a global option itself (daemon --offline) to document it
      if (command.options.some(o => o.name === option.name)) continue
      sub.addOption(new Option(globalFlags(option), option.description).hideHelp())
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
