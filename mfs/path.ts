/**
 * MFS paths as Kubo reads them (`checkPath` in kubo `core/commands/files.go`): absolute, cleaned
 * (`a//b/./c/..` is `/a/b`), a trailing slash kept as a hint ("into this directory").
 */
import { posix } from 'node:path'
import { InvalidPathError } from '../errors/index.ts'

/** A checked MFS path. */
export interface MfsPath {
  /** The cleaned path, `/` for the root (a trailing slash is dropped here). */
  path: string
  /** Its names below the root; `[]` for the root. */
  segments: string[]
  /** The argument ended with `/` (cp and mv then keep the source's name). */
  trailingSlash: boolean
}

/**
 * Checks and cleans an MFS path.
 *
 * @throws InvalidPathError for an empty path or one without a leading slash (Kubo's messages)
 */
export function parseMfsPath (input: string): MfsPath {
  if (input.length === 0) throw new InvalidPathError('paths must not be empty')
  if (input[0] !== '/') throw new InvalidPathError('paths must start with a leading slash')
  if (input.includes('\0')) throw new InvalidPathError('paths must not contain NUL bytes')
  const cleaned = posix.normalize(input)
  const segments = cleaned.split('/').filter(s => s !== '' && s !== '.' && s !== '..')
  return {
    path: '/' + segments.join('/'),
    segments,
    trailingSlash: input.length > 1 && input.endsWith('/')
  }
}

/** The path of the first `depth` segments, for messages. */
export function pathOf (segments: readonly string[], depth = segments.length): string {
  return '/' + segments.slice(0, depth).join('/')
}
