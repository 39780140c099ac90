/**
 * The exporter's view of the one DAG walker (`traverse` in the blockstore): `cat`, directory
 * listings and HAMT walks run on it with the exporter's read-ahead window, reading blocks with
 * {@link fetchBlock} (identity CIDs from the CID, and the signal honoured even by a getter that
 * ignores it).
 */

import type { BlockGetter, Expand, GetOptions, Step } from '../../blockstore/index.ts'
import { traverse as traverseDag } from '../../blockstore/index.ts'
import { fetchBlock } from './node.ts'

export type { Expand, Step }

/**
 * How many blocks the exporter fetches ahead of its consumer, and the most `get` calls it has in
 * flight at once for one traversal.
 */
export const READ_AHEAD_BLOCKS = 8

/**
 * Runs a traversal from `initial`, yielding values in order, with {@link READ_AHEAD_BLOCKS} of
 * read-ahead (or the getter's own `readAhead`, wider for a getter that fetches from the network). See the blockstore's `traverse` for the steps and the memory bound.
 *
 * @param initial - the first steps (often the expansion of a root block the caller already has)
 * @param getter - where blocks come from
 * @param expand - turns a fetched block into its steps
 * @param options - `lend`: blocks are read lent (see `GetOptions.lend`); `expand` must then
 *   `keep` any block it holds on to beyond the values it yields
 */
export function traverse<M, O> (
  initial: Array<Step<M, O>>,
  getter: BlockGetter,
  expand: Expand<M, O>,
  options: GetOptions = {}
): AsyncGenerator<O, void, undefined> {
  const lend = options.lend === true
  const load = async (cid: Parameters<typeof fetchBlock>[1], opts: GetOptions): Promise<Uint8Array> =>
    await fetchBlock(getter, cid, lend ? { ...opts, lend } : opts)
  return traverseDag(initial, load, expand, { signal: options.signal, readAhead: getter.readAhead ?? READ_AHEAD_BLOCKS })
}
