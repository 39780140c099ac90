/**
 * dag-cbor from strangers: `dag put --input-codec dag-cbor` (dagPut, dag/codecs.ts), blocks read
 * by the exporter (decodeNode) and by GC, pinning and CAR export (namedLinksOf, blockstore/links.ts).
 */
import * as fc from 'fast-check'
import { dagPut } from '../../dag/codecs.ts'
import { decodeNode } from '../../dag/exporter/node.ts'
import { namedLinksOf } from '../../blockstore/index.ts'
import { bytesFrom } from '../mutate.ts'
import { deepCbor } from '../nesting.ts'
import { DAG_CBOR, DAG_CBOR_BLOCKS, cidOf } from '../seeds.ts'
import { callEach, defineTarget } from '../target.ts'

const BLOCK_CID = cidOf(DAG_CBOR, new Uint8Array(0))

export default defineTarget({
  name: 'dag-cbor',
  description: 'dagPut (dag-cbor input), decodeNode and namedLinksOf on dag-cbor bytes, deep nesting included',
  arbitrary: fc.record({
    bytes: fc.oneof({ arbitrary: bytesFrom(DAG_CBOR_BLOCKS), weight: 45 }, { arbitrary: deepCbor, weight: 1 }),
    storeCodec: fc.constantFrom('dag-cbor', 'dag-json', 'dag-pb', 'raw', 'json', 'cbor')
  }),
  run: ({ bytes, storeCodec }) => callEach([
    () => dagPut(bytes, { inputCodec: 'dag-cbor', storeCodec }),
    () => decodeNode(BLOCK_CID, bytes),
    () => namedLinksOf(BLOCK_CID, bytes)
  ])
})
