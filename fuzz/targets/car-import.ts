/**
 * CAR streams from strangers: `dag import` and the RPC's `dag/import` (importCar, dag/car.ts).
 * CARv1 and CARv2 seeds are damaged and cut into random chunks. Beyond "named errors only", a
 * stored block must hash to its CID: a CAR may lie, the blockstore must not believe it.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as fc from 'fast-check'
import { varint } from 'multiformats'
import type { CID } from 'multiformats/cid'
import type { Block } from '../../blockstore/types.ts'
import { importCar } from '../../dag/car.ts'
import { verifyBlock } from '../../dag/hashes.ts'
import { bytesFrom } from '../mutate.ts'
import { chunked, cuts } from '../streams.ts'
import { DAG_BLOCKS, DAG_ROOTS } from '../seeds.ts'
import { defineTarget, expectThat } from '../target.ts'

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function withLength (bytes: Uint8Array): Uint8Array {
  return concat([Uint8Array.from(varint.encodeTo(bytes.length, new Uint8Array(varint.encodingLength(bytes.length)))), bytes])
}

function carV1 (roots: readonly CID[], blocks: readonly Block[]): Uint8Array {
  return concat([
    withLength(dagCbor.encode({ version: 1, roots: [...roots] })),
    ...blocks.map(b => withLength(concat([b.cid.bytes, b.bytes])))
  ])
}

/** CARv2: pragma, header (characteristics, data offset/size, index offset), the inner CARv1. */
function carV2 (inner: Uint8Array): Uint8Array {
  const pragma = Uint8Array.of(0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02)
  const header = new DataView(new ArrayBuffer(40))
  header.setBigUint64(16, 51n, true)
  header.setBigUint64(24, BigInt(inner.length), true)
  header.setBigUint64(32, 0n, true)
  return concat([pragma, new Uint8Array(header.buffer), inner])
}

const v1 = carV1(DAG_ROOTS, DAG_BLOCKS)
const SEEDS = [v1, carV1([DAG_ROOTS[0]], DAG_BLOCKS.slice(0, 2)), carV1([], []), carV2(v1)]

export default defineTarget({
  name: 'car-import',
  description: 'importCar (dag/car.ts): CARv1/CARv2 streams, damaged and chunked',
  async: true,
  arbitrary: fc.record({
    car: bytesFrom(SEEDS, { maxRandomLength: 512 }),
    cuts,
    allowBigBlock: fc.boolean()
  }),
  async run ({ car, cuts, allowBigBlock }) {
    const stored: Block[] = []
    const sink = {
      async putMany (blocks: Block[]) { stored.push(...blocks) }
    }
    let result
    try {
      result = await importCar(chunked(car, cuts), sink, { allowBigBlock })
    } finally {
      // checked even when the import fails: blocks before a break are stored
      for (const block of stored) {
        try {
          verifyBlock(block.cid, block.bytes)
        } catch {
          expectThat(false, `a block that does not match its CID was stored: ${block.cid.toString()}`)
        }
      }
    }
    return result
  },
  check (output) {
    const result = output as Awaited<ReturnType<typeof importCar>>
    expectThat(result.version === 1 || result.version === 2, `CAR version ${result.version}`)
    expectThat(Number.isSafeInteger(result.blockCount) && result.blockCount >= 0, 'bad block count')
  }
})
