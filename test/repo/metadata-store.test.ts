import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMetadataStore, initRepo, Repo, type MetadataStore } from '../../repo/index.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (data: Uint8Array | undefined): string | undefined => data == null ? undefined : new TextDecoder().decode(data)

async function collect (store: MetadataStore, prefix?: string): Promise<string[]> {
  const out: string[] = []
  for await (const { key, value } of store.entries({ prefix: prefix == null ? undefined : bytes(prefix) })) {
    out.push(`${text(key)}=${text(value)}`)
  }
  return out
}

describe('metadata store over the repo datastore', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-metadata-'))
    await initRepo(dir, { profiles: ['test'] })
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('gets, puts, deletes and lists by prefix, in sub-stores that never meet, and keeps them across a reopen', async () => {
    let repo = await Repo.open(dir)
    try {
      const root = createMetadataStore(repo.datastore)
      const dht = root.sub('dht')
      const ipns = root.sub('ipns')
      await dht.put(bytes('/providers/a/1'), bytes('p1'))
      await dht.batch([
        { type: 'put', key: bytes('/providers/a/2'), value: bytes('p2') },
        { type: 'put', key: bytes('/providers/b/1'), value: bytes('p3') },
        { type: 'put', key: bytes('/peers/x'), value: bytes('x') }
      ])
      await ipns.put(bytes('/providers/a/1'), bytes('other'))
      expect(text(await dht.get(bytes('/providers/a/1')))).toBe('p1')
      expect(text(await ipns.get(bytes('/providers/a/1')))).toBe('other')
      expect(await dht.has(bytes('/nothing'))).toBe(false)
      expect(await dht.get(bytes('/nothing'))).toBeUndefined()
      expect(await collect(dht, '/providers/a/')).toEqual(['/providers/a/1=p1', '/providers/a/2=p2'])
      expect(await collect(dht, '/providers/')).toHaveLength(3)
      await dht.delete(bytes('/providers/a/1'))
      await dht.delete(bytes('/never-there'))
      expect(await collect(dht, '/providers/a/')).toEqual(['/providers/a/2=p2'])
      const controller = new AbortController()
      controller.abort()
      await expect(dht.put(bytes('k'), bytes('v'), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortedError' })
    } finally {
      await repo.close()
    }
    repo = await Repo.open(dir)
    try {
      expect(await collect(createMetadataStore(repo.datastore).sub('dht'))).toEqual(['/peers/x=x', '/providers/a/2=p2', '/providers/b/1=p3'])
    } finally {
      await repo.close()
    }
  })

  it('lists every key under a prefix that ends in 0xff bytes', async () => {
    const repo = await Repo.open(dir)
    try {
      const store = createMetadataStore(repo.datastore).sub('edge')
      await store.put(Uint8Array.of(1, 0xff, 0xff), bytes('a'))
      await store.put(Uint8Array.of(1, 0xff, 0xff, 7), bytes('b'))
      await store.put(Uint8Array.of(2), bytes('c'))
      const seen: string[] = []
      for await (const entry of store.entries({ prefix: Uint8Array.of(1, 0xff) })) seen.push(text(entry.value) as string)
      expect(seen).toEqual(['a', 'b'])
      const all: string[] = []
      for await (const entry of store.entries({ prefix: Uint8Array.of(0xff) })) all.push(text(entry.value) as string)
      expect(all).toEqual([])
    } finally {
      await repo.close()
    }
  })
})
