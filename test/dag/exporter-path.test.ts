import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { base16 } from 'multiformats/bases/base16'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { base64url } from 'multiformats/bases/base64'
import { base256emoji } from 'multiformats/bases/base256emoji'
import { parsePath, toParsedPath } from '../../dag/exporter/index.ts'
import { parseContentPath } from '../../dag/path.ts'

const V0 = 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn'
const V1 = 'bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354'

describe('parsePath', () => {
  it('accepts bare CIDs in any multibase', () => {
    const cid = CID.parse(V1)
    expect(parsePath(V0).root.toString()).toBe(V0)
    expect(parsePath(V0).root.version).toBe(0)
    for (const text of [V1, cid.toString(base16), cid.toString(base36), cid.toString(base58btc), cid.toString(base64url), cid.toString(base256emoji), V1.toUpperCase().replace(/^B/, 'B')]) {
      const parsed = parsePath(text)
      expect(parsed.root.equals(cid), text).toBe(true)
      expect(parsed.segments).toEqual([])
    }
  })

  it('splits /ipfs/ paths and <cid>/ paths, dropping empty and dot segments', () => {
    expect(parsePath(`/ipfs/${V1}/a/b`)).toMatchObject({ segments: ['a', 'b'] })
    expect(parsePath(`${V0}/a/b/`).segments).toEqual(['a', 'b'])
    expect(parsePath(`//ipfs//${V1}//a///b//`).segments).toEqual(['a', 'b'])
    expect(parsePath(`${V1}/a/./b/../c`).segments).toEqual(['a', 'c'])
    expect(parsePath(`${V1}/a/..`).segments).toEqual([])
    expect(parsePath(`${V1}/héllo wörld/日本`).segments).toEqual(['héllo wörld', '日本'])
    expect(parsePath(`/ipfs/${V1}`).root.toString()).toBe(V1)
  })

  it('refuses climbing above the root', () => {
    for (const bad of [`${V1}/..`, `/ipfs/${V1}/a/../../b`, `${V1}/../x`]) {
      expect(() => parsePath(bad), bad).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
    }
  })

  it('explains bad CIDs and paths', () => {
    expect(() => parsePath('not-a-cid')).toThrow(expect.objectContaining({ name: 'InvalidCIDError', message: expect.stringContaining('not-a-cid') }))
    expect(() => parsePath('QmNotBase58!!')).toThrow(expect.objectContaining({ name: 'InvalidCIDError' }))
    expect(() => parsePath(`${V1.slice(0, -2)}/a`)).toThrow(expect.objectContaining({ name: 'InvalidCIDError' }))
    expect(() => parsePath('bafyfoo\u001b[31m')).toThrow(expect.objectContaining({ name: 'InvalidCIDError', message: expect.not.stringContaining('\u001b') }))
    expect(() => parsePath('')).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
    expect(() => parsePath('/ipfs/')).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
    expect(() => parsePath(`/foo/${V1}`)).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
    expect(() => parsePath('/ipns/example.com')).toThrow(expect.objectContaining({ name: 'InvalidPathError', message: expect.stringContaining('IPNS') }))
  })

  it('takes CIDs and parsed paths too', () => {
    const cid = CID.parse(V1)
    expect(toParsedPath(cid)).toEqual({ root: cid, segments: [] })
    expect(toParsedPath({ root: cid, segments: ['a', '', '.', 'b'] }).segments).toEqual(['a', 'b'])
  })

  it('parses either namespace for the node\'s path resolver', () => {
    expect(parseContentPath(`/ipfs/${V1}/a/../b`)).toMatchObject({ namespace: 'ipfs', segments: ['b'] })
    expect(parseContentPath(V0)).toMatchObject({ namespace: 'ipfs', segments: [] })
    expect(parseContentPath('/ipns/example.com/a//b/')).toEqual({ namespace: 'ipns', name: 'example.com', segments: ['a', 'b'] })
    expect(() => parseContentPath('/ipns/')).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
    expect(parseContentPath('/ipns/k51/a/..').segments).toEqual([])
    expect(() => parseContentPath('/ipns/k51/..')).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
    expect(() => parseContentPath('/foo/bar')).toThrow(expect.objectContaining({ name: 'InvalidPathError' }))
  })
})

describe('CIDs that would not read back', () => {
  it('refuses a multibase CID that decodes as a CIDv0 of a non-sha2-256 multihash (fuzz finding)', () => {
    // "UABUABmlubGluZQ==": base64url of an identity multihash, which CID.decode takes as a v0
    // CID that prints as "1F6PKhHXTA", a string no CID parser reads back
    expect(() => parseContentPath('/ipfs/UABUABmlubGluZQ==')).toThrow(/CIDv0 must be a sha2-256 multihash/)
  })
})
