import { InvalidArgumentError } from '../errors/index.ts'
// the leaf module, not repo/'s door: the CLI parses options without loading the config code
import { parseDuration } from '../repo/duration.ts'
import type { ImportEntry } from '../dag/index.ts'
import type { CoreNode } from './node.ts'

/** The type of an option's value, as the CLI and the RPC parse it. */
export type OptionType = 'boolean' | 'string' | 'number' | 'duration'

/** One option of a command, by its Kubo long name (kebab-case). */
export interface OptionSpec {
  /** Long name, e.g. `cid-version`; the RPC query parameter has the same name. */
  name: string
  /** One-letter short flag for the CLI, e.g. `r`. */
  short?: string
  type: OptionType
  /** The value when the option is not given; absent means "not set" (undefined). */
  default?: string | number | boolean
  description: string
  /** Allowed values, checked by {@link parseOptions}. */
  choices?: readonly string[]
}

/** One positional argument. */
export interface ArgSpec {
  name: string
  required?: boolean
  /** Takes every remaining argument. */
  variadic?: boolean
  description: string
}

/**
 * How a command answers: one JSON value, a stream of JSON values (NDJSON over RPC), or a byte
 * stream (cat, block get, dag export), or UnixFS entries (get: the CLI writes them to disk, the
 * RPC sends a tar).
 */
export type OutputKind = 'value' | 'stream' | 'bytes' | 'entries'

/** A file given to a command that reads bytes (`block put`, `dag put`, `dag import`). */
export interface InputFile {
  name: string
  content: AsyncIterable<Uint8Array>
}

/** What a command is given besides its arguments and options. */
export interface CommandInput {
  /** The files and directories for `add` (the CLI walks the filesystem; the RPC reads multipart). */
  entries?: AsyncIterable<ImportEntry>
  /** The byte inputs of commands that read files or stdin. */
  files?: AsyncIterable<InputFile>
}

/** Everything an implementation is called with. */
export interface CommandRequest<O = Record<string, unknown>> {
  node: CoreNode
  args: string[]
  options: O
  input: CommandInput
  signal: AbortSignal
  /** The repo's path (commands that declare `needsRepo: false` get no node, only this). */
  repoPath: string
  /**
   * Set by the CLI when it runs a `bytes` command in-process: it hands every chunk the command
   * yields back to `node.blocks.release` once the chunk is written, so the command may read the
   * blocks it yields lent (`GetOptions.lend`).
   */
  releasesChunks?: boolean
  /** Set by a daemon's RPC server: stops the daemon once this request's answer is out. */
  shutdown?: () => void
  /**
   * Every command of the program that serves the request, CLI-only ones included (for
   * `commands`). Absent: the core table.
   */
  table?: () => Promise<ReadonlyArray<Command<any>>> // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** How a command wants its byte input: none, files and directories (add), or plain files. */
export type InputKind = 'none' | 'entries' | 'files'

/**
 * One command, declared once: the CLI parser, the RPC router, the RPC client, help text and error
 * mapping are all driven by this declaration.
 */
export interface Command<V = unknown> {
  /** Space-separated command path, e.g. `pin add`. */
  path: string
  description: string
  args: ArgSpec[]
  options: OptionSpec[]
  output: OutputKind
  input?: InputKind
  /**
   * With `input: 'files'`, the positional arguments before this index stay arguments and the
   * rest are the input files (`files write <path> [file]`). Default 0: every argument is a file.
   */
  fileArgsFrom?: number
  /** Needs a running network (fails with OfflineError when offline). */
  network?: boolean
  /** Only the local process can do this (e.g. `init`, `daemon`); no RPC endpoint. */
  localOnly?: boolean
  /** False for commands that run without opening the repo (`init`, `version`). Default true. */
  needsRepo?: boolean
  /**
   * Starts loading the modules `run` will import, so that they load while the CLI opens the repo
   * here (LevelDB opens on libuv's threads, leaving the main thread idle): ~15 ms of a small
   * offline `cat`. Not called when the command goes to a daemon.
   */
  preload?(): Promise<unknown>
  /** For streams that report progress: the byte count a value carries, if it is a progress value. */
  progress?(value: V): number | undefined
  /**
   * For streams that report progress as values (`pin add --progress`): the line the CLI shows
   * on stderr for such a value (each replacing the last); undefined for other values.
   */
  progressLine?(value: V): string | undefined
  /** Renders one output value as the CLI prints it (given the call's options and arguments); undefined prints nothing. */
  text?(value: V, options: Record<string, unknown>, args?: readonly string[]): string | undefined
  /**
   * For streams whose values may each report a failure of their own (Kubo's non-fatal errors,
   * e.g. one bad CID among many): the message for that value. The CLI prints it on stderr,
   * goes on with the others, and exits 1 at the end.
   */
  failure?(value: V): string | undefined
  /** For values the CLI prints as raw bytes (`routing get` prints the record): those bytes. */
  textBytes?(value: V): Uint8Array | undefined
  /**
   * For `bytes` commands the CLI writes to a file rather than stdout (`key export`): the file's
   * path, or undefined for stdout. The file is written owner-only.
   */
  saveBytesTo?(args: string[], options: Record<string, unknown>): string | undefined
  run(request: CommandRequest): Promise<V> | AsyncIterable<V>
}

/** Declares a command (typing help only). */
export function defineCommand<V> (command: Command<V>): Command<V> {
  return command
}

function parseBoolean (name: string, raw: string | boolean): boolean {
  if (typeof raw === 'boolean') return raw
  if (raw === '' || raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new InvalidArgumentError(`option --${name} takes true or false, not "${raw}"`)
}

/**
 * Parses and defaults a command's options from raw values (strings from a query string, or
 * typed values from the CLI parser). Unknown options are ignored, as Kubo's RPC does.
 */
export function parseOptions (command: Command, raw: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  for (const spec of command.options) {
    let value = raw[spec.name]
    if (Array.isArray(value)) value = value[value.length - 1]
    if (value === undefined) {
      if (spec.default !== undefined) options[spec.name] = spec.default
      continue
    }
    switch (spec.type) {
      case 'boolean':
        options[spec.name] = parseBoolean(spec.name, value as string | boolean)
        break
      case 'number': {
        const number = typeof value === 'number' ? value : Number(value)
        if (typeof value === 'string' && value.trim() === '') {
          throw new InvalidArgumentError(`option --${spec.name} takes a number`)
        }
        if (!Number.isFinite(number)) {
          throw new InvalidArgumentError(`option --${spec.name} takes a number, not "${String(value)}"`)
        }
        options[spec.name] = number
        break
      }
      case 'duration':
        options[spec.name] = typeof value === 'number' ? value : parseDuration(String(value))
        break
      default:
        options[spec.name] = String(value)
    }
    if (spec.choices != null && !spec.choices.includes(String(options[spec.name]))) {
      throw new InvalidArgumentError(`option --${spec.name} must be one of ${spec.choices.join(', ')}, not "${String(options[spec.name])}"`)
    }
  }
  return options
}

/** Checks positional arguments against the declaration. */
export function checkArgs (command: Command, args: string[]): void {
  const required = command.args.filter(a => a.required === true).length
  if (args.length < required) {
    const missing = command.args[args.length]
    throw new InvalidArgumentError(`argument "${missing.name}" is required (cairn ${command.path} ${command.args.map(a => a.required === true ? `<${a.name}>` : `[${a.name}]`).join(' ')})`)
  }
  const variadic = command.args.some(a => a.variadic === true)
  if (!variadic && args.length > command.args.length) {
    throw new InvalidArgumentError(`cairn ${command.path} takes at most ${command.args.length} argument(s), got ${args.length}`)
  }
}
