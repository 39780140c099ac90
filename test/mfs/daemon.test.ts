/**
 * MFS through a real `cairn daemon`: kubo-rpc-client's `files.*` calls, 50 concurrent writers,
 * the root surviving a restart and GC, and a daemon killed in the middle of a large write.
 */
import { randomBytes } from 'node:crypto'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, packBytes, type TestRepo } from '../helpers/cli.ts'
import { killDaemon, startDaemon, stopDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { waitFor } from '../helpers/wait.ts'

/** The most the crash test uploads (it kills the daemon long before). */
const MAX_CRASH_UPLOAD_MIB = 1024

async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

async function text (source: AsyncIterable<Uint8Array>): Promise<string> {
  return Buffer.concat(await collect(source)).toString('utf8')
}

describe('MFS through the daemon', () => {
  let repo: TestRepo
  let daemon: RunningDaemon | undefined
  let ipfs: KuboRPCClient

  beforeAll(async () => {
    repo = await createTestRepo()
    daemon = await startDaemon(repo, { args: ['--offline'] })
    ipfs = create({ url: daemon.api })
  })
  afterAll(async () => {
    if (daemon != null) await killDaemon(daemon)
    await repo?.cleanup()
  })

  it("serves kubo-rpc-client's files calls", async () => {
    await ipfs.files.mkdir('/kubo/dir', { parents: true })
    await ipfs.files.write('/kubo/dir/hello.txt', new TextEncoder().encode('hello world'), { create: true })
    expect(await text(ipfs.files.read('/kubo/dir/hello.txt'))).toBe('hello world')
    expect(await text(ipfs.files.read('/kubo/dir/hello.txt', { offset: 6, length: 3 }))).toBe('wor')
    await ipfs.files.write('/kubo/dir/hello.txt', new TextEncoder().encode('W'), { offset: 6 })
    expect(await text(ipfs.files.read('/kubo/dir/hello.txt'))).toBe('hello World')

    const listing = await collect(ipfs.files.ls('/kubo/dir'))
    expect(listing.map(e => [e.name, e.type, e.size])).toEqual([['hello.txt', 'file', 11]])
    const stat = await ipfs.files.stat('/kubo/dir/hello.txt')
    expect(stat).toMatchObject({ type: 'file', size: 11, blocks: 0 })
    expect(listing[0].cid.equals(stat.cid)).toBe(true)
    const { cid: added } = await ipfs.add(new TextEncoder().encode('hello World'), { pin: false })
    expect(stat.cid.equals(added)).toBe(true)

    await ipfs.files.cp(`/ipfs/${added}`, '/kubo/copy.txt')
    await ipfs.files.cp('/kubo/dir/hello.txt', '/kubo/copy2.txt')
    await ipfs.files.mv('/kubo/copy2.txt', '/kubo/dir/moved.txt')
    expect((await collect(ipfs.files.ls('/kubo'))).map(e => [e.name, e.type])).toEqual([['copy.txt', 'file'], ['dir', 'directory']])
    expect((await collect(ipfs.files.ls('/kubo/dir'))).map(e => e.name)).toEqual(['hello.txt', 'moved.txt'])
    await ipfs.files.rm('/kubo/dir/moved.txt')
    await expect(ipfs.files.rm('/kubo/dir')).rejects.toThrow(/use -r to remove directories/)
    await ipfs.files.rm('/kubo/dir', { recursive: true })
    expect((await collect(ipfs.files.ls('/kubo'))).map(e => e.name)).toEqual(['copy.txt'])
    const root = await ipfs.files.flush('/')
    expect(root.equals((await ipfs.files.stat('/')).cid)).toBe(true)
    await expect(ipfs.files.stat('/kubo/nope')).rejects.toThrow('file does not exist')

    // chmod and touch are not in kubo-rpc-client: Kubo's endpoints, called as Kubo's CLI does
    const chmod = await fetch(`${daemon!.api}/api/v0/files/chmod?arg=0600&arg=/kubo/copy.txt`, { method: 'POST' })
    expect(chmod.status).toBe(200)
    const touch = await fetch(`${daemon!.api}/api/v0/files/touch?arg=/kubo/copy.txt&mtime=1700000000`, { method: 'POST' })
    expect(touch.status).toBe(200)
    expect(await ipfs.files.stat('/kubo/copy.txt')).toMatchObject({ mode: 0o600, mtime: { secs: 1700000000 } })
  })

  it('loses no update of 50 concurrent writers to different paths', async () => {
    const payload = (i: number): Uint8Array => new TextEncoder().encode(`file ${i} `.repeat(200 + i * 37))
    await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      await ipfs.files.write(`/many/d${i % 5}/f${i}.txt`, payload(i), { create: true, parents: true })
    }))
    for (let i = 0; i < 50; i++) {
      expect(Buffer.from(await text(ipfs.files.read(`/many/d${i % 5}/f${i}.txt`))).equals(Buffer.from(payload(i))), `f${i}`).toBe(true)
    }
    const names = (await Promise.all([0, 1, 2, 3, 4].map(async d => await collect(ipfs.files.ls(`/many/d${d}`))))).flat()
    expect(names).toHaveLength(50)
  })

  it('keeps the MFS tree through GC and a restart', async () => {
    const data = 'kept by the MFS root, pinned by nothing'
    const wrote = await repo.run(['files', 'write', '--create', '--parents', '/gc/kept.txt'], { input: data })
    expect(wrote.code, wrote.stderr).toBe(0)
    const gc = await repo.run(['repo', 'gc'])
    expect(gc.code, gc.stderr).toBe(0)
    expect((await repo.run(['files', 'read', '/gc/kept.txt'])).out).toBe(data)
    const rootBefore = (await repo.run(['files', 'stat', '--hash', '/'])).out

    expect(await stopDaemon(daemon!)).toBe(0)
    daemon = undefined
    // offline, a new process: the root came back from the metadata store
    expect((await repo.run(['files', 'stat', '--hash', '/'])).out).toBe(rootBefore)
    expect((await repo.run(['files', 'read', '/gc/kept.txt'])).out).toBe(data)
    const offlineGc = await repo.run(['repo', 'gc'])
    expect(offlineGc.code, offlineGc.stderr).toBe(0)
    expect((await repo.run(['files', 'read', '/gc/kept.txt'])).out).toBe(data)

    daemon = await startDaemon(repo, { args: ['--offline'] })
    ipfs = create({ url: daemon.api })
    expect(await text(ipfs.files.read('/gc/kept.txt'))).toBe(data)
  })

  it('leaves the previous root intact when the daemon is killed in the middle of a large write', async () => {
    await ipfs.files.write('/crash/before.txt', new TextEncoder().encode('before the crash'), { create: true, parents: true })
    const rootBefore = (await ipfs.files.stat('/')).cid.toString()
    const packsBefore = await packBytes(repo.path)

    // a multipart upload that never ends: the daemon writes blocks until it is killed
    const boundary = 'mfs-crash-boundary'
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      start (controller) {
        controller.enqueue(new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data"\r\nContent-Type: application/octet-stream\r\n\r\n`))
      },
      pull (controller) {
        // random bytes, so every leaf is a new block; bounded, should the kill never come
        if (sent++ >= MAX_CRASH_UPLOAD_MIB) controller.close()
        else controller.enqueue(randomBytes(1024 * 1024))
      }
    })
    const upload = fetch(`${daemon!.api}/api/v0/files/write?arg=/crash/big.bin&create=true`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half'
    } as RequestInit).then(() => 'answered', () => 'failed')
    await waitFor(async () => (await packBytes(repo.path)) > packsBefore + 8 * 1024 * 1024, { timeout: 60_000, message: 'the daemon to write blocks of the large write' })
    await killDaemon(daemon!)
    daemon = undefined
    expect(await upload).toBe('failed')

    const stat = await repo.run(['files', 'stat', '--hash', '/'])
    expect(stat.code, stat.stderr).toBe(0)
    expect(stat.out.trim()).toBe(rootBefore)
    expect((await repo.run(['files', 'read', '/crash/before.txt'])).out).toBe('before the crash')
    expect((await repo.run(['files', 'ls', '/crash'])).out).toBe('before.txt\n')
    // the blocks the killed write left behind are garbage; what MFS holds is not
    expect((await repo.run(['repo', 'gc'])).code).toBe(0)
    expect((await repo.run(['files', 'read', '/crash/before.txt'])).out).toBe('before the crash')
  })
})
