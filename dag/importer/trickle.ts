/**
 * The trickle layout (Kubo's `--trickle`), built as leaves stream in.
 *
 * Every node first takes `maxLinks` leaves; then it takes `layerRepeat` trickle subtrees of
 * depth 1, `layerRepeat` of depth 2, and so on, where a subtree of depth d holds `maxLinks`
 * leaves and `layerRepeat` subtrees of each depth below d. The root has no depth limit and is
 * always a parent node, even for an empty or one-chunk file. boxo's recursive `fillTrickleRec`
 * pulls chunks; here the same recursion is an explicit stack of open nodes that chunks are
 * pushed into, so a full subtree is closed (and its blocks queued) as soon as it is complete.
 *
 * @see https://github.com/ipfs/boxo/blob/main/ipld/unixfs/importer/trickle/trickledag.go
 */
import type { FileLayout } from './file-layout.ts'
import type { FileLink, FileMetadata, FileNodes } from './file-nodes.ts'

interface OpenNode {
  /** this subtree's depth limit; Infinity for the root */
  maxDepth: number
  /** children linked so far */
  links: FileLink[]
  /** number of children when complete */
  capacity: number
}

export class TrickleLayout implements FileLayout {
  private readonly nodes: FileNodes
  private readonly maxLinks: number
  private readonly layerRepeat: number
  private readonly metadata?: FileMetadata
  private readonly stack: OpenNode[]

  constructor (nodes: FileNodes, maxLinks: number, layerRepeat: number, metadata?: FileMetadata) {
    this.nodes = nodes
    this.maxLinks = maxLinks
    this.layerRepeat = layerRepeat
    this.metadata = metadata
    this.stack = [{ maxDepth: Infinity, links: [], capacity: Infinity }]
  }

  add (leaf: FileLink): void {
    let top = this.stack[this.stack.length - 1]
    // descend into new subtrees until a node still has room for leaves
    while (top.links.length >= this.maxLinks) {
      const depth = Math.floor((top.links.length - this.maxLinks) / this.layerRepeat) + 1
      top = { maxDepth: depth, links: [], capacity: this.maxLinks + this.layerRepeat * (depth - 1) }
      this.stack.push(top)
    }
    top.links.push(leaf)
    // close every subtree that is now complete
    while (this.stack.length > 1 && top.links.length === top.capacity) {
      this.stack.pop()
      const link = this.nodes.parent(top.links)
      top = this.stack[this.stack.length - 1]
      top.links.push(link)
    }
  }

  finish (): FileLink {
    while (this.stack.length > 1) {
      const open = this.stack.pop() as OpenNode
      this.stack[this.stack.length - 1].links.push(this.nodes.parent(open.links))
    }
    return this.nodes.parent(this.stack[0].links, this.metadata)
  }
}
