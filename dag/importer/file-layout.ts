/** What a file DAG layout does: take the file's leaves in order, then name the root. */
import type { FileLink } from './file-nodes.ts'

export interface FileLayout {
  /** Adds the next leaf. Parent blocks it completes are queued synchronously. */
  add(leaf: FileLink): void
  /** Closes every open node and returns the file's root. */
  finish(): FileLink
}
