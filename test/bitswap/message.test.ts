import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessageLists, encodeMessages, type WantEntry } from '../../bitswap/message.ts'
import { Message } from '../../bitswap/pb/message.js'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'

describe('bitswap message encoding', () => {
  const blocks = [randomBlock(100), randomBlock(300_000), randomBlock(5000)]
  const want: WantEntry = { cid: randomBlock(10).cid, priority: 3, cancel: false, wantType: 'have', sendDontHave: true }
  const presence = { cid: randomBlock(10).cid, have: false }

  for (const v100 of [false, true]) {
    it(`writes blocks${v100 ? ' the 1.0.0 way' : ''} without copying them, into messages any protobuf reader reads`, () => {
      const lists = encodeMessageLists({ wants: [want], presences: [presence], blocks, pendingBytes: 7 }, { v100 })
      expect(lists).toHaveLength(1)
      // the blocks' own byte arrays are chunks of the message
      const chunks = [...lists[0]]
      for (const block of blocks) expect(chunks.some(chunk => chunk === block.bytes)).toBe(true)
      const bytes = lists[0].subarray()
      // the generated protobuf reader sees every field
      const plain = Message.decode(bytes)
      expect(plain.pendingBytes).toBe(7)
      expect(plain.wantlist?.entries).toHaveLength(1)
      expect(v100 ? plain.blocks.length : plain.payload.length).toBe(3)
      // and our decoder verifies and matches every block
      const decoded = decodeMessage(bytes)
      expect(decoded.invalid).toBe(0)
      expect(decoded.wants.map(w => [w.cid.toString(), w.wantType, w.priority, w.sendDontHave])).toEqual([[want.cid.toString(), 'have', 3, true]])
      expect(decoded.presences.map(p => [p.cid.toString(), p.have])).toEqual([[presence.cid.toString(), false]])
      expect(decoded.blocks.map(b => b.cid.multihash.bytes)).toEqual(blocks.map(b => b.cid.multihash.bytes))
      decoded.blocks.forEach((b, i) => { expect(sameBytes(b.bytes, blocks[i].bytes)).toBe(true) })
      // the contiguous form is the same bytes
      expect(sameBytes(encodeMessages({ wants: [want], presences: [presence], blocks, pendingBytes: 7 }, { v100 })[0], bytes)).toBe(true)
    })
  }

  it('splits blocks over messages under the size limit', () => {
    const lists = encodeMessageLists({ blocks }, { maxSize: 302_000 })
    expect(lists.length).toBe(2)
    for (const list of lists) expect(list.byteLength).toBeLessThanOrEqual(302_000)
    const all = lists.flatMap(list => decodeMessage(list.subarray()).blocks)
    expect(all.map(b => b.cid.toString())).toEqual(blocks.map(b => b.cid.toString()))
  })
})
