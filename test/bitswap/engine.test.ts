import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Engine, type EngineBlockstore } from '../../bitswap/engine.ts'
import type { OutgoingMessage, WantEntry } from '../../bitswap/message.ts'
import { randomBlock } from '../blockstore/helpers.ts'
import { waitFor } from '../helpers/wait.ts'
import type { CID } from 'multiformats/cid'

describe('bitswap serving engine', () => {
  it('reads the blocks of one message together, not one after the other', async () => {
    const blocks = Array.from({ length: 6 }, () => randomBlock(16 * 1024))
    const byKey = new Map(blocks.map(b => [b.cid.toString(), b.bytes]))
    // reads wait until released, so the test sees how many the engine has started at once
    const started: string[] = []
    const releases: Array<() => void> = []
    const store: EngineBlockstore = {
      has: async (cid: CID) => byKey.has(cid.toString()),
      getSize: async (cid: CID) => byKey.get(cid.toString())?.byteLength,
      get: async (cid: CID) => {
        started.push(cid.toString())
        await new Promise<void>(resolve => { releases.push(resolve) })
        return byKey.get(cid.toString())!
      }
    }
    const sent: OutgoingMessage[] = []
    // one message of up to 1 MiB in flight to the peer at a time: six 16 KiB blocks fit one
    const engine = new Engine(store, async (_peer, message) => { sent.push(message) }, defaultLogger().forComponent('test:engine'),
      { targetMessageSize: 1024 * 1024, maxOutstandingBytesPerPeer: 1024 * 1024 })
    engine.start()
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const wants: WantEntry[] = blocks.map(b => ({ cid: b.cid, priority: 1, cancel: false, wantType: 'block', sendDontHave: true }))
    engine.onWantlist(peer, false, wants)
    await waitFor(() => started.length === blocks.length, { timeout: 3000, message: () => `every read of the message started before any finished (${started.length} of ${blocks.length} started)` })
    for (const release of releases) release()
    await waitFor(() => sent.length === 1, { message: 'the message sent' })
    expect(sent[0].blocks?.map(b => b.cid.toString())).toEqual(blocks.map(b => b.cid.toString()))
    engine.stop()
  })
})
