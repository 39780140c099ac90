/**
 * `config edit`: the config file in the user's `$EDITOR`, as Kubo's `ipfs config edit`. The editor
 * works on a copy beside the config; the copy replaces the config (atomically, as written) only
 * when it is a valid config, so a typo never leaves a repo that will not open. An invalid edit is
 * kept where it was written, named in the error, so the work is not lost.
 */
import { spawn } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidArgumentError, InvalidConfigError, messageOf, RepoNotInitializedError } from '../../errors/index.ts'
import { isInitialized, parseConfig, repoPaths, writeFileAtomic } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'

/** Splits `$EDITOR` into a program and its arguments as a POSIX shell would (quotes, backslashes). */
export function splitCommandLine (line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | '\'' | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote != null) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]
      else word += c
      continue
    }
    if (c === '"' || c === '\'') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote != null) throw new InvalidArgumentError(`cannot parse $EDITOR (${line}): a ${quote} quote is not closed`)
  if (inWord) words.push(word)
  return words
}

/** Runs the editor on `file` with this terminal, until it exits. */
async function runEditor (words: string[], file: string, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(words[0], [...words.slice(1), file], { stdio: 'inherit', signal })
    child.once('error', (err) => {
      reject((err as NodeJS.ErrnoException).code === 'ENOENT'
        ? new InvalidArgumentError(`cannot start the editor "${words[0]}" named by $EDITOR: no such program`)
        : err)
    })
    child.once('exit', (code, exitSignal) => {
      if (code === 0) resolve()
      else reject(new InvalidArgumentError(`the editor (${words[0]}) ${exitSignal != null ? `was stopped by ${exitSignal}` : `exited with code ${code}`}; the config was not changed`))
    })
  })
}

export const configEdit = defineCommand<undefined>({
  path: 'config edit',
  description: 'Edit the config file in $EDITOR; the edit is saved only if it is a valid config',
  args: [],
  options: [],
  output: 'value',
  needsRepo: false,
  localOnly: true,
  async run ({ repoPath, signal }) {
    if (!(await isInitialized(repoPath))) throw new RepoNotInitializedError(`no repo at ${repoPath} (run "cairn init")`)
    const editor = process.env.EDITOR ?? ''
    const words = splitCommandLine(editor)
    if (words.length === 0) throw new InvalidArgumentError('config edit needs $EDITOR set to a text editor (e.g. EDITOR=nano)')
    const path = repoPaths(repoPath).config
    const original = await readFile(path, 'utf8')
    const draft = join(repoPath, `config.edit-${process.pid}`)
    await writeFile(draft, original, { mode: 0o600 })
    try {
      await runEditor(words, draft, signal)
    } catch (err) {
      await rm(draft, { force: true })
      throw err
    }
    const edited = await readFile(draft, 'utf8')
    if (edited === original) {
      await rm(draft, { force: true })
      return undefined
    }
    try {
      parseConfig(edited, draft)
    } catch (err) {
      throw new InvalidConfigError(`the edited config is not valid, so it was not saved: ${messageOf(err).replace(/^config file \S+:? ?/, '').replace(/; fix it with .*$/, '')}. Your edit is kept in ${draft}`, { cause: err })
    }
    if (await readFile(path, 'utf8') !== original) {
      throw new InvalidConfigError(`the config changed on disk while it was being edited, so the edit was not saved; it is kept in ${draft}`)
    }
    await writeFileAtomic(path, edited)
    await rm(draft, { force: true })
    return undefined
  }
})
