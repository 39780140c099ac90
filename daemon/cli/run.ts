import { CairnError, messageOf, TimeoutError, AbortedError } from '../../errors/index.ts'
import {
  checkArgs, openNode, parseOptions, type Command, type CommandInput, type CoreNode
} from '../../core/index.ts'
import { initRepo, isInitialized, parseDuration, repoPathFromEnv } from '../../repo/index.ts'
import { resolve as resolvePath } from 'node:path'
import type { ExportEntry } from '../../dag/index.ts'
import { parsePath } from '../../dag/index.ts'
import { extract } from './extract.ts'
import { collectEntries, collectFiles } from './input.ts'
import { createProgressBar, type ProgressBar } from './progress.ts'

/** Writes to stdout with backpressure; resolves false once stdout is closed (e.g. `| head`). */
function writeStdout (data: string | Uint8Array): Promise<boolean> {
  return new Promise(resolve => {
    if (process.stdout.destroyed || process.stdout.writableEnded) {
      resolve(false)
      return
    }
    const ok = process.stdout.write(data, (err) => {
      if (err != null) resolve(false)
      else if (ok) resolve(true)
    })
    if (!ok) process.stdout.once('drain', () => { resolve(true) })
  })
}

/** Escapes control characters so names cannot rewrite the terminal. */
export function escapeControl (text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, c => {
    const code = c.charCodeAt(0)
    if (c === '\n') return '\\n'
    if (c === '\t') return '\\t'
    if (c === '\r') return '\\r'
    return `\\x${code.toString(16).padStart(2, '0')}`
  })
}

/** Where `get` writes when no `-o` is given: the last path segment, or the CID. */
function defaultOutputName (path: string): string {
  const parsed = parsePath(path)
  return parsed.segments.length > 0 ? parsed.segments[parsed.segments.length - 1] : parsed.root.toString()
}

/** Builds the byte inputs a command wants from the CLI's arguments. */
async function buildInput (command: Command, args: string[], options: Record<string, unknown>, onSize: (n: number) => void): Promise<{ input: CommandInput, args: string[] }> {
  if (command.input === 'entries') {
    const paths = args.filter(a => a !== '-')
    if (paths.length === 0) {
      // stdin: one unnamed file
      return {
        input: { entries: (async function * () { yield { path: '', type: 'file' as const, content: process.stdin as AsyncIterable<Uint8Array> } })() },
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
    return { input: { files: await collectFiles(args, process.stdin) }, args: [] }
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
  process.stdout.on('error', () => { controller.abort(new AbortedError('output closed')) })

  let node: CoreNode | undefined
  let bar: ProgressBar | undefined
  const json = rawOptions.enc === 'json'
  try {
    if (rawOptions.enc != null && rawOptions.enc !== 'json' && rawOptions.enc !== 'text') {
      throw new CairnError(`--enc takes text or json, not "${String(rawOptions.enc)}"`)
    }
    const timeout = rawOptions.timeout != null ? parseDuration(String(rawOptions.timeout)) : undefined
    const signal = timeout != null
      ? AbortSignal.any([controller.signal, AbortSignal.timeout(timeout)])
      : controller.signal
    checkArgs(command, rawArgs)
    const options = parseOptions(command, rawOptions)

    const showProgress = command.progress != null && options.quiet !== true && options['quieter'] !== true &&
      options.silent !== true && (options.progress === true || (options.progress !== false && process.stderr.isTTY === true))
    if (showProgress) options.progress = true
    const { input, args } = await buildInput(command, rawArgs, options, (total) => {
      if (showProgress) bar = createProgressBar(total)
    })

    const repoPath = repoPathFromEnv()
    if (command.needsRepo !== false) {
      if (!(await isInitialized(repoPath))) {
        process.stderr.write(`initializing a new repo at ${repoPath}\n`)
        await initRepo(repoPath)
      }
      node = await openNode(repoPath, { offline: true, command: `cairn ${command.path}` })
    }

    const request = { node: node as CoreNode, args, options, input, signal, repoPath }
    const render = (value: unknown): string | undefined => {
      if (json) return JSON.stringify(value)
      const text = command.text?.(value, options)
      return text
    }
    const result = command.run(request)
    if (command.output === 'value') {
      const text = render(await (result as Promise<unknown>))
      if (text != null && text !== '') await writeStdout(text + '\n')
    } else if (command.output === 'stream') {
      for await (const value of result as AsyncIterable<unknown>) {
        const bytes = command.progress?.(value)
        if (bytes != null) {
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
      await extract(result as AsyncIterable<ExportEntry>, resolvePath(out), { signal })
    } else {
      for await (const chunk of result as AsyncIterable<Uint8Array>) {
        if (!(await writeStdout(chunk))) break
      }
    }
    bar?.stop()
    return 0
  } catch (err) {
    bar?.stop()
    if (process.stdout.destroyed && (err as { name?: string }).name === 'AbortedError') {
      return 0
    }
    let message = messageOf(err)
    if ((err as { name?: string }).name === 'TimeoutError' || (err as { name?: string }).name === 'AbortError') {
      message = controller.signal.aborted ? messageOf(controller.signal.reason) : new TimeoutError('timed out (--timeout)').message
    }
    process.stderr.write(`Error: ${escapeControl(message)}\n`)
    if (process.env.CAIRN_DEBUG_STACK === '1') process.stderr.write(`${(err as Error).stack}\n`)
    return 1
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
    await node?.close()
  }
}
