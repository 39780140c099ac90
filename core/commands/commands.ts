/**
 * `commands`: every command Cairn has, as Kubo's tree (`{"Name","Subcommands","Options"}`, root
 * `cairn` with the global options), built from the command table; the CLI prints one command
 * path a line, sorted, and with `--flags` each option's spellings too.
 */
import { GLOBAL_OPTIONS } from '../global-options.ts'
import { defineCommand, type Command } from '../command.ts'

/** One option in Kubo's tree: its long name, then its short one. */
export interface CommandTreeOption {
  Names: string[]
}

/** Kubo's `commands` node. */
export interface CommandTree {
  Name: string
  Subcommands: CommandTree[]
  Options: CommandTreeOption[]
}

/** The program's name, the tree's root. */
const ROOT = 'cairn'

/** Builds Kubo's tree from commands: a node per path word, subcommands sorted by name. */
export function commandTree (commands: ReadonlyArray<Command<any>>): CommandTree { // eslint-disable-line @typescript-eslint/no-explicit-any
  const root: CommandTree = {
    Name: ROOT,
    Subcommands: [],
    Options: GLOBAL_OPTIONS.map(o => ({ Names: o.short != null ? [o.name, o.short] : [o.name] }))
  }
  for (const command of commands) {
    let node = root
    for (const word of command.path.split(' ')) {
      let child = node.Subcommands.find(c => c.Name === word)
      if (child == null) {
        child = { Name: word, Subcommands: [], Options: [] }
        node.Subcommands.push(child)
      }
      node = child
    }
    node.Options = command.options.map(o => ({ Names: o.short != null ? [o.name, o.short] : [o.name] }))
  }
  const sort = (node: CommandTree): void => {
    node.Subcommands.sort((a, b) => a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)
    node.Subcommands.forEach(sort)
  }
  sort(root)
  return root
}

/** Kubo's text: every path (and with `flags` every option spelling of it), sorted. */
export function commandLines (tree: CommandTree, flags: boolean): string[] {
  const lines: string[] = []
  const visit = (prefix: string, node: CommandTree): void => {
    const path = prefix + node.Name
    lines.push(path)
    if (prefix !== '' && flags) {
      for (const option of node.Options) {
        lines.push(option.Names.map(n => `${path} ${n.length === 1 ? '-' : '--'}${n}`).join(' / '))
      }
    }
    for (const sub of node.Subcommands) visit(`${path} `, sub)
  }
  visit('', tree)
  return lines.sort()
}

export const commands = defineCommand<CommandTree>({
  path: 'commands',
  description: 'List every command',
  args: [],
  options: [
    { name: 'flags', short: 'f', type: 'boolean', default: false, description: 'show each command\'s flags too' }
  ],
  output: 'value',
  needsRepo: false,
  text: (tree, options) => commandLines(tree, options.flags === true).join('\n'),
  async run ({ table }) {
    // the table is loaded here, not imported: it imports this module
    const all = table != null ? await table() : (await import('./index.ts')).COMMANDS
    return commandTree(all)
  }
})
