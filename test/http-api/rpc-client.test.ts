import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRpcClient, multiaddrToUrl } from '../../http-api/index.ts'
import { bytesOf, collect, command, entries, randomBytesOf, startRpc, type ImportEntry, type RpcFixture } from './helpers.ts'

interface AddEvent { Name: string, Hash: string }

/** An error's name and message, or the value. */
async function settle (run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await run() }
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message }
  }
}

describe('RPC client', () => {
  let f: RpcFixture
  let root: string
  const data = randomBytesOf(600_000, 21)
  const tree = (): AsyncIterable<ImportEntry> => entries(
    { path: 'top', type: 'directory', mode: 0o750, mtime: { secs: 1_650_000_000n, nsecs: 42 } },
    { path: 'top/big.bin', type: 'file', content: (async function * () { for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000) })() },
    { path: 'top/sub/x.txt', type: 'file', content: [Buffer.from('x')], mode: 0o600 },
    { path: 'top/to-x', type: 'symlink', target: 'sub/x.txt' }
  )

  beforeAll(async () => {
    f = await startRpc()
    const added = await collect(f.remote('add', [], {}, { entries: tree() }) as AsyncIterable<AddEvent>)
    root = added[added.length - 1].Hash
  })
  afterAll(async () => { await f.close() })

  it('gives the values and streams a local run gives', async () => {
    const localAdd = await collect(f.local('add', [], { 'only-hash': true, progress: true }, { entries: tree() }) as AsyncIterable<AddEvent>)
    const remoteAdd = await collect(f.remote('add', [], { 'only-hash': true, progress: true }, { entries: tree() }) as AsyncIterable<AddEvent>)
    const results = remoteAdd.filter(e => e.Hash != null)
    expect(results).toEqual(localAdd.filter(e => e.Hash != null))
    expect(results[results.length - 1].Hash).toBe(root)
    expect(remoteAdd.some(e => e.Hash == null && (e as { Bytes?: number }).Bytes === data.length + 1)).toBe(true)
    for (const [path, args] of [['version', []], ['repo stat', []], ['ls', [root]], ['config', ['Addresses.API']], ['files stat', [`/ipfs/${root}/big.bin`]]] as const) {
      expect(await f.remote(path, [...args]), path).toEqual(await f.local(path, [...args]))
    }
    // (indirect pins come in no fixed order)
    const sorted = (values: unknown[]): string[] => values.map(v => JSON.stringify(v)).sort()
    for (const [path, args] of [['pin ls', []], ['refs', [root]]] as const) {
      expect(sorted(await collect(f.remote(path, [...args]) as AsyncIterable<unknown>)), path).toEqual(sorted(await collect(f.local(path, [...args]) as AsyncIterable<unknown>)))
    }
    for (const [path, args, options] of [['cat', [`${root}/big.bin`], { offset: 1000, length: 300_000 }], ['dag export', [root], {}], ['dag get', [root], {}]] as const) {
      const remote = await bytesOf(f.remote(path, [...args], options) as AsyncIterable<Uint8Array>)
      expect(remote.equals(await bytesOf(f.local(path, [...args], options) as AsyncIterable<Uint8Array>)), path).toBe(true)
    }
  })

  it('gives get\'s entries as a local get does: names, CIDs, sizes, contents, targets, modes, mtimes', async () => {
    const read = async (source: AsyncIterable<Record<string, unknown>>): Promise<unknown[]> => {
      const out = []
      for await (const entry of source) {
        const content = typeof entry.content === 'function' ? (await bytesOf((entry.content as () => AsyncIterable<Uint8Array>)())).toString('base64') : undefined
        out.push({ ...entry, cid: String(entry.cid), content })
      }
      return out
    }
    const local = await read(f.local('get', [root]) as AsyncIterable<Record<string, unknown>>)
    const remote = await read(f.remote('get', [root]) as AsyncIterable<Record<string, unknown>>)
    expect(remote).toEqual(local)
    expect(remote.map(e => (e as { path: string }).path)).toEqual(['', 'big.bin', 'sub', 'sub/x.txt', 'to-x'])
  })

  it('re-creates errors with the local name and message', async () => {
    const cases: Array<[string, string[], Record<string, unknown>]> = [
      ['cat', [`${root}/missing`], {}],
      ['cat', [root], {}],
      ['config', ['No.Such.Key'], {}],
      ['config', ['Identity.PrivKey'], {}],
      ['pin rm', ['bafkreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe'], {}],
      ['block stat', ['nope'], {}],
      ['shutdown', [], {}]
    ]
    for (const [path, args, options] of cases) {
      const drain = async (result: unknown): Promise<unknown> => typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ? await collect(result as AsyncIterable<unknown>) : await result
      const local = await settle(async () => await drain(f.local(path, args, options)))
      const remote = await settle(async () => await drain(f.remote(path, args, options)))
      expect(local, path).toHaveProperty('name')
      if (path === 'shutdown') {
        // only a daemon can be shut down: locally that is an error, remotely it works
        expect(local).toMatchObject({ name: 'OfflineError' })
        expect(remote).toEqual({ value: undefined })
        expect(f.shutdowns).toBe(1)
        continue
      }
      expect(remote, `${path} ${args.join(' ')}`).toEqual(local)
    }
  })

  it('reports an input that fails while uploading as that error, and aborts with the signal\'s reason', async () => {
    const broken = entries({
      path: 'f',
      type: 'file',
      content: (async function * () {
        yield new Uint8Array(1000)
        throw Object.assign(new Error('EACCES: permission denied, read'), { name: 'FileReadError' })
      })()
    })
    const err = await collect(f.remote('add', [], {}, { entries: broken }) as AsyncIterable<unknown>).catch(e => e)
    expect({ name: err.name, message: err.message }).toEqual({ name: 'FileReadError', message: 'EACCES: permission denied, read' })

    const controller = new AbortController()
    const reason = Object.assign(new Error('interrupted'), { name: 'AbortedError' })
    const pending = collect(f.remote('cat', [`${root}/big.bin`], {}, {}, controller.signal) as AsyncIterable<Uint8Array>)
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(await f.remote('version')).toMatchObject({ Repo: '1' })
  })

  it('says when no daemon answers, and turns multiaddrs into URLs', async () => {
    const client = createRpcClient({ api: '/ip4/127.0.0.1/tcp/1' })
    const err = await (client.run(command('version'), [], {}, {}, new AbortController().signal) as Promise<unknown>).catch((e: Error) => e) as Error
    expect(err.name).toBe('ApiUnreachableError')
    expect(err.message).toContain('refused the connection')
    client.close()
    expect(multiaddrToUrl('/ip4/127.0.0.1/tcp/5001').href).toBe('http://127.0.0.1:5001/')
    expect(multiaddrToUrl('/ip6/::1/tcp/5001/http').href).toBe('http://[::1]:5001/')
    expect(multiaddrToUrl('/dns4/localhost/tcp/443/tls/http').href).toBe('https://localhost/')
    expect(() => multiaddrToUrl('/ip4/127.0.0.1/udp/5001')).toThrow(/not a TCP multiaddr/)
  })
})
