import { isAbortError } from '../../errors/abort.ts'
import { AbortedError, ApiUnreachableError, CairnError, InvalidArgumentError, messageOf, RepoLockedError, TimeoutError } from '../../errors/index.ts'
import {
  checkArgs, openNode, parseOptions, type Command, type CommandInput, type CoreNode
} from '../../core/index.ts'
import { readFile } from 'node:fs/promises'
import { initRepo, isInitialized, parseDuration, repoPathFromEnv, repoPaths } from '../../repo/index.ts'
import type { RpcClient } from '../../http-api/index.ts'
import { version } from '../../core/commands/init.ts'
import { resolve as resolvePath } from 'node:path'
import type { ExportEntry } from '../../dag/index.ts'
import { parseContentPath } from '../../dag/path.ts'
import { abortable, collectEntries, collectFiles } from './input.ts'
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

/** The RPC client, loaded only when a daemon is to be used (not by every offline command). */
async function rpcClient (): Promise<typeof import('../../http-api/rpc-client.ts').createRpcClient> {
  return (await import('../../http-api/rpc-client.ts')).createRpcClient
}

/**
 * Where a command runs, decided by the repo lock (not by the api file): `--api`/`CAIRN_API` name
 * a daemon explicitly; else a free lock means opening the repo here (a stale api file is
 * ignored); a held lock with an api file that answers means the daemon's RPC API; a held lock
 * otherwise is an error naming the holder.
 */
async function chooseTarget (command: Command, repoPath: string, rawOptions: Record<string, unknown>): Promise<{ kind: 'local', node: CoreNode } | { kind: 'remote', client: RpcClient }> {
  const auth = (rawOptions['api-auth'] as string | undefined) ?? process.env.CAIRN_API_AUTH
  const explicit = (rawOptions.api as string | undefined) ?? process.env.CAIRN_API
  if (explicit != null && explicit !== '') {
    if (command.localOnly === true) throw new InvalidArgumentError(`cairn ${command.path} cannot run through --api`)
    return { kind: 'remote', client: (await rpcClient())({ api: explicit, auth }) }
  }
  if (!(await isInitialized(repoPath))) {
    process.stderr.write(`initializing a new repo at ${repoPath}\n`)
    await initRepo(repoPath)
  }
  try {
    return { kind: 'local', node: await openNode(repoPath, { offline: true, command: `cairn ${command.path}` }) }
  } catch (err) {
    if ((err as { name?: string }).name !== RepoLockedError.name || command.localOnly === true) throw err
    const api = await readFile(repoPaths(repoPath).api, 'utf8').catch(() => undefined)
    if (api == null || api.trim() === '') throw err
    const client = (await rpcClient())({ api: api.trim(), auth })
    if (!(await answers(client))) {
      client.close()
      throw err
    }
    return { kind: 'remote', client }
  }
}

/** True if a daemon answers at the client's address (an error answer such as 401 counts). */
async function answers (client: RpcClient): Promise<boolean> {
  try {
    await client.run(version, [], {}, {}, AbortSignal.timeout(API_PROBE_TIMEOUT_MS))
    return true
  } catch (err) {
    const name = (err as { name?: string }).name
    return name !== ApiUnreachableError.name && !isAbortError(err)
  }
}

/** How long the CLI waits for a daemon's API to answer before calling the lock an error. */
const API_PROBE_TIMEOUT_MS = 5000

/** Where `get` writes when no `-o` is given: the last path segment, or the CID. */
function defaultOutputName (path: string): string {
  const parsed = parseContentPath(path)
  if (parsed.segments.length > 0) return parsed.segments[parsed.segments.length - 1]
  return parsed.namespace === 'ipns' ? parsed.name : parsed.root.toString()
}

/** Builds the byte inputs a command wants from the CLI's arguments. */
async function buildInput (command: Command, args: string[], options: Record<string, unknown>, signal: AbortSignal, onSize: (n: number) => void): Promise<{ input: CommandInput, args: string[] }> {
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
    return { input: { files: await collectFiles(args, stdin) }, args: [] }
  }
  return { input: {}, args }
}

/**
 * Runs one command from the CLI: opens the repo directly (creating the default one on first
 * use), runs the command from the table, and prints its output. Returns the exit code.
 */
export async function runCli (command: Command, rawArgs: string[], rawOptions: Record<string, unknown>): Promise<number> {
  const controller = new AbortController()
  let interrupted = false
  const onSigint = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    controller.abort(new AbortedError('interrupted'))
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  const onStdoutError = (): void => { controller.abort(new AbortedError('output closed')) }
  // a command that prints bytes writes them past `process.stdout` where it can (see output.ts):
  // that must be decided before anything touches `process.stdout`
  let bytesOut: ByteOutput | undefined
  if (command.output === 'bytes') bytesOut = createByteOutput(onStdoutError)
  else process.stdout.on('error', onStdoutError)

  let node: CoreNode | undefined
  let client: RpcClient | undefined
  let signal: AbortSignal | undefined
  let bar: ProgressBar | undefined
  const json = rawOptions.enc === 'json'
  try {
    if (rawOptions.enc != null && rawOptions.enc !== 'json' && rawOptions.enc !== 'text') {
      throw new CairnError(`--enc takes text or json, not "${String(rawOptions.enc)}"`)
    }
    const timeout = rawOptions.timeout != null ? parseDuration(String(rawOptions.timeout)) : undefined
    signal = timeout != null
      ? AbortSignal.any([controller.signal, AbortSignal.timeout(timeout)])
      : controller.signal
    checkArgs(command, rawArgs)
    const options = parseOptions(command, rawOptions)

    const showProgress = command.progress != null && options.quiet !== true && options['quieter'] !== true &&
      options.silent !== true && (options.progress === true || (options.progress !== false && process.stderr.isTTY === true))
    // the progress bar and `get`'s extraction are loaded only where used: start-up is most of a
    // small command's time
    const progress = showProgress ? await import('./progress.ts') : undefined
    if (showProgress) options.progress = true
    const { input, args } = await buildInput(command, rawArgs, options, signal, (total) => {
      bar = progress?.createProgressBar(total)
    })

    const repoPath = repoPathFromEnv()
    let remote: RpcClient | undefined
    if (command.needsRepo !== false) {
      const target = await chooseTarget(command, repoPath, rawOptions)
      if (target.kind === 'remote') remote = client = target.client
      else node = target.node
    }

    const request = { node: node as CoreNode, args, options, input, signal, repoPath }
    const render = (value: unknown): string | undefined => {
      if (json) return JSON.stringify(value)
      const text = command.text?.(value, options)
      return text?.split('\n').map(escapeControl).join('\n')
    }
    // bytes from a daemon come in lent chunks, each written out before the next is read into
    const result = remote != null
      ? remote.run(command, args, options, input, signal, { reuseMemory: true })
      : command.run(request)
    if (command.output === 'value') {
      const text = render(await (result as Promise<unknown>))
      if (text != null && text !== '') await writeStdout(text + '\n')
    } else if (command.output === 'stream') {
      for await (const value of result as AsyncIterable<unknown>) {
        const bytes = command.progress?.(value)
        if (bytes != null) {
          if (bar == null) bar = progress?.createProgressBar(undefined)
          bar?.update(bytes)
          if (!json) continue
        }
        const text = render(value)
        if (text != null && text !== '') {
          if (!(await writeStdout(text + '\n'))) break
        }
      }
    } else if (command.output === 'entries') {
      const out = typeof options.output === 'string' && options.output !== ''
        ? options.output
        : defaultOutputName(args[0])
      await writeStdout(`Saving file(s) to ${escapeControl(out)}\n`)
      const { extract } = await import('./extract.ts')
      await extract(result as AsyncIterable<ExportEntry>, resolvePath(out), { signal })
    } else {
      const out = bytesOut ?? createByteOutput(onStdoutError)
      for await (const chunk of result as AsyncIterable<Uint8Array>) {
        if (!(await out.write(chunk)) || (remote != null && !(await out.flush()))) break
      }
      await out.flush()
    }
    bar?.stop()
    return 0
  } catch (err) {
    bar?.stop()
    if (process.stdout.destroyed && (err as { name?: string }).name === 'AbortedError') {
      return 0
    }
    let message = messageOf(err)
    if (controller.signal.aborted) {
      // interrupted: say so, whatever layer noticed first
      message = messageOf(controller.signal.reason)
    } else if (signal?.aborted === true) {
      message = new TimeoutError(`timed out after ${String(rawOptions.timeout)} (--timeout)`).message
    }
    process.stderr.write(`Error: ${escapeControl(message)}\n`)
    if (process.env.CAIRN_DEBUG_STACK === '1') process.stderr.write(`${(err as Error).stack}\n`)
    return 1
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
    await node?.close()
    client?.close()
    // a stdin left open (nothing was piped in, or the command gave up early) must not keep
    // the process alive
    process.stdin.destroy()
  }
}
