/**
 * `--offline` on a command that runs through an online daemon (Kubo's global `offline` option):
 * the command sees the same node, except that its block reads never ask the network. Blocks the
 * store lacks fail at once with `BlockNotFoundError` instead of being fetched, and no Bitswap
 * want or provider lookup is made on the command's behalf.
 */
import type { BlockService, CoreNode, PathResolver } from './node.ts'

/** The node as an `--offline` command sees it: block reads and path resolution stay local. */
export function offlineView (node: CoreNode): CoreNode {
  if (node.offline || !node.blocks.online) return node
  const online = node.blocks
  const blocks: BlockService = {
    online: false,
    get: async (cid, options = {}) => await online.get(cid, { ...options, offline: true }),
    has: async (cid, options) => await online.has(cid, options),
    put: async (block, options) => { await online.put(block, options) },
    session: (root, options = {}) => online.session(root, { ...options, offline: true }),
    flush: async () => { await online.flush() }
  }
  const resolvePath = (async (path, options = {}) => await node.resolvePath(path, { ...options, blocks: options.blocks ?? blocks })) as PathResolver
  return { ...node, blocks, resolvePath }
}
