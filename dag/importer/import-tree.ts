/**
 * The tree of names an import builds up: every entry is placed under its parent directory as it
 * arrives (missing parents are created), files and symlinks with their CID once imported; the
 * directories are built at the end, children before parents, names in byte order, as Kubo does.
 */
import type { CID } from 'multiformats/cid'
import { InvalidPathError, NotADirectoryError } from '../../errors/index.ts'
import { buildDirectory, type DirectoryOptions } from './directory.ts'
import type { BlockSink } from '../../blockstore/types.ts'
import type { ImportEntryType } from './importer.ts'
import type { UnixFSMtime } from './unixfs-data.ts'

/** A directory of the tree: its children by name, and its own metadata. */
export interface DirectoryNode {
  kind: 'directory'
  children: Map<string, TreeNode>
  mode?: number
  mtime?: UnixFSMtime
}

/** A file or symlink, imported. */
export interface ImportedNode {
  kind: 'file' | 'symlink'
  cid: CID
  size: number
}

export type TreeNode = DirectoryNode | ImportedNode

/** Where a file or symlink goes: its parent directory and name (none: the lone unnamed entry). */
export interface Place {
  parent: DirectoryNode
  name: string | undefined
  type: 'file' | 'symlink'
}

/** A directory once built: its path in the import, CID and cumulative size. */
export interface BuiltDirectory {
  path: string
  cid: CID
  size: number
}

const textEncoder = new TextEncoder()

/** Names in byte order of their UTF-8 form, as Go sorts strings. */
function sortedNames (names: Iterable<string>): string[] {
  return [...names]
    .map(name => ({ name, bytes: textEncoder.encode(name) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ name }) => name)
}

/** The tree of one import. */
export class ImportTree {
  readonly root: DirectoryNode = { kind: 'directory', children: new Map() }
  readonly #wrap: boolean
  /** an entry with an empty path was placed (it must stay the only one) */
  #unnamed = false

  /** @param wrap - the entries go into a wrapping directory (`wrapWithDirectory`) */
  constructor (wrap: boolean) {
    this.#wrap = wrap
  }

  /**
   * Places an entry. A directory is recorded here (with its metadata) and undefined returned;
   * a file or symlink gets the place it is to be added at once imported.
   *
   * @param segments - the entry's path, split and checked
   * @throws InvalidPathError for a duplicate path, or an empty path where none may be
   * @throws NotADirectoryError when a parent in the path is a file or symlink
   */
  place (segments: string[], type: ImportEntryType, metadata: { mode?: number, mtime?: UnixFSMtime }): Place | undefined {
    const path = segments.join('/')
    if (segments.length === 0) {
      if (type === 'directory' && this.#wrap) {
        this.root.mode = metadata.mode
        this.root.mtime = metadata.mtime
        return undefined
      }
      if (type === 'directory' || this.#wrap || this.#unnamed || this.root.children.size > 0) {
        throw new InvalidPathError(type === 'directory'
          ? 'an import entry with an empty path names the wrapping directory: set wrapWithDirectory'
          : 'an entry with an empty path must be the only entry, and cannot be wrapped in a directory')
      }
      this.#unnamed = true
      return { parent: this.root, name: undefined, type }
    }
    if (this.#unnamed) throw new InvalidPathError('an entry with an empty path must be the only entry')

    const parent = this.#parentOf(segments, path)
    const name = segments[segments.length - 1]
    const existing = parent.children.get(name)
    if (existing != null && !(existing.kind === 'directory' && type === 'directory')) {
      throw new InvalidPathError(`duplicate import path "${path}"`)
    }
    if (type === 'directory') {
      const dir: DirectoryNode = existing as DirectoryNode | undefined ?? { kind: 'directory', children: new Map() }
      dir.mode = metadata.mode
      dir.mtime = metadata.mtime
      parent.children.set(name, dir)
      return undefined
    }
    return { parent, name, type }
  }

  /** Adds an imported file or symlink where {@link place} said. */
  add (place: Place, node: ImportedNode): void {
    if (place.name != null) place.parent.children.set(place.name, node)
  }

  /**
   * Builds every directory, children first, writing their blocks to `sink`; yields each as it is
   * built, the root last (without `wrap`, each top-level directory is a root of its own).
   */
  async * build (sink: BlockSink, options: (dir: DirectoryNode) => DirectoryOptions, call: { signal?: AbortSignal }): AsyncGenerator<BuiltDirectory, void, undefined> {
    const build = async function * (dir: DirectoryNode, path: string): AsyncGenerator<BuiltDirectory, { cid: CID, size: number }, undefined> {
      const links: Array<{ name: string, cid: CID, size: number }> = []
      for (const name of sortedNames(dir.children.keys())) {
        const child = dir.children.get(name) as TreeNode
        if (child.kind === 'directory') {
          const built = yield * build(child, path === '' ? name : `${path}/${name}`)
          links.push({ name, ...built })
        } else {
          links.push({ name, cid: child.cid, size: child.size })
        }
      }
      const built = await buildDirectory(links, sink, options(dir), call)
      yield { path, ...built }
      return built
    }
    if (this.#wrap) {
      yield * build(this.root, '')
      return
    }
    for (const name of sortedNames(this.root.children.keys())) {
      const child = this.root.children.get(name) as TreeNode
      if (child.kind === 'directory') yield * build(child, name)
    }
  }

  /** The directory a path's last segment goes in, created as needed. */
  #parentOf (segments: string[], path: string): DirectoryNode {
    let parent = this.root
    for (let i = 0; i < segments.length - 1; i++) {
      let child = parent.children.get(segments[i])
      if (child == null) {
        child = { kind: 'directory', children: new Map() }
        parent.children.set(segments[i], child)
      } else if (child.kind !== 'directory') {
        throw new NotADirectoryError(`cannot import "${path}": "${segments.slice(0, i + 1).join('/')}" is a ${child.kind}, not a directory`)
      }
      parent = child
    }
    return parent
  }
}
