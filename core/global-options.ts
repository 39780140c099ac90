/**
 * The options every command takes besides its own, before or after the command path, with
 * Kubo's names: declared once here for the CLI's parser and for `commands`, which lists them as
 * the root's options, as Kubo's tree does.
 */

/** One global option: accepted before or after the command path, by every command. */
export interface GlobalOption {
  /** Long name, as Kubo spells it. */
  name: string
  short?: string
  /** What its value is called in the help; absent for a flag. */
  value?: string
  description: string
}

/** Global options, accepted before or after the command path (Kubo's names). */
export const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { name: 'offline', description: 'run without the network (the default while no daemon runs)' },
  { name: 'enc', value: 'encoding', description: 'output encoding: text (default) or json, in Kubo\'s JSON shapes' },
  { name: 'timeout', value: 'duration', description: 'give up after this long (Go duration, e.g. 30s)' },
  { name: 'api', value: 'multiaddr', description: 'the RPC API of a daemon to use (or CAIRN_API)' },
  { name: 'api-auth', value: 'secret', description: 'the RPC API secret: basic:<user>:<password>, bearer:<token> or a bare token (or CAIRN_API_AUTH)' },
  { name: 'repo-dir', value: 'path', description: 'the repo to use (or CAIRN_PATH; default ~/.cairn)' },
  { name: 'config', short: 'c', value: 'path', description: 'the repo to use: Kubo\'s older name for --repo-dir' },
  { name: 'debug', short: 'D', description: 'log what Cairn does on stderr (DEBUG=cairn:*)' }
]
