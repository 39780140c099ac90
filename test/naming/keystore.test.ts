import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KEYSTORE_DIR, SELF_KEY } from '../../naming/keystore.ts'
import type { Keystore } from '../../naming/keystore.ts'
import { failure, freshKeystore } from './helpers.ts'

describe('keystore', () => {
  let root: string
  let keystore: Keystore
  let selfId: Uint8Array

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-keystore-'))
    ;({ keystore, selfId } = await freshKeystore(root))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('generates keys into owner-only files with Kubo-style safe names, and lists them with self first', async () => {
    const a = await keystore.gen('my key ..ü')
    const b = await keystore.gen('b', { type: 'rsa' })
    expect((await stat(join(root, KEYSTORE_DIR))).mode & 0o777).toBe(0o700)
    const files = await readdir(join(root, KEYSTORE_DIR))
    expect(files).toHaveLength(2)
    for (const file of files) {
      expect(file).toMatch(/^key_[a-z2-7]+$/)
      expect((await stat(join(root, KEYSTORE_DIR, file))).mode & 0o777).toBe(0o600)
    }
    const list = await keystore.list()
    expect(list.map(k => k.name)).toEqual([SELF_KEY, 'b', a.name])
    expect(list[0].id).toEqual(selfId)
    expect(list[1].id).toEqual(b.id)
    expect((await keystore.get('b')).type).toBe('RSA')
  })

  it('protects self and refuses duplicates, unknown names and bad names', async () => {
    expect(await failure(keystore.gen(SELF_KEY))).toBe('KeyProtectedError')
    expect(await failure(keystore.rm(SELF_KEY))).toBe('KeyProtectedError')
    expect(await failure(keystore.rename(SELF_KEY, 'x'))).toBe('KeyProtectedError')
    await keystore.gen('a')
    expect(await failure(keystore.rename('a', SELF_KEY, { force: true }))).toBe('KeyProtectedError')
    expect(await failure(keystore.import(SELF_KEY, await keystore.export('a')))).toBe('KeyProtectedError')
    expect(await failure(keystore.gen('a'))).toBe('KeyExistsError')
    expect(await failure(keystore.rm('nope'))).toBe('KeyNotFoundError')
    expect(await failure(keystore.gen('a/b'))).toBe('InvalidKeyError')
    expect(await failure(keystore.gen(''))).toBe('InvalidKeyError')
    expect(await failure(keystore.gen('r', { type: 'rsa', size: 512 }))).toBe('InvalidKeyError')
    expect(await failure(keystore.import('g', Uint8Array.of(1, 2, 3)))).toBe('InvalidKeyError')
    expect((await keystore.get(SELF_KEY)).publicKey.toMultihash().bytes).toEqual(selfId)
  })

  it('renames (overwriting only with force), removes, and round-trips export/import', async () => {
    const a = await keystore.gen('a')
    await keystore.gen('b')
    expect(await failure(keystore.rename('a', 'b'))).toBe('KeyExistsError')
    const renamed = await keystore.rename('a', 'b', { force: true })
    expect(renamed).toMatchObject({ name: 'b', overwritten: true })
    expect(renamed.id).toEqual(a.id)
    expect((await keystore.list()).map(k => k.name)).toEqual([SELF_KEY, 'b'])
    const exported = await keystore.export('b')
    await keystore.rm('b')
    expect(await keystore.has('b')).toBe(false)
    const imported = await keystore.import('c', exported)
    expect(imported.id).toEqual(a.id)
    expect(await readFile(join(root, KEYSTORE_DIR, (await readdir(join(root, KEYSTORE_DIR)))[0]))).toEqual(Buffer.from(exported))
    expect(privateKeyToProtobuf(await keystore.get(SELF_KEY))).toEqual(await keystore.export(SELF_KEY))
  })
})
