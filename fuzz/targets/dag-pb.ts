/**
 * dag-pb blocks from strangers (fetched, imported from a CAR, put with `block put`): the
 * exporter's `decodeNode` (dag/exporter/node.ts, dag-pb plus the UnixFS `Data` inside it) and
 * `namedLinksOf` (blockstore/links.ts, what GC, pinning and CAR export follow).
 */
import { CID } from 'multiformats/cid'
import { namedLinksOf } from '../../blockstore/index.ts'
import { decodeNode } from '../../dag/exporter/node.ts'
import { bytesFrom } from '../mutate.ts'
import { DAG_PB, DAG_PB_BLOCKS, cidOf } from '../seeds.ts'
import { defineTarget, expectThat } from '../target.ts'

/** The CID the bytes are read under (decoders do not verify hashes; the blockstore does). */
const CID_PB = cidOf(DAG_PB, new Uint8Array(0))

export default defineTarget({
  name: 'dag-pb',
  description: 'decodeNode (dag/exporter/node.ts) and namedLinksOf (blockstore/links.ts) on dag-pb bytes',
  arbitrary: bytesFrom(DAG_PB_BLOCKS),
  run: (bytes: Uint8Array) => ({ node: decodeNode(CID_PB, bytes), links: namedLinksOf(CID_PB, bytes) }),
  check (output) {
    const { node, links } = output as { node: ReturnType<typeof decodeNode>, links: ReturnType<typeof namedLinksOf> }
    expectThat(node.kind === 'unixfs' || node.kind === 'dag-pb', `dag-pb decoded as ${node.kind}`)
    for (const link of links) {
      expectThat(CID.asCID(link.cid) != null, 'a link is not a CID')
      expectThat(typeof link.name === 'string', 'a link name is not a string')
    }
    if (node.kind === 'unixfs') {
      expectThat(typeof node.unixfs.type === 'string', 'UnixFS type is not a string')
    }
  }
})
