/**
 * The balanced layout, built as leaves stream in: every leaf sits at the same depth, each node
 * holds up to `maxLinks` children, filled left to right, and a one-leaf file is the leaf itself.
 * This is the DAG boxo's `balanced.Layout` builds (Kubo's default), but only the open node of each
 * level is kept: memory is O(maxLinks × depth) links, not O(file size).
 *
 * @see https://github.com/ipfs/boxo/blob/main/ipld/unixfs/importer/balanced/builder.go
 */
import type { FileLayout } from './file-layout.ts'
import type { FileLink, FileMetadata, FileNodes } from './file-nodes.ts'

export class BalancedLayout implements FileLayout {
  private readonly nodes: FileNodes
  private readonly maxLinks: number
  private readonly metadata?: FileMetadata
  /** open (not yet linked) children per level; level 0 holds leaves */
  private readonly levels: FileLink[][] = [[]]
  private leaves = 0

  /**
   * `metadata` goes on the root. A one-leaf file with metadata cannot be the leaf itself; the
   * caller builds that case ({@link FileNodes.leafWithMetadata}) instead of adding the leaf.
   */
  constructor (nodes: FileNodes, maxLinks: number, metadata?: FileMetadata) {
    this.nodes = nodes
    this.maxLinks = maxLinks
    this.metadata = metadata
  }

  add (leaf: FileLink): void {
    this.leaves++
    this.push(0, leaf)
  }

  finish (): FileLink {
    if (this.leaves === 0) {
      return this.nodes.empty(this.metadata, true)
    }
    if (this.leaves === 1) {
      return this.levels[0][0]
    }
    for (let level = 0; ; level++) {
      const open = this.levels[level]
      if (this.levels.length === level + 1) {
        return this.nodes.parent(open, this.metadata)
      }
      this.levels[level] = []
      this.push(level + 1, this.nodes.parent(open))
    }
  }

  /** Adds a link at `level`, first closing that level's node if it is full. */
  private push (level: number, link: FileLink): void {
    const open = this.levels[level]
    if (open.length === this.maxLinks) {
      this.levels[level] = []
      if (this.levels.length === level + 1) {
        this.levels.push([])
      }
      this.push(level + 1, this.nodes.parent(open))
      this.levels[level].push(link)
      return
    }
    open.push(link)
  }
}
