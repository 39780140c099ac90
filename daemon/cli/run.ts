/**
 * One CLI command from start to exit code: options and inputs, where it runs (target.ts), and how
 * its output is printed (a value, a stream of values, files, or bytes).
 */
import { resolve as resolvePath } from 'node:path'
import { AbortedError, CairnError, messageOf, TimeoutError } from '../../errors/index.ts'
import { checkArgs, parseOptions, type Command, type CommandInput } from '../../core/command.ts'
import type { CoreNode } from '../../core/node.ts'
// the leaf modules, not repo/'s door: a command that opens no repo loads no config code
import { locateRepo } from '../../repo/repo.ts'
import { parseDuration, timeoutSignal } from '../../repo/duration.ts'
import { enableDebug } from '../../logger/index.ts'
import type { RpcClient } from '../../http-api/index.ts'
import type { ExportEntry } from '../../dag/index.ts'
import { createByteOutput, writeStdout, type ByteOutput } from './output.ts'
import type { ProgressBar } from './progress.ts'

/** Escapes control characters so names cannot rewrite the terminal. */
export function escapeControl (text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, c => {
    const code = c.charCodeAt(0)
    if (c === '\n') return '\\n'
    if (c === '\t') return '\\t'
    if (c === '\r') return '\\r'
    return `\\x${code.toString(16).padStart(2, '0')}`
  })
}

/** Where `get` writes when no `-o` is given: the last path segment, or the CID. */
async function defaultOutputName (path: string): Promise<string> {
  const { parseContentPath } = await import('../../dag/path.ts')
  const parsed = parseContentPath(path)
  if (parsed.segments.length > 0) return parsed.segments[parsed.segments.length - 1]
  return parsed.namespace === 'ipns' ? parsed.name : parsed.root.toString()
}

/** Builds the byte inputs a command wants from the CLI's arguments. */
async function buildInput (command: Command, args: string[], options: Record<string, unknown>, signal: AbortSignal, onSize: (n: number) => void): Promise<{ input: CommandInput, args: string[] }> {
  if (command.input !== 'entries' && command.input !== 'files') return { input: {}, args }
  // loaded only by the commands that read files: start-up is most of a small command's time
  const { abortable, collectEntries, collectFiles } = await import('./input.ts')
  const stdin = abortable(process.stdin as AsyncIterable<Uint8Array>, signal)
  if (command.input === 'entries') {
    const paths = args.filter(a => a !== '-')
    if (paths.length === 0) {
      // stdin: one unnamed file
      return {
        input: { entries: (async function * () { yield { path: '', type: 'file' as const, content: stdin } })() },
        args: []
      }
    }
    const entries = await collectEntries(paths, {
      recursive: options.recursive === true,
      hidden: options.hidden === true,
      dereferenceSymlinks: options['dereference-symlinks'] === true,
      onSize
    })
    return { input: { entries }, args: [] }
  }
  if (command.input === 'files') {
    // the last declared argument names the files, those before it are plain arguments (`routing
    // put <key> <value-file>`), unless the command says where its files start (`files write`)
    const keep = command.fileArgsFrom ?? Math.min(args.length, Math.max(0, command.args.length - 1))
    return { input: { files: await collectFiles(args.slice(keep), stdin) }, args: args.slice(0, keep) }
  }
  return { input: {}, args }
}

/** A command's progress bar on stderr, drawn only when progress is shown; otherwise it does nothing. */
interface ProgressDisplay {
  /** Starts a bar for `total` bytes (unknown: undefined), replacing any bar shown. */
  start(total: number | undefined): void
  /** Moves the bar to `bytes`, starting one of unknown size if none is shown. */
  update(bytes: number): void
  stop(): void
}

/**
 * Whether a command shows progress: it reports some, no quiet option is given, and `--progress`
 * asks for it or stderr is a terminal.
 */
function wantsProgress (command: Command, options: Record<string, unknown>): boolean {
  return command.progress != null && options.quiet !== true && options['quieter'] !== true &&
    options.silent !== true && (options.progress === true || (options.progress !== false && process.stderr.isTTY === true))
}

/**
 * The progress display for a command. The bar's module is loaded only where it is drawn: start-up
 * is most of a small command's time.
 */
async function progressDisplay (show: boolean): Promise<ProgressDisplay> {
  const progress = show ? await import('./progress.ts') : undefined
  let bar: ProgressBar | undefined
  return {
    start (total) { bar = progress?.createProgressBar(total) },
    update (bytes) {
      if (bar == null) bar = progress?.createProgressBar(undefined)
      bar?.update(bytes)
    },
    stop () { bar?.stop() }
  }
}

/**
 * Stops the command at the first Ctrl-C or SIGTERM (an AbortedError on `controller`) and exits at
 * once on the second, for a command that does not stop. Returns the function that stops watching.
 */
function watchInterrupts (controller: AbortController): () => void {
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    controller.abort(new AbortedError('interrupted'))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** The command's signal: aborted by an interrupt, or when `--timeout` (if given) runs out. */
function commandSignal (interrupt: AbortSignal, rawOptions: Record<string, unknown>): AbortSignal {
  const timeout = rawOptions.timeout != null ? parseDuration(String(rawOptions.timeout)) : undefined
  return timeout != null
    ? AbortSignal.any([interrupt, timeoutSignal(timeout, () => new TimeoutError(`timed out after ${String(rawOptions.timeout)} (--timeout)`))])
    : interrupt
}

/** `--enc` takes text (the default) or json. */
function checkEncoding (rawOptions: Record<string, unknown>): void {
  if (rawOptions.enc != null && rawOptions.enc !== 'json' && rawOptions.enc !== 'text') {
    throw new CairnError(`--enc takes text or json, not "${String(rawOptions.enc)}"`)
  }
}

/** How one value of a command's output is printed: JSON with `--enc=json`, else its text form. */
type Render = (value: unknown) => string | undefined

function renderer (command: Command, options: Record<string, unknown>, args: readonly string[], json: boolean): Render {
  return (value) => {
    if (json) return JSON.stringify(value)
    const text = command.text?.(value, options, args)
    return text?.split('\n').map(escapeControl).join('\n')
  }
}

/** Where a command's output goes, and how it is printed. */
interface OutputContext {
  command: Command
  args: string[]
  options: Record<string, unknown>
  render: Render
  json: boolean
  progress: ProgressDisplay
  signal: AbortSignal
  /** Bytes come from a daemon: lent chunks, each written out before the next is read into. */
  remote: boolean
  /** The byte output opened before anything touched `process.stdout`, for `bytes` commands. */
  bytesOut: ByteOutput | undefined
  onStdoutError: () => void
  /** Hands a chunk of a command run here back to the store once written (`releasesChunks`). */
  release: ((chunk: Uint8Array) => void) | undefined
}

/** Prints a command's result the way its `output` kind says. */
async function printResult (result: unknown, context: OutputContext): Promise<void> {
  switch (context.command.output) {
    case 'value': return await printValue(result as Promise<unknown>, context)
    case 'stream': return await printStream(result as AsyncIterable<unknown>, context)
    case 'entries': return await saveEntries(result as AsyncIterable<ExportEntry>, context)
    default: {
      const file = context.command.saveBytesTo?.(context.args, context.options)
      if (file != null) return await saveBytes(result as AsyncIterable<Uint8Array>, resolvePath(file), context.signal)
      return await writeBytes(result as AsyncIterable<Uint8Array>, context)
    }
  }
}

/** Bytes into a file that only its owner may read (a private key, for `key export`). */
async function saveBytes (result: AsyncIterable<Uint8Array>, path: string, signal: AbortSignal): Promise<void> {
  const { open } = await import('node:fs/promises')
  const file = await open(path, 'w', 0o600)
  try {
    // an existing file keeps its mode on open: made owner-only before a byte is written
    await file.chmod(0o600)
    for await (const chunk of result) {
      signal.throwIfAborted()
      await file.write(chunk)
    }
  } finally {
    await file.close()
  }
}

/** One value: its text on a line of its own, nothing when it has none. */
async function printValue (result: Promise<unknown>, { render }: OutputContext): Promise<void> {
  const text = render(await result)
  if (text != null && text !== '') await writeStdout(text + '\n')
}

/**
 * A stream of values, one line each, until stdout closes. Progress values move the bar and are
 * printed only as JSON.
 */
async function printStream (result: AsyncIterable<unknown>, { command, render, json, progress }: OutputContext): Promise<void> {
  let failed = false
  let lineShown = false
  for await (const value of result) {
    const failure = json ? undefined : command.failure?.(value)
    if (failure != null) {
      failed = true
      process.stderr.write(`${escapeControl(failure)}\n`)
      continue
    }
    const bytes = command.progress?.(value)
    if (bytes != null) {
      progress.update(bytes)
      if (!json) continue
    }
    const line = json ? undefined : command.progressLine?.(value)
    if (line != null) {
      process.stderr.write(`${escapeControl(line)}\r`)
      lineShown = true
      continue
    }
    if (lineShown) {
      process.stderr.write('\n')
      lineShown = false
    }
    const raw = json ? undefined : command.textBytes?.(value)
    if (raw != null) {
      if (!(await writeStdout(raw))) break
      continue
    }
    const text = render(value)
    if (text != null && text !== '') {
      if (!(await writeStdout(text + '\n'))) break
    }
  }
  // as Kubo: the entries that could be shown were, and the command still fails
  if (failed) throw new CairnError('errors while displaying some entries')
}

/**
 * Files and folders (`get`), written under `-o` or the path's last name, merging into what exists
 * as Kubo's `get` does; with `-a` one tar file (`.tar`), with `-C` gzipped (`.tar.gz` with `-a`,
 * else the one file's bytes as `.gz`).
 */
async function saveEntries (result: AsyncIterable<ExportEntry>, { args, options, signal }: OutputContext): Promise<void> {
  const out = typeof options.output === 'string' && options.output !== ''
    ? options.output
    : await defaultOutputName(args[0])
  // loaded only where used: start-up is most of a small command's time
  const { extract, writeArchive, writeCompressedFile } = await import('./extract.ts')
  const { gzipLevelOf } = await import('../../http-api/gzip.ts')
  const gzipLevel = gzipLevelOf(options)
  const compress = gzipLevel != null
  if (options.archive === true || compress) {
    // as Kubo's get: OUT.tar for -a, then .gz for -C, unless OUT already ends so
    let archive = out
    if (options.archive === true && !archive.endsWith('.tar') && !archive.endsWith('.tar.gz')) archive += '.tar'
    if (compress && !archive.endsWith('.gz')) archive += '.gz'
    await writeStdout(`Saving archive to ${escapeControl(archive)}\n`)
    const write = options.archive === true ? writeArchive : writeCompressedFile
    await write(result, resolvePath(archive), { signal, gzipLevel, overwrite: true })
  } else {
    await writeStdout(`Saving file(s) to ${escapeControl(out)}\n`)
    await extract(result, resolvePath(out), { signal, overwrite: true })
  }
}

/** How chunks a command yielded go back to the local node's store, when it runs here. */
function releaseOf (node: CoreNode | undefined): OutputContext['release'] {
  const blocks = node?.blocks
  return blocks?.release == null ? undefined : (chunk) => { blocks.release?.(chunk) }
}

/** Raw bytes (`cat`), until stdout closes. */
async function writeBytes (result: AsyncIterable<Uint8Array>, { remote, bytesOut, onStdoutError, release }: OutputContext): Promise<void> {
  const out = bytesOut ?? createByteOutput(onStdoutError)
  for await (const chunk of result) {
    const written = release == null ? undefined : () => { release(chunk) }
    if (!(await out.write(chunk, written)) || (remote && !(await out.flush()))) break
  }
  await out.flush()
}

/**
 * Prints why a command failed and returns its exit code: an interrupt or a `--timeout` is named
 * as such, whichever layer noticed it first; a reader that closed stdout is not a failure.
 */
function reportFailure (err: unknown, interrupt: AbortSignal, signal: AbortSignal | undefined, rawOptions: Record<string, unknown>): number {
  if (process.stdout.destroyed && (err as { name?: string }).name === 'AbortedError') {
    return 0
  }
  let message = messageOf(err)
  if (interrupt.aborted) {
    message = messageOf(interrupt.reason)
  } else if (signal?.aborted === true) {
    message = new TimeoutError(`timed out after ${String(rawOptions.timeout)} (--timeout)`).message
  }
  process.stderr.write(`Error: ${escapeControl(message)}\n`)
  if (process.env.CAIRN_DEBUG_STACK === '1') process.stderr.write(`${(err as Error).stack}\n`)
  return 1
}

/** The repo `--repo-dir` (or Kubo's older `-c`/`--config`) names, if any. */
function repoDirOption (rawOptions: Record<string, unknown>): string | undefined {
  const dir = rawOptions['repo-dir'] ?? rawOptions.config
  return typeof dir === 'string' ? dir : undefined
}

/**
 * Runs one command from the CLI: opens the repo directly (creating the default one on first
 * use) or goes through the daemon that holds it, runs the command from the table, and prints its
 * output. `table` gives every command the CLI has (for `commands`). Returns the exit code.
 */
export async function runCli (command: Command, rawArgs: string[], rawOptions: Record<string, unknown>, table?: () => Promise<readonly Command[]>): Promise<number> {
  // before anything creates a logger: the logger reads DEBUG once
  if (rawOptions.debug === true) enableDebug()
  const controller = new AbortController()
  const stopWatching = watchInterrupts(controller)
  const onStdoutError = (): void => { controller.abort(new AbortedError('output closed')) }
  // a command that prints bytes writes them past `process.stdout` where it can (see output.ts):
  // that must be decided before anything touches `process.stdout`
  let bytesOut: ByteOutput | undefined
  if (command.output === 'bytes') bytesOut = createByteOutput(onStdoutError)
  else process.stdout.on('error', onStdoutError)

  let node: CoreNode | undefined
  let client: RpcClient | undefined
  let signal: AbortSignal | undefined
  let progress: ProgressDisplay | undefined
  const json = rawOptions.enc === 'json'
  try {
    checkEncoding(rawOptions)
    signal = commandSignal(controller.signal, rawOptions)
    checkArgs(command, rawArgs)
    const options = parseOptions(command, rawOptions)
    const showProgress = wantsProgress(command, options)
    const display = progress = await progressDisplay(showProgress)
    if (showProgress) options.progress = true
    const { input, args } = await buildInput(command, rawArgs, options, signal, (total) => { display.start(total) })

    const location = locateRepo(repoDirOption(rawOptions))
    const repoPath = location.path
    if (command.needsRepo !== false) {
      const { chooseTarget } = await import('./target.ts')
      const target = await chooseTarget(command, location, rawOptions)
      if (target.kind === 'remote') client = target.client
      else node = target.node
    }
    const result = client != null
      ? client.run(command, args, rawOptions.offline === true ? { ...options, offline: true } : options, input, signal, { reuseMemory: true })
      : command.run({ node: node as CoreNode, args, options, input, signal, repoPath, table, releasesChunks: bytesOut != null })
    await printResult(result, {
      command, args, options, render: renderer(command, options, rawArgs, json), json, progress: display, signal,
      remote: client != null, bytesOut, onStdoutError, release: releaseOf(node)
    })
    progress.stop()
    return 0
  } catch (err) {
    progress?.stop()
    return reportFailure(err, controller.signal, signal, rawOptions)
  } finally {
    stopWatching()
    await node?.close()
    client?.close()
    // a stdin left open (nothing was piped in, or the command gave up early) must not keep
    // the process alive
    process.stdin.destroy()
  }
}
