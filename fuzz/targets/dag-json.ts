/**
 * dag-json from strangers: `dag put` (its default input codec; dagPut, dag/codecs.ts), blocks read
 * by the exporter (decodeNode) and by GC, pinning and CAR export (namedLinksOf, blockstore/links.ts).
 */
import * as fc from 'fast-check'
import { dagPut } from '../../dag/codecs.ts'
import { decodeNode } from '../../dag/exporter/node.ts'
import { namedLinksOf } from '../../blockstore/index.ts'
import { bytesFrom, stringsFrom } from '../mutate.ts'
import { deepJson } from '../nesting.ts'
import { DAG_JSON, DAG_JSON_BLOCKS, cidOf } from '../seeds.ts'
import { callEach, defineTarget } from '../target.ts'

const BLOCK_CID = cidOf(DAG_JSON, new Uint8Array(0))
const utf8 = new TextEncoder()
const texts = DAG_JSON_BLOCKS.map(b => new TextDecoder().decode(b))

export default defineTarget({
  name: 'dag-json',
  description: 'dagPut (dag-json input), decodeNode and namedLinksOf on dag-json bytes, deep nesting included',
  arbitrary: fc.record({
    bytes: fc.oneof(
      { arbitrary: bytesFrom(DAG_JSON_BLOCKS), weight: 25 },
      { arbitrary: stringsFrom(texts).map(t => utf8.encode(t)), weight: 20 },
      { arbitrary: deepJson, weight: 1 }
    ),
    storeCodec: fc.constantFrom('dag-cbor', 'dag-json', 'dag-pb', 'raw', 'json', 'cbor')
  }),
  run: ({ bytes, storeCodec }) => callEach([
    () => dagPut(bytes, { inputCodec: 'dag-json', storeCodec }),
    () => decodeNode(BLOCK_CID, bytes),
    () => namedLinksOf(BLOCK_CID, bytes)
  ])
})
