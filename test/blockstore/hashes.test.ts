import { createHash } from 'node:crypto'
import { blake2b } from '@noble/hashes/blake2.js'
import { blake3 } from '@noble/hashes/blake3.js'
import { keccak_256, sha3_256 } from '@noble/hashes/sha3.js'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { describe, expect, it } from 'vitest'
import { hashFunctionByCode, hashFunctionByName, isSupportedHash, matchesMultihash } from '../../blockstore/index.ts'
import { HASH_NAMES, hasherByName } from '../../dag/hashes.ts'

const data = new TextEncoder().encode('the quick brown fox')
const other = new TextEncoder().encode('the quick brown fix')

describe('matchesMultihash', () => {
  const cases: Array<[string, number, Uint8Array]> = [
    ['sha2-256', 0x12, createHash('sha256').update(data).digest()],
    ['sha2-512', 0x13, createHash('sha512').update(data).digest()],
    ['sha3-256', 0x16, sha3_256(data)],
    ['keccak-256', 0x1b, keccak_256(data)],
    ['blake2b-256', 0xb220, blake2b(data, { dkLen: 32 })],
    ['blake2b-512', 0xb240, blake2b(data, { dkLen: 64 })],
    ['blake3', 0x1e, blake3(data)]
  ]
  for (const [name, code, digest] of cases) {
    it(`checks ${name}`, () => {
      const multihash = Digest.create(code, digest)
      expect(matchesMultihash(multihash, data)).toBe(true)
      expect(matchesMultihash(multihash, other)).toBe(false)
    })
  }

  it('compares a truncated digest as a prefix', () => {
    const full = createHash('sha256').update(data).digest()
    expect(matchesMultihash(Digest.create(0x12, full.subarray(0, 20)), data)).toBe(true)
    expect(matchesMultihash(Digest.create(0x12, Buffer.concat([full, Buffer.from([0])])), data)).toBe(false)
  })

  it('checks identity by equality', () => {
    expect(matchesMultihash(identity.digest(data), data)).toBe(true)
    expect(matchesMultihash(identity.digest(data), other)).toBe(false)
  })

  it('throws UnsupportedHashError for an unknown code', () => {
    expect(isSupportedHash(0x22)).toBe(false)
    expect(() => matchesMultihash(Digest.create(0x22, new Uint8Array(4)), data)).toThrow(expect.objectContaining({ name: 'UnsupportedHashError' }))
  })
})

describe('the multihash registry', () => {
  it('finds each function by code and by its multicodec name, the sized blake2 variants included', () => {
    for (const [name, code] of [['sha2-256', 0x12], ['sha3-224', 0x17], ['keccak-512', 0x1d], ['blake3', 0x1e],
      ['blake2b-8', 0xb201], ['blake2b-256', 0xb220], ['blake2b-512', 0xb240], ['blake2s-128', 0xb250], ['blake2s-256', 0xb260]] as const) {
      expect(hashFunctionByName(name)?.code).toBe(code)
      expect(hashFunctionByCode(code)?.name).toBe(name)
    }
    expect(hashFunctionByName('blake2b-7')).toBeUndefined()
    expect(hashFunctionByName('md5')).toBeUndefined()
    expect(hashFunctionByCode(0xd5)).toBeUndefined()
  })

  it('is where the hashers dag/ offers get their functions', () => {
    for (const name of HASH_NAMES) {
      const fn = hashFunctionByName(name)
      expect(fn).toBeDefined()
      const hasher = hasherByName(name)
      expect(hasher.code).toBe(fn?.code)
      expect(hasher.size).toBe(fn?.size)
      expect(Buffer.from(hasher.encode(data)).equals(fn?.digest(data) as Uint8Array)).toBe(true)
    }
  })
})
