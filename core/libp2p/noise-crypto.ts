/**
 * Noise's ChaCha20-Poly1305 as Cairn runs it: node:crypto, as noise's own default for payloads
 * of any size, with two costs taken out of every 64 KiB record of a transfer.
 *
 * - The key: node:crypto turns a raw key into a key object on every cipher it creates, and that
 *   check was a third of the cipher's cost (a profile of a 256 MiB Bitswap transfer: ~1 ms of CPU
 *   per MB on each side). The key object is made once per key, and a key is one direction of one
 *   connection (noise keeps the same key bytes for its whole life).
 * - The copy: noise's default joins the ciphertext and the tag into one new buffer per record;
 *   here they go out as a list of the two, which the noise stream appends without copying.
 *
 * Everything else (the handshake's X25519, HKDF and SHA-256, and records under 1,200 bytes,
 * where noise's WebAssembly cipher is faster) is noise's default crypto, untouched.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

const CHACHA_POLY1305 = 'chacha20-poly1305'
const TAG_LENGTH = 16
/** Below this, noise's WebAssembly cipher beats node:crypto (noise's own threshold). */
const SMALL_RECORD = 1200

/** Key objects by the key bytes noise holds for a connection's direction. */
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

function keyObject (k: Uint8Array): KeyObject {
  let key = keyObjects.get(k)
  if (key == null) {
    key = createSecretKey(k)
    keyObjects.set(k, key)
  }
  return key
}

/**
 * Noise bundles its own copy of uint8arraylist: our lists are its lists at run time (the class
 * recognises any copy's lists by a registered symbol), but not to the type checker.
 */
type NoiseOutput = ReturnType<ICryptoInterface['chaCha20Poly1305Encrypt']>
const asNoiseOutput = (list: Uint8ArrayList): NoiseOutput => list as unknown as NoiseOutput

/** Noise's crypto with the record cipher described above. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < SMALL_RECORD) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    const cipher = createCipheriv(CHACHA_POLY1305, keyObject(k), nonce, { authTagLength: TAG_LENGTH })
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
    const output = new Uint8ArrayList()
    if (plaintext instanceof Uint8Array) {
      output.append(cipher.update(plaintext))
    } else {
      for (const part of plaintext) output.append(cipher.update(part))
    }
    const final = cipher.final()
    if (final.byteLength > 0) output.append(final)
    output.append(cipher.getAuthTag())
    return asNoiseOutput(output)
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < SMALL_RECORD) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    const textLength = ciphertext.byteLength - TAG_LENGTH
    const decipher = createDecipheriv(CHACHA_POLY1305, keyObject(k), nonce, { authTagLength: TAG_LENGTH })
    decipher.setAAD(ad, { plaintextLength: textLength })
    decipher.setAuthTag(ciphertext.subarray(textLength))
    if (ciphertext instanceof Uint8Array) {
      const output = decipher.update(ciphertext.subarray(0, textLength))
      const final = decipher.final()
      return final.byteLength > 0 ? Buffer.concat([output, final]) : output
    }
    const output = new Uint8ArrayList()
    for (const part of ciphertext.sublist(0, textLength)) output.append(decipher.update(part))
    const final = decipher.final()
    if (final.byteLength > 0) output.append(final)
    return asNoiseOutput(output)
  }
}
