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
