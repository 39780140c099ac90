import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { noiseCrypto } from '../../core/libp2p/noise-crypto.ts'

const bytesOf = (data: Uint8Array | { subarray(): Uint8Array }): Uint8Array => data instanceof Uint8Array ? data : data.subarray()

describe('noise record cipher', () => {
  // record sizes: under the small-record threshold, at it, a full noise record (65,535 − tag)
  for (const size of [100, 1200, 65_519]) {
    it(`seals and opens ${size}-byte records exactly as noise's default crypto does, keys reused`, () => {
      const k = randomBytes(32)
      const ad = randomBytes(32)
      for (let n = 0; n < 3; n++) {
        const nonce = Buffer.alloc(12)
        nonce.writeUInt32LE(n, 4)
        const plaintext = randomBytes(size)
        const ours = bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))
        const theirs = bytesOf(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))
        expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true)
        // a record that arrives in pieces (a list) opens as one that arrived whole
        const pieces = new Uint8ArrayList(ours.subarray(0, 700), ours.subarray(700))
        const opened = bytesOf(noiseCrypto.chaCha20Poly1305Decrypt(pieces as never, nonce, ad, k))
        expect(Buffer.from(opened).equals(plaintext)).toBe(true)
        const plainList = new Uint8ArrayList(plaintext.subarray(0, 10), plaintext.subarray(10))
        expect(Buffer.from(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(plainList as never, nonce, ad, k))).equals(Buffer.from(theirs))).toBe(true)
      }
    })
  }

  it('refuses a record whose bytes were changed', () => {
    const k = randomBytes(32)
    const nonce = Buffer.alloc(12)
    const sealed = Buffer.from(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(randomBytes(4096), nonce, new Uint8Array(0), k)))
    sealed[100] ^= 1
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, new Uint8Array(0), k)).toThrow()
  })
})
