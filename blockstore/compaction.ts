/**
 * Compaction: gives back the disk space of removed blocks. A pack with no indexed block left is
 * deleted; a pack whose live bytes fall below `compactLiveRatio` of its size has its live blocks
 * copied to the newest pack, then is deleted.
 *
 * The pack being written is compacted too: when it is sparse, compaction seals it (new writes
 * roll over to a fresh pack) and rewrites it like any other, so the bytes of blocks GC just removed
 * from it, and bytes an interrupted add left past its last indexed record, are reclaimed. Without
 * that, a repo whose data fits in one pack never got space back. A writer that is mostly live is
 * left alone, so frequent GCs do not multiply small packs.
 *
 * Crash safety: copy, sync, repoint the index, and only then unlink; a crash between any two
 * steps leaves at worst unreferenced bytes, which the next compaction reclaims. A full disk while
 * copying stops the rewriting (the copy is rolled back by the pack writer) but not the deletion
 * of empty packs, which is what frees space; GC still succeeds.
 */
import * as Digest from 'multiformats/hashes/digest'
import { matchesMultihash } from './hashes.ts'
import { PACK_HEADER_SIZE, decodeLocation, encodeLocation, isNoSpaceCode, recordSize } from './pack-files.ts'
import type { Location, PackFiles } from './pack-files.ts'
import type { AbortOptions, CompactResult } from './types.ts'

/** Index entries compaction holds in memory at once while rewriting packs. */
export const COMPACT_MAX_ENTRIES = 256 * 1024

/** One index entry: a block's multihash and where its bytes are. */
export interface IndexEntry {
  multihash: Uint8Array
  location: Location
}

/** A change to the index, written in one synced batch. */
export type IndexOperation =
  | { type: 'put', key: Uint8Array, value: Uint8Array }
  | { type: 'del', key: Uint8Array }

/** A point in compaction where a crash is interesting (see the blockstore's crash tests). */
export type CompactionStep = 'compact:copied' | 'compact:repointed' | 'compact:unlinked'

/** What compaction works with; the blockstore provides it. */
export interface CompactionComponents {
  packs: PackFiles
  /** Every index entry: multihash → encoded location. */
  entries(): AsyncIterable<[Uint8Array, Uint8Array]>
  /** The current encoded locations of some multihashes (undefined when gone). */
  lookup(multihashes: Uint8Array[]): Promise<Array<Uint8Array | undefined>>
  /** One atomic, synced index batch. */
  writeIndex(operations: IndexOperation[]): Promise<void>
  /** Runs `fn` holding the store's write lock: no `putMany` or `deleteMany` runs meanwhile. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  /** Throws when the store is closing. */
  assertRunning(): void
  step(step: CompactionStep): Promise<void>
}

/** Options of {@link compactPacks}. */
export interface CompactionInit {
  compactLiveRatio: number
  compactStepSize: number
}

function sameLocation (a: Location, b: Location): boolean {
  return a.pack === b.pack && a.offset === b.offset && a.length === b.length
}

/** True for the errors a full disk gives: `NoSpaceError`, or a raw one ({@link isNoSpaceCode}). */
export function isNoSpace (err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'NoSpaceError' || isNoSpaceCode(err)
}

/** Compacts the packs; see the file comment. The caller serializes compactions. */
export async function compactPacks (components: CompactionComponents, init: CompactionInit, options: AbortOptions = {}): Promise<CompactResult> {
  const { packs } = components
  const result: CompactResult = { packsDeleted: 0, packsRewritten: 0, packsSkipped: 0, bytesCopied: 0, bytesReclaimed: 0 }
  // Packs below the one being written only lose index entries from here on (deletes, or our own
  // repointing), so a snapshot of the index that shows such a pack empty stays true. The writer's
  // size is taken first: entries appended while we count only make it look fuller than it is.
  const writer = packs.writerId
  const writerSize = await packs.size(writer)
  const live = new Map<number, { bytes: number, blocks: number }>()
  for await (const [multihash, value] of components.entries()) {
    options.signal?.throwIfAborted()
    const location = decodeLocation(value)
    if (location.pack > writer) continue
    const stats = live.get(location.pack) ?? { bytes: 0, blocks: 0 }
    stats.bytes += recordSize(multihash, location.length)
    stats.blocks++
    live.set(location.pack, stats)
  }

  const sparse: number[] = []
  for (const id of await packs.list()) {
    if (id >= writer) continue
    components.assertRunning()
    const size = await packs.size(id)
    const stats = live.get(id)
    if (stats == null) {
      await packs.unlink(id)
      result.packsDeleted++
      result.bytesReclaimed += size
      await components.step('compact:unlinked')
    } else if ((stats.bytes + PACK_HEADER_SIZE) / size < init.compactLiveRatio) {
      sparse.push(id)
    }
  }

  // The pack being written is sparse too when GC removed blocks from it, or an interrupted add
  // left bytes after its last record: seal it (new writes go to a fresh pack) and rewrite it like
  // the others. Its entries are read again after sealing, so blocks added meanwhile are kept.
  const writerLive = (live.get(writer)?.bytes ?? 0) + PACK_HEADER_SIZE
  if (writerSize > PACK_HEADER_SIZE && writerLive / writerSize < init.compactLiveRatio) {
    const sealed = await components.exclusive(async () => {
      if (packs.writerId !== writer) return true
      try {
        await packs.seal()
        return true
      } catch (err) {
        // no room for a new pack: leave the writer as it is
        if (!isNoSpace(err)) throw err
        return false
      }
    })
    if (sealed) sparse.push(writer)
  }

  // rewrite sparse packs in groups whose entries fit in memory together
  try {
    while (sparse.length > 0) {
      const group = new Set<number>()
      let count = 0
      while (sparse.length > 0 && (group.size === 0 || count + (live.get(sparse[0])?.blocks ?? 0) <= COMPACT_MAX_ENTRIES)) {
        const id = sparse.shift() as number
        group.add(id)
        count += live.get(id)?.blocks ?? 0
      }
      const entries = new Map<number, IndexEntry[]>()
      for await (const [multihash, value] of components.entries()) {
        options.signal?.throwIfAborted()
        const location = decodeLocation(value)
        if (!group.has(location.pack)) continue
        const list = entries.get(location.pack) ?? []
        list.push({ multihash, location })
        entries.set(location.pack, list)
      }
      for (const id of group) {
        await rewrite(components, init, id, entries.get(id) ?? [], result, options)
      }
    }
  } catch (err) {
    // a full disk leaves the remaining sparse packs as they are: their blocks are intact and
    // the next compaction, with room to copy, reclaims them
    if (!isNoSpace(err)) throw err
    result.packsSkipped += sparse.length + 1
  }
  return result
}

/** Moves a sparse pack's live blocks to the newest pack, then deletes it. */
async function rewrite (components: CompactionComponents, init: CompactionInit, id: number, entries: IndexEntry[], result: CompactResult, options: AbortOptions): Promise<void> {
  const { packs } = components
  const size = await packs.size(id)
  if (entries.length === 0) {
    // nothing live in it (a sealed writer whose blocks were all removed)
    await packs.unlink(id)
    await components.step('compact:unlinked')
    result.packsDeleted++
    result.bytesReclaimed += size
    return
  }
  entries.sort((a, b) => a.location.offset - b.location.offset)
  let copied = 0
  let i = 0
  while (i < entries.length) {
    options.signal?.throwIfAborted()
    components.assertRunning()
    const step: Array<IndexEntry & { bytes: Uint8Array }> = []
    let stepBytes = 0
    while (i < entries.length && (step.length === 0 || stepBytes + entries[i].location.length <= init.compactStepSize)) {
      const entry = entries[i++]
      let bytes: Uint8Array
      try {
        bytes = await packs.read(entry.location)
        if (!matchesMultihash(Digest.decode(entry.multihash), bytes)) throw new Error('hash mismatch')
      } catch {
        // a live block that fails verification stays where it is, for verify to report
        result.packsSkipped++
        return
      }
      step.push({ ...entry, bytes })
      stepBytes += bytes.byteLength
    }
    copied += await components.exclusive(async () => {
      const current = await components.lookup(step.map(entry => entry.multihash))
      const still = step.filter((entry, j) => {
        const value = current[j]
        return value != null && sameLocation(decodeLocation(value), entry.location)
      })
      if (still.length === 0) return 0
      const mark = packs.mark()
      const locations = await packs.append(still)
      await components.step('compact:copied')
      try {
        await components.writeIndex(still.map((entry, j) => ({
          type: 'put',
          key: entry.multihash,
          value: encodeLocation(locations[j])
        })))
      } catch (err) {
        // the copies are not indexed: give their bytes back (the originals are untouched)
        await packs.rollback(mark)
        throw err
      }
      await components.step('compact:repointed')
      return still.reduce((sum, entry) => sum + entry.bytes.byteLength, 0)
    })
  }
  await packs.unlink(id)
  await components.step('compact:unlinked')
  result.packsRewritten++
  result.bytesCopied += copied
  result.bytesReclaimed += Math.max(0, size - copied)
}
