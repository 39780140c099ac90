/**
 * Which DAG entry names are safe to use as one file-system path component.
 *
 * A name from a DAG is data from a stranger. Written to disk (or into a tar) it must name exactly
 * one entry inside the target directory, so it may not be empty, `.` or `..`, and may not contain
 * a separator (`/`, or `\` which Windows reads as one). Control characters (C0, DEL, C1 — NUL among
 * them) are refused too: they are invalid or truncating on many file systems, and printed in a
 * terminal they can rewrite what the user sees. (specs:src/unixfs.md, "Restricted Names")
 */

import { UnsafePathError } from '../../errors/index.ts'
import { printable } from '../path.ts'

/** Why a name is unsafe, or undefined when it is safe. */
export function unsafeNameReason (name: string): string | undefined {
  if (name === '') return 'it is empty'
  if (name === '.' || name === '..') return 'it names a directory itself or its parent'
  if (name.includes('/')) return 'it contains "/"'
  if (name.includes('\\')) return 'it contains "\\"'
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'it contains a control character'
  return undefined
}

/**
 * Checks one DAG entry name.
 *
 * @param where - the entry's path so far, for the message
 * @throws UnsafePathError naming the entry (control characters shown escaped)
 */
export function assertSafeName (name: string, where?: string): void {
  const reason = unsafeNameReason(name)
  if (reason != null) {
    const at = where == null || where === '' ? '' : ` (in "${printable(where)}")`
    throw new UnsafePathError(`refusing the entry name "${printable(name)}"${at}: ${reason}`)
  }
}

/**
 * Resolves `.` and `..` inside names that hold `/` (a dag-pb link may be named
 * `foobar/directory/../file`) into plain segments, as boxo's tar writer does for the gateway's
 * `?format=tar` (the gateway conformance suite's `inside-root` fixture expects
 * `foobar/file`). The result must still pass {@link EntryPathGuard}.
 *
 * @throws UnsafePathError for an empty or NUL-holding name, or a path that leaves the root or
 *   lands on it
 */
export function resolveDotSegments (segments: readonly string[]): string[] {
  const out: string[] = []
  for (const name of segments) {
    if (name === '' || name.includes('\u0000')) {
      throw new UnsafePathError(`refusing the entry "${printable(segments.join('/'))}": it has an empty or NUL name`)
    }
    for (const part of name.split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (out.length === 0) throw new UnsafePathError(`refusing the entry "${printable(segments.join('/'))}": it would be written outside the archive's root`)
        out.pop()
        continue
      }
      out.push(part)
    }
  }
  if (out.length === 0 && segments.length > 0) {
    throw new UnsafePathError(`refusing the entry "${printable(segments.join('/'))}": it names the archive's root`)
  }
  return out
}

interface SymlinkTrieNode {
  children: Map<string, SymlinkTrieNode>
  symlink: boolean
}

/**
 * The one check for every way a DAG becomes files (the RPC `get` tar, the gateway's
 * `?format=tar`, the CLI's extractor): each entry's names pass {@link assertSafeName}, and no
 * entry is placed at or under a path that an earlier entry made a symlink.
 *
 * The second rule matters because dag-pb allows two links with one name: a directory may list
 * `m -> ../../outside` (a symlink) and then `m/pwn`, and an extractor that follows the symlink
 * (Python's tarfile before 3.14 does) writes outside its folder.
 *
 * The symlinks seen are kept in a trie of their segments, so a check costs one lookup per segment
 * whatever the depth, and memory grows only with the symlinks emitted (each of which the output
 * already pays for).
 */
export class EntryPathGuard {
  readonly #symlinks: SymlinkTrieNode = { children: new Map(), symlink: false }

  /**
   * Checks one entry, in output order.
   *
   * @param segments - its names from the root down (`[]` is the root)
   * @param type - its type; a symlink's path is remembered for later entries
   * @throws UnsafePathError for an unsafe name, or a path at or under an earlier symlink
   */
  check (segments: readonly string[], type: string): void {
    for (const segment of segments) {
      if (unsafeNameReason(segment) != null) assertSafeName(segment, segments.join('/'))
    }
    let node = this.#symlinks
    for (let i = 0; i < segments.length; i++) {
      let next = node.children.get(segments[i])
      if (next?.symlink === true) {
        const link = segments.slice(0, i + 1).join('/')
        const what = i === segments.length - 1 ? 'it has the same path as' : 'it would be written under'
        throw new UnsafePathError(`refusing the entry "${printable(segments.join('/'))}": ${what} the earlier symlink "${printable(link)}"`)
      }
      if (type !== 'symlink') {
        if (next == null) return
      } else if (next == null) {
        next = { children: new Map(), symlink: false }
        node.children.set(segments[i], next)
      }
      node = next
    }
    if (type === 'symlink' && segments.length > 0) node.symlink = true
  }
}
